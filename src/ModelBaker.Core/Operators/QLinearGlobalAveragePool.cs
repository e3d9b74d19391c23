using ModelBaker.Core.Ir;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Operators;

/// <summary>
/// com.microsoft QLinearGlobalAveragePool: Y = quantize(GlobalAveragePool(dequantize(X))); channels_last = 1 is refused.
/// Int8 plans: the int8 global average with the model's parameters.
/// </summary>
public sealed class QLinearGlobalAveragePool : QLinearUnaryOperator
{
    public override string OpType => "com.microsoft:QLinearGlobalAveragePool";
    public override OperatorSupport Support { get; } = QOperator("GlobalAveragePool", "an integer average-pool step (into other parameters: requantized as it divides)", "channels_last = 1");
    protected override (string OpType, Attribute[] Attributes) FloatOperator(Node node) => ("GlobalAveragePool", System.Array.Empty<Attribute>());
}
