using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Element-wise minimum of one or more inputs, numpy broadcasting (a NaN wins, as in numpy).</summary>
public sealed class Min : VariadicOperator
{
    public override string OpType => "Min";
    protected override BinaryOperation Operation => BinaryOperation.Min;
}
