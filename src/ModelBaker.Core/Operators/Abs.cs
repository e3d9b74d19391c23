namespace ModelBaker.Core.Operators;

/// <summary>Y = |X| (float tensors).</summary>
public sealed class Abs : UnaryFloatOperator
{
    public override string OpType => "Abs";

    public override OperatorSupport Support => Elementwise(1, "Y = |X|");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Abs;
}
