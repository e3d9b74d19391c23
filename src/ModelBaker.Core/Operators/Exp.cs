namespace ModelBaker.Core.Operators;

/// <summary>Y = e^X.</summary>
public sealed class Exp : UnaryFloatOperator
{
    public override string OpType => "Exp";

    public override OperatorSupport Support => Elementwise(1, "Y = e^X");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Exp;
}
