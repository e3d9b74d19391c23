using ModelBaker.Core.Ir;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Operators;

/// <summary>
/// com.microsoft QLinearAveragePool: Y = quantize(AveragePool(dequantize(X))) with AveragePool's attributes
/// (kernel_shape, strides, pads, auto_pad, ceil_mode, count_include_pad); channels_last = 1 is refused. Int8 plans: the
/// int8 average pool with the model's parameters.
/// </summary>
public sealed class QLinearAveragePool : QLinearUnaryOperator
{
    public override string OpType => "com.microsoft:QLinearAveragePool";
    public override OperatorSupport Support { get; } = QOperator("AveragePool's attributes (kernel_shape, pads, strides, ceil_mode, count_include_pad)", "an integer average-pool step (into other parameters: requantized as it divides)", "channels_last = 1");
    protected override (string OpType, Attribute[] Attributes) FloatOperator(Node node) => ("AveragePool", AttributesBut(node, "channels_last"));
}
