namespace ModelBaker.Core.Operators;

/// <summary>Y = 1 / X (±∞ at ±0, as IEEE and ONNX Runtime).</summary>
public sealed class Reciprocal : UnaryFloatOperator
{
    public override string OpType => "Reciprocal";

    public override OperatorSupport Support => Elementwise(1, "Y = 1 / X (±∞ at ±0)");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Reciprocal;
}
