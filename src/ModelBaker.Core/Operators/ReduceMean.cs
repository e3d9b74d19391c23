using System.Collections.Generic;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Mean over the reduced axes (see <see cref="ReduceOperator"/>); int8: int32 sum requantized by 1/count.</summary>
public sealed class ReduceMean : ReduceOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public override string OpType => "ReduceMean";

    public override OperatorSupport Support => Reduce(18, "mean", "integer sum, requantized by 1/count");

    protected override ReduceOperation Operation => ReduceOperation.Mean;
}
