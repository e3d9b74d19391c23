using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Element-wise minimum of one or more inputs, numpy broadcasting (a NaN wins, as in numpy).</summary>
public sealed class Min : VariadicOperator
{
    public override string OpType => "Min";

    public override OperatorSupport Support => Variadic("element-wise minimum (a NaN wins)", "rescaled min");

    protected override BinaryOperation Operation => BinaryOperation.Min;
}
