using System.Collections.Generic;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Sum of squares over the reduced axes (see <see cref="ReduceOperator"/>; axes are an input from opset 18); float;
/// int8: Σ (q − zero point)² in int32, requantized.
/// </summary>
public sealed class ReduceSumSquare : ReduceOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public override string OpType => "ReduceSumSquare";

    public override OperatorSupport Support =>
        Reduce(18, "sum of squares", "Σ (q − zero point)² in int32, requantized") with
        {
            Refuses = new[] { "int8 plans: more reduced elements than an int32 sum of squares holds" },
        };

    protected override ReduceOperation Operation => ReduceOperation.SumSquare;
}
