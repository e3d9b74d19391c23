namespace ModelBaker.Core.Operators;

/// <summary>
/// ONNX Runtime's com.microsoft Gelu (what exporters wrote before opset 20 had one, and what ORT's fusions produce):
/// Y = X/2 · (1 + erf(X/√2)), the exact form. Int8: a 256-entry table.
/// </summary>
public sealed class MicrosoftGelu : UnaryFloatOperator
{
    public override string OpType => "com.microsoft:Gelu";

    public override OperatorSupport Support => Elementwise(1, "the exact (erf) form, as ONNX Runtime; what exporters wrote before opset 20", family: OperatorFamily.TransformerBlocks);

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Gelu;
}
