using System.Collections.Generic;
using ModelBaker.Core.Codegen;

namespace ModelBaker.Core.Plan;

/// <summary>
/// One step of a baked plan: a fixed-shape computation with its constants baked in. Each kernel class keeps
/// side by side its payload, its serialization, its reference implementation (the code between
/// <c>// &lt;emit&gt;</c> markers, which the generator copies verbatim into generated classes) and the code that
/// calls it from the generated <c>Predict</c>.
/// </summary>
public abstract class Kernel
{
    protected Kernel(string source) => Source = source;

    /// <summary>The ONNX node(s) this step computes, e.g. "'fc1' (Gemm) + 'relu1' (Relu)".</summary>
    public string Source { get; }

    public abstract KernelKind Kind { get; }

    /// <summary>Arena slices read and written, in that order (the memory planner needs lifetimes).</summary>
    public abstract IEnumerable<ArenaSlice> Reads { get; }
    public abstract ArenaSlice Output { get; }

    /// <summary>
    /// How many leading elements of <see cref="Output"/> are the step's results, which the report compares with the float
    /// model's; a workspace's scratch after them (a recurrent layer's) is not. All of them for most steps.
    /// </summary>
    public virtual int ResultLength => Output.Length;

    /// <summary>Bytes of constants (weights, biases, tables) the generated code embeds for this step.</summary>
    public abstract int WeightBytes { get; }

    /// <summary>
    /// Bytes of working memory the nanoFramework flavour of this step needs besides the arena (a decoded weight row, or
    /// a row read from the weight resource when <paramref name="weightsInResource"/>), 0 for most.
    /// </summary>
    public virtual int NanoScratchBytes(bool weightsInResource) => 0;

    /// <summary>
    /// Bytes of the nanoFramework class's workspace this step uses while it runs (<see cref="Codegen.CodeWriter.NanoWorkspace"/>:
    /// one array the steps share, sized by the largest), 0 for most.
    /// </summary>
    public virtual int NanoWorkspaceBytes => 0;

    /// <summary>Bytes of weights the .NET flavour decodes once, when the generated class is first used (sparse or clustered layers).</summary>
    public virtual int DecodedWeightBytes => 0;

    /// <summary>Weights of this step (not biases or tables), and how many of them are zero — for the report.</summary>
    public virtual int Parameters => 0;
    public virtual int ZeroParameters => 0;
    /// <summary>How the weights are stored ("dense", …) and how many shared values they take (0: not clustered).</summary>
    public virtual string Encoding => "dense";
    public virtual int Clusters => 0;

    public abstract void WritePayload(PlanBinaryWriter writer);

    /// <summary>Writes the statement(s) of <c>Predict</c> that run this step; <paramref name="name"/> prefixes its constants.</summary>
    public abstract void EmitCall(CodeWriter code, string name);

    /// <summary>Writes the class members holding this step's constants.</summary>
    public abstract void EmitData(CodeWriter code, string name);

    /// <summary>Names of the embedded reference implementations this step calls (kernel file names).</summary>
    public abstract IEnumerable<string> Helpers { get; }

    /// <summary>The reference implementation, on the interpreter's arenas.</summary>
    public abstract void Run(PlanArena arena);

    /// <summary>
    /// The emit blocks ("File#Block") this step calls in the nanoFramework flavour (arrays and offsets, C# 9, no
    /// generics, no System.Math), or null when the step has none: float steps, which the integer-only target refuses.
    /// </summary>
    public virtual IEnumerable<string>? NanoHelpers => null;

    /// <summary>Writes the nanoFramework flavour's statement(s) running this step (only when <see cref="NanoHelpers"/> is set).</summary>
    public virtual void EmitNanoCall(CodeWriter code, string name) =>
        throw new System.NotSupportedException($"{GetType().Name} has no nanoFramework flavour.");

    /// <summary>
    /// An input the memory planner may place on the output's bytes when this is the input's last use: the kernel
    /// reads element i of it only before writing element i of the output, and reads no other element after that
    /// (element-wise, same length, not broadcast). Null when the step cannot run in place.
    /// </summary>
    public virtual ArenaSlice? InPlaceInput => null;
}
