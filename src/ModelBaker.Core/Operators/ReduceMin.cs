using System.Collections.Generic;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Minimum over the reduced axes (see <see cref="ReduceOperator"/>); int8: exact, the output shares the input's quantization.</summary>
public sealed class ReduceMin : ReduceOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public override string OpType => "ReduceMin";

    public override OperatorSupport Support => Reduce(18, "minimum (a NaN wins)", "exact; the output keeps the input's scale");

    protected override ReduceOperation Operation => ReduceOperation.Min;
}
