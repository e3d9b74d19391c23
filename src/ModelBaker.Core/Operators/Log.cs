namespace ModelBaker.Core.Operators;

/// <summary>Y = ln X (−∞ at 0, NaN below 0, as IEEE and ONNX Runtime).</summary>
public sealed class Log : UnaryFloatOperator
{
    public override string OpType => "Log";

    public override OperatorSupport Support => Elementwise(1, "Y = ln X (−∞ at 0, NaN below 0)");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Log;
}
