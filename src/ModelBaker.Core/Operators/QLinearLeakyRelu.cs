using ModelBaker.Core.Ir;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Operators;

/// <summary>
/// com.microsoft QLinearLeakyRelu: Y = quantize(LeakyRelu(dequantize(X), alpha)), alpha default 0.01. Float plans run it
/// so; int8 plans as a 256-entry table between the model's input and output parameters (as ONNX Runtime does).
/// </summary>
public sealed class QLinearLeakyRelu : QLinearUnaryOperator
{
    public override string OpType => "com.microsoft:QLinearLeakyRelu";
    public override OperatorSupport Support { get; } = QOperator("LeakyRelu (alpha)", "a 256-entry table", "channels_last = 1");
    protected override (string OpType, Attribute[] Attributes) FloatOperator(Node node) =>
        ("LeakyRelu", new[] { GraphAttribute.Float("alpha", node.GetFloat("alpha", 0.01f)) });
}
