namespace ModelBaker.Core.Operators;

/// <summary>Y = √X (NaN for negative X, as IEEE and ONNX Runtime).</summary>
public sealed class Sqrt : UnaryFloatOperator
{
    public override string OpType => "Sqrt";

    public override OperatorSupport Support => Elementwise(1, "Y = √X (NaN below 0)");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Sqrt;
}
