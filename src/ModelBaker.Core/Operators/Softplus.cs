namespace ModelBaker.Core.Operators;

/// <summary>Y = ln(1 + e^X), computed without overflow for large X.</summary>
public sealed class Softplus : UnaryFloatOperator
{
    public override string OpType => "Softplus";

    public override OperatorSupport Support => Elementwise(1, "Y = ln(1 + e^X) without overflow");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Softplus;
}
