using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Element-wise maximum of one or more inputs, numpy broadcasting (a NaN wins, as in numpy).</summary>
public sealed class Max : VariadicOperator
{
    public override string OpType => "Max";

    public override OperatorSupport Support => Variadic("element-wise maximum (a NaN wins)", "rescaled max");

    protected override BinaryOperation Operation => BinaryOperation.Max;
}
