using System.Collections.Generic;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// DynamicQuantizeLinear (opset 11): x to uint8 with a scale and zero point computed from its own range at run time,
/// the form ONNX Runtime's dynamic quantization puts before MatMulInteger and ConvInteger. Written by shape inference
/// as the function ONNX defines it by (<see cref="IExpansion"/>): the range widened to hold 0, scale = range / 255,
/// zero point = round(clip(−min / scale, 0, 255)), then QuantizeLinear with those run-time parameters.
/// </summary>
public sealed class DynamicQuantizeLinear : ExpandedOperator
{
    public override string OpType => "DynamicQuantizeLinear";

    public override OperatorSupport Support { get; } = new(OperatorFamily.QuantizedModels, 11,
        "float32 to uint8 with its scale and zero point from the input's range at run time (ONNX's function: ReduceMin, ReduceMax, Min, Max, Sub, Div, Clip, Round, Cast, QuantizeLinear)",
        Int8Form.Refused, "a quantization decided at run time has no place in a plan quantized at bake time: bake the model with Precision=\"Float32\"", Nano: false);

    public override IReadOnlyList<Node> Expand(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        RequireFloat(node, graph, 0);
        if (node.Outputs.Count != 3) throw InvalidGraph(node, $"it has {node.Outputs.Count} outputs; DynamicQuantizeLinear has three (y, y_scale, y_zero_point).");
        var w = new ExpansionWriter(node, graph);
        string x = node.Inputs[0];
        string zero = w.NewConstant("0", Tensor.FromFloats(new int[0], new[] { 0f }));
        string top = w.NewConstant("255", Tensor.FromFloats(new int[0], new[] { 255f }));
        string min = w.Add("Min", "Min", new[] { w.Add("ReduceMin", "ReduceMin", new[] { x }, GraphAttribute.Int("keepdims", 0)), zero });
        string max = w.Add("Max", "Max", new[] { w.Add("ReduceMax", "ReduceMax", new[] { x }, GraphAttribute.Int("keepdims", 0)), zero });
        string scale = OutputOr(node, 1, w, "Scale");
        w.Add("Scale", "Div", new[] { w.Add("Range", "Sub", new[] { max, min }), top }, new[] { scale });
        string zeroPointReal = w.Add("Round", "Round", new[] { w.Add("Clip", "Clip", new[] { w.Add("Sub", "Sub", new[] { zero, w.Add("Div", "Div", new[] { min, scale }) }), zero, top }) });
        string zeroPoint = OutputOr(node, 2, w, "ZeroPoint");
        w.Add("Cast", "Cast", new[] { zeroPointReal }, new[] { zeroPoint }, GraphAttribute.Int("to", (long)ElementType.UInt8));
        w.Add("QuantizeLinear", "QuantizeLinear", new[] { x, scale, zeroPoint }, new[] { node.Outputs[0] });
        return w.Nodes;
    }

    /// <summary>The node's output <paramref name="index"/>, or a new value when the model leaves it out.</summary>
    private static string OutputOr(Node node, int index, ExpansionWriter writer, string what) =>
        node.Outputs[index].Length > 0 ? node.Outputs[index] : writer.NewValue(what);
}
