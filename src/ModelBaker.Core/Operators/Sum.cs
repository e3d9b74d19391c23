using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Element-wise sum of one or more inputs, numpy broadcasting (integers wrap around).</summary>
public sealed class Sum : VariadicOperator
{
    public override string OpType => "Sum";

    public override OperatorSupport Support => Variadic("element-wise sum", "integer additions");

    protected override BinaryOperation Operation => BinaryOperation.Add;
}
