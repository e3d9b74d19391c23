using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Options;

namespace ModelBaker.Core.Plan;

/// <summary>
/// The result of a bake and the generator's only input: the generated class's names, the model's inputs and
/// outputs, the arena size and the kernels in execution order. Stored as one binary file per model
/// (<see cref="PlanFile"/>, format in docs/plan-format.md).
/// </summary>
public sealed class BakedPlan
{
    public BakedPlan(PlanHeader header, IReadOnlyList<PlanTensor> inputs, IReadOnlyList<PlanTensor> outputs,
        IReadOnlyDictionary<ElementType, int> arenaLengths, IReadOnlyList<Kernel> kernels)
    {
        Header = header;
        Inputs = inputs;
        Outputs = outputs;
        ArenaLengths = arenaLengths.OrderBy(p => p.Key).ToDictionary(p => p.Key, p => p.Value);
        Kernels = kernels;
    }

    public PlanHeader Header { get; }
    public IReadOnlyList<PlanTensor> Inputs { get; }
    public IReadOnlyList<PlanTensor> Outputs { get; }
    /// <summary>Elements of each arena in use (one per element type), in element-type order.</summary>
    public IReadOnlyDictionary<ElementType, int> ArenaLengths { get; }
    public IReadOnlyList<Kernel> Kernels { get; }

    public int ArenaBytes => ArenaLengths.Sum(p => p.Value * Arenas.Size(p.Key));
    public int WeightBytes => Kernels.Sum(k => k.WeightBytes);
}

/// <summary>What the plan was made from and what the generated class is called.</summary>
public sealed record PlanHeader(
    string ProducerVersion,
    string ModelFileName,
    string ModelSha256,
    string Namespace,
    string ClassName,
    Precision Precision,
    float Sparsity,
    long FloatWeightBytes)
{
    /// <summary>Which flavour of C# the generator writes for this plan (plan format 5 on).</summary>
    public CodeTarget Target { get; init; } = CodeTarget.Net;

    /// <summary>
    /// The manifest resource the generated class reads its weights from, or "" when they are array initializers in
    /// the C# (plan format 16 on; <see cref="Options.WeightStorage"/>).
    /// </summary>
    public string WeightResource { get; init; } = "";
}
