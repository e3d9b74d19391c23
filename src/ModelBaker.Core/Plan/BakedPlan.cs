using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Pipeline;

namespace ModelBaker.Core.Plan;

/// <summary>
/// The result of a bake and the generator's only input: the generated class's names, the model's inputs and
/// outputs, the arena size and the kernels in execution order. Stored as one binary file per model
/// (<see cref="PlanFile"/>, format in docs/plan-format.md).
/// </summary>
public sealed class BakedPlan
{
    public BakedPlan(PlanHeader header, IReadOnlyList<PlanTensor> inputs, IReadOnlyList<PlanTensor> outputs,
        int arenaLength, IReadOnlyList<Kernel> kernels)
    {
        Header = header;
        Inputs = inputs;
        Outputs = outputs;
        ArenaLength = arenaLength;
        Kernels = kernels;
    }

    public PlanHeader Header { get; }
    public IReadOnlyList<PlanTensor> Inputs { get; }
    public IReadOnlyList<PlanTensor> Outputs { get; }
    /// <summary>Elements of the activation arena (sbyte in int8 plans, float in float plans).</summary>
    public int ArenaLength { get; }
    public IReadOnlyList<Kernel> Kernels { get; }

    public int ElementBytes => Header.Precision == Precision.Int8 ? 1 : 4;
    public int ArenaBytes => ArenaLength * ElementBytes;
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
    long FloatWeightBytes);
