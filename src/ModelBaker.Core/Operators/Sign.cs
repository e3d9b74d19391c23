namespace ModelBaker.Core.Operators;

/// <summary>Y = −1, 0 or 1 by the sign of X (NaN stays NaN) (float tensors); int8 plans take it as a lookup table.</summary>
public sealed class Sign : UnaryFloatOperator
{
    public override string OpType => "Sign";

    public override OperatorSupport Support => Elementwise(9, "−1, 0 or 1; NaN stays NaN");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Sign;
}
