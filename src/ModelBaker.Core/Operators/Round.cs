namespace ModelBaker.Core.Operators;

/// <summary>Y = X rounded to the nearest integer, halves to even (2.5 → 2, −1.5 → −2) (float tensors); int8 plans take it as a lookup table.</summary>
public sealed class Round : UnaryFloatOperator
{
    public override string OpType => "Round";

    public override OperatorSupport Support => Elementwise(11, "halves to even");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Round;
}
