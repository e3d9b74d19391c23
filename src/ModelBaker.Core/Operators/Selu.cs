using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Operators;

/// <summary>Y = gamma · X for X &gt; 0, gamma · alpha · (e^X − 1) otherwise, with ONNX'\''s defaults (alpha ≈ 1.6733, gamma ≈ 1.0507).</summary>
public sealed class Selu : UnaryFloatOperator
{
    public override string OpType => "Selu";

    public override OperatorSupport Support => Elementwise(1, "alpha, gamma");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Selu;
    // The ONNX defaults, as float32 (the spec gives them to float precision).
    protected override (float Alpha, float Beta) Parameters(Node node) =>
        (node.GetFloat("alpha", 1.67326319217681884765625f), node.GetFloat("gamma", 1.05070102214813232421875f));
}
