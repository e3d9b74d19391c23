using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ai.onnx.ml ZipMap as a C# caller wants it: the [rows, classes] probabilities are copied to the output unchanged, and
/// the class of each column (int64 or string labels) becomes a static array of the generated class named after the
/// output (<see cref="IClassLabels"/>), instead of one dictionary per row. In an int8 plan the same step copies the
/// quantized probabilities, its output taking its input's scale and zero point (no requantization), in both flavours.
/// </summary>
public sealed class ZipMapFloat : FloatKernel, IClassLabels
{
    public ZipMapFloat(string source, ArenaSlice input, ArenaSlice output, Array classes) : base(source)
    {
        Input = input;
        Output = output;
        Classes = classes;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    /// <summary>The label of each column: long[] (classlabels_int64s) or string[] (classlabels_strings).</summary>
    public Array Classes { get; }

    public string Describe(string output, string array) =>
        $"The class of each column of output '{output}' (a ZipMap in the model): element [n, c] is the probability of class {array}[c].";

    /// <summary>A copy of the quantized probabilities: the output keeps the input's parameters.</summary>
    public override Kernel Quantize(QuantizationContext q)
    {
        q.Fix(Output, q.Parameters(Input));
        return new ZipMapFloat(Source, q.Slice(Input), q.Slice(Output), Classes);
    }

    public override KernelKind Kind => KernelKind.ZipMapFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => Array.Empty<string>();
    public override ArenaSlice? InPlaceInput => Input;

    public override void Run(PlanArena arena)
    {
        if (Input.Type == ElementType.Int8) arena.Int8s(Input).CopyTo(arena.Int8s(Output));
        else arena.Floats(Input).CopyTo(arena.Floats(Output));
    }

    public override IEnumerable<string> NanoHelpers => Array.Empty<string>();

    /// <summary>Always the copy: in place it copies nothing, and it keeps the offset constants used (nanoFramework builds warn on unused ones).</summary>
    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"Array.Copy({Input.NanoArguments(code)}, {Output.NanoArguments(code)}, {Input.Length}); // one column per class");

    /// <summary>The memory planner put the input and the output on the same bytes: there is nothing to copy.</summary>
    private bool InPlace => Input.Offset == Output.Offset && Input.Type == Output.Type;

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); ClassicalSteps.WriteClasses(w, Classes);
    }

    public static ZipMapFloat Read(PlanBinaryReader r, string source) => new(source, r.Slice(), r.Slice(), ClassicalSteps.ReadClasses(r));

    public override void EmitCall(CodeWriter code, string name)
    {
        string input = Input.Expression(code), output = Output.Expression(code);
        if (InPlace) code.Line("// The probabilities are already in place: one column per class.");
        else code.Line($"{input}.CopyTo({output}); // one column per class");
    }

    public override void EmitData(CodeWriter code, string name) { }
}
