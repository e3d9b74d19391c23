using ModelBaker.Core.Ir;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Operators;

/// <summary>
/// com.microsoft QLinearSigmoid: Y = quantize(sigmoid(dequantize(X))). Float plans run it so; int8 plans as a 256-entry
/// table between the model's input and output parameters (ONNX Runtime builds the same table).
/// </summary>
public sealed class QLinearSigmoid : QLinearUnaryOperator
{
    public override string OpType => "com.microsoft:QLinearSigmoid";
    public override OperatorSupport Support { get; } = QOperator("Sigmoid", "a 256-entry table (the model's output parameters)", "channels_last = 1");
    protected override (string OpType, Attribute[] Attributes) FloatOperator(Node node) => ("Sigmoid", System.Array.Empty<Attribute>());
}
