namespace ModelBaker.Core.Operators;

/// <summary>Y = X · max(0, min(1, X / 6 + 1/2)) (HardSigmoid with alpha 1/6, beta 1/2, times X).</summary>
public sealed class HardSwish : UnaryFloatOperator
{
    public override string OpType => "HardSwish";

    public override OperatorSupport Support => Elementwise(14, "Y = X · HardSigmoid(X) with alpha 1/6, beta 1/2");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.HardSwish;
}
