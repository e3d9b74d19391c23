using System.Collections.Generic;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Sum over the reduced axes (see <see cref="ReduceOperator"/>; axes are an input from opset 13); float and integers
/// (wrapping to the type); int8: int32 sum requantized.
/// </summary>
public sealed class ReduceSum : ReduceOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public override string OpType => "ReduceSum";

    public override OperatorSupport Support => Reduce(13, "sum", "integer sum, requantized");

    protected override ReduceOperation Operation => ReduceOperation.Sum;
    protected override long AxesInputOpset => 13;
}
