using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Element-wise mean of one or more float inputs, numpy broadcasting: their sum times 1/n.</summary>
public sealed class Mean : VariadicOperator
{
    public override string OpType => "Mean";

    public override OperatorSupport Support => Variadic("their sum times 1/n (float)", "integer additions, then a product by 1/n");

    protected override BinaryOperation Operation => BinaryOperation.Add;
    protected override bool IsMean => true;
}
