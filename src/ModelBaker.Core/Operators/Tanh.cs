namespace ModelBaker.Core.Operators;

/// <summary>Y = tanh(X).</summary>
public sealed class Tanh : UnaryFloatOperator
{
    public override string OpType => "Tanh";

    public override OperatorSupport Support => Elementwise(1, "Y = tanh(X)", table: "a 256-entry table; output scale 1/128");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Tanh;
}
