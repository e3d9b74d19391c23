using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Compression;

/// <summary>
/// The quantization a QDQ model already carries (onnxruntime.quantization.quantize_static with QuantFormat.QDQ), taken
/// over by an int8 bake instead of calibrating:
/// <list type="bullet">
/// <item>An activation pair x → QuantizeLinear → DequantizeLinear (every reader of the QuantizeLinear a DequantizeLinear
/// with the same constant, per-tensor scale and zero point) leaves the graph — each DequantizeLinear becomes an Identity
/// of x — and fixes x's int8 parameters to the model's: scale as is, zero point as is for int8, minus 128 for uint8
/// (the same real values, exactly).</item>
/// <item>Constant int8 (or uint8 with zero point 128) weights DequantizeLinear'd into input W / B of a Conv, Gemm or
/// MatMul, symmetric per tensor or per output channel, keep their scales: the int8 step re-quantizes the dequantized
/// weights with exactly those scales, which gives back the model's integers bit for bit
/// (<see cref="QuantizationContext.ModelWeight"/> checks it). Biases DequantizeLinear'd from int32 fold to float as usual and
/// re-quantize at input scale × weight scale.</item>
/// </list>
/// Anything else that quantizes at run time (a QuantizeLinear without its DequantizeLinear, per-axis activations,
/// QLinearConv, …) is left in the graph, and the int8 bake refuses it with MB1104 naming the node.
/// </summary>
public sealed class QdqModel
{
    private readonly Dictionary<string, QuantizationParameters> _activations;
    private readonly Dictionary<string, double[]> _weightScales;

    private QdqModel(Dictionary<string, QuantizationParameters> activations, Dictionary<string, double[]> weightScales)
    {
        _activations = activations;
        _weightScales = weightScales;
    }

    /// <summary>Fixed int8 parameters by value name (the tensor a QuantizeLinear → DequantizeLinear pair wrapped).</summary>
    public IReadOnlyDictionary<string, QuantizationParameters> Activations => _activations;

    /// <summary>Per-output-channel weight scales by the Describe() of the Conv / Gemm / MatMul node reading them.</summary>
    public IReadOnlyDictionary<string, double[]> WeightScales => _weightScales;

    public bool IsEmpty => _activations.Count == 0 && _weightScales.Count == 0;

    /// <summary>
    /// Finds the model's quantization and removes its activation pairs from <paramref name="graph"/> (shapes inferred,
    /// constants not yet folded, so weight DequantizeLinear nodes are still there to read).
    /// </summary>
    public static QdqModel Extract(Graph graph)
    {
        var activations = new Dictionary<string, QuantizationParameters>(StringComparer.Ordinal);
        var weightScales = new Dictionary<string, double[]>(StringComparer.Ordinal);
        ExpandQuantizedOperators(graph);
        foreach (var dq in graph.Nodes.Where(n => n.OpType == "DequantizeLinear" && graph[n.Inputs[0]].IsConstant).ToList())
            foreach (var consumer in graph.Consumers(dq.Outputs[0]).ToList())
                if (WeightChannelAxis(consumer, graph, dq.Outputs[0]) is { } axis)
                    weightScales[consumer.Describe()] = Scales(graph, dq, axis);

        foreach (var q in graph.Nodes.Where(n => n.OpType == "QuantizeLinear").ToList())
        {
            var pair = Parameters(graph, q);
            var readers = graph.Consumers(q.Outputs[0]).ToList();
            if (pair == null || readers.Count == 0 || graph.Outputs.Contains(q.Outputs[0])) continue;
            if (!readers.All(dq => dq.OpType == "DequantizeLinear" && dq.Inputs[0] == q.Outputs[0] && Parameters(graph, dq) is { } p && p.Equals(pair.Value)))
                continue;
            string x = q.Inputs[0];
            if (activations.TryGetValue(x, out var earlier) && !earlier.Equals(pair.Value.Int8))
                throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                    $"Node {q.Describe()}: tensor '{x}' is quantized twice with different parameters ({earlier} and {pair.Value.Int8}). " +
                    "An int8 bake gives each tensor one scale and zero point; quantize it once in the model.");
            activations[x] = pair.Value.Int8;
            graph.Nodes.Remove(q);
            foreach (var dq in readers)
                graph.Nodes[graph.Nodes.IndexOf(dq)] = new Node(dq.Name, "Identity", new[] { x }, dq.Outputs, new Dictionary<string, Ir.Attribute>());
            graph.Values.Remove(q.Outputs[0]);
        }
        return new QdqModel(activations, weightScales);
    }

    /// <summary>
    /// The QOperator format as QDQ: each quantized operator (<see cref="IQdqForm"/>: QLinearConv, QLinearMatMul, the
    /// com.microsoft QLinear* ops, QGemm) becomes DequantizeLinear → float operator → QuantizeLinear over the same
    /// scales and zero points; a data-movement node on a quantized tensor (Reshape, Flatten, Transpose, Squeeze,
    /// Unsqueeze, MaxPool between two QLinear ops) moves before the QuantizeLinear that feeds it, which it commutes with
    /// exactly (quantization is one monotonic function per element); and the integer-operator form
    /// (<see cref="IntegerOperatorForm"/>). The pairs this leaves are then read like any QDQ model's.
    /// </summary>
    private static void ExpandQuantizedOperators(Graph graph)
    {
        foreach (var node in graph.Nodes.ToList())
            if (OperatorRegistry.Find(node.OpType) is IQdqForm form)
            {
                var nodes = QdqFormBuilder.Expand(form, node, graph, fold: false);
                int at = graph.Nodes.IndexOf(node);
                graph.Nodes.RemoveAt(at);
                graph.Nodes.InsertRange(at, nodes);
            }
        IntegerOperatorForm.Rewrite(graph);
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var node = graph.Nodes[i];
            if (!Commutes(node) || graph.Producer(node.Inputs[0]) is not { OpType: "QuantizeLinear" } q || q.Outputs[0] != node.Inputs[0]) continue;
            if (graph.Outputs.Contains(node.Inputs[0]) || graph.Consumers(node.Inputs[0]).Count() != 1 || Parameters(graph, q) == null) continue;
            // x → Q → q → op → y  becomes  x → op → y_float → Q → y (y keeps its name, type and shape).
            string floatOutput = node.Outputs[0] + ":float";
            graph.Add(new Value(floatOutput, ElementType.Float32, graph[node.Outputs[0]].Shape));
            var moved = new Node(node.Name, node.OpType, new[] { q.Inputs[0] }.Concat(node.Inputs.Skip(1)).ToArray(),
                new[] { floatOutput }.Concat(node.Outputs.Skip(1)).ToArray(), node.Attributes.ToDictionary(a => a.Key, a => a.Value));
            var quantize = new Node(q.Name, q.OpType, new[] { floatOutput }.Concat(q.Inputs.Skip(1)).ToArray(), node.Outputs.Take(1).ToArray(),
                q.Attributes.ToDictionary(a => a.Key, a => a.Value));
            graph.Values.Remove(q.Outputs[0]);
            int at = graph.Nodes.IndexOf(q);
            graph.Nodes.RemoveAt(at);
            graph.Nodes.Insert(graph.Nodes.IndexOf(node), moved);
            graph.Nodes[graph.Nodes.IndexOf(node)] = quantize;
            i = at - 1; // the moved QuantizeLinear may now feed another such node
        }
    }

    /// <summary>A node whose first output is its first input's elements moved (or the largest of some), one output read.</summary>
    private static bool Commutes(Node node) =>
        node.OpType is "Reshape" or "Flatten" or "Transpose" or "Squeeze" or "Unsqueeze" or "Identity"
        || node.OpType == "MaxPool" && node.Outputs.Count == 1;

    /// <summary>
    /// A QuantizeLinear's or DequantizeLinear's constant per-tensor int8 / uint8 scale and zero point, with its int8
    /// equivalent; null when they are not constant, not per tensor, or of another type.
    /// </summary>
    private static (float Scale, long ZeroPoint, ElementType Type, QuantizationParameters Int8)? Parameters(Graph graph, Node node)
    {
        var scale = graph[node.Inputs[1]].Constant;
        var zeroPoint = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? graph[node.Inputs[2]] : null;
        if (scale?.Floats == null || scale.Length != 1 || node.GetInt("block_size", 0) != 0) return null;
        if (zeroPoint != null && (zeroPoint.Constant == null || zeroPoint.Constant.Length != 1)) return null;
        long dtype = node.OpType == "QuantizeLinear" ? node.GetInt("output_dtype", 0) : 0;
        var type = zeroPoint?.Type ?? (dtype != 0 ? (ElementType)(int)dtype : ElementType.UInt8); // 16-bit pairs are not int8's
        if (type is not (ElementType.Int8 or ElementType.UInt8)) return null;
        long zp = zeroPoint?.Constant!.Int64s![0] ?? 0;
        float s = scale.Floats[0];
        if (!(s > 0) || float.IsInfinity(s)) return null;
        return (s, zp, type, new QuantizationParameters(s, (int)(type == ElementType.UInt8 ? zp - 128 : zp)));
    }

    /// <summary>The axis of W holding the output channels when <paramref name="weights"/> is the weights of a layer (<see cref="IWeightLayout"/>).</summary>
    private static int? WeightChannelAxis(Node consumer, Graph graph, string weights)
    {
        if (consumer.Inputs.Count < 2 || consumer.Inputs[1] != weights || consumer.Inputs[0] == weights) return null;
        return OperatorRegistry.Find(consumer.OpType) is IWeightLayout layer ? layer.OutputChannelAxis(consumer, graph) : null;
    }

    /// <summary>One scale per output channel; the weights must be symmetric (zero point 0, or 128 for uint8).</summary>
    private static double[] Scales(Graph graph, Node dq, int channelAxis)
    {
        var w = graph[dq.Inputs[0]];
        var scale = graph[dq.Inputs[1]].Constant;
        var zeroPointValue = dq.Inputs.Count > 2 && dq.Inputs[2].Length > 0 ? graph[dq.Inputs[2]] : null;
        var zeroPoint = zeroPointValue?.Constant;
        int[] shape = w.Shape!;
        int channels = shape[channelAxis];
        BakeException Refuse(string what) => new(ErrorCodes.UnsupportedOperatorUsage,
            $"Node {dq.Describe()}: {what} An int8 bake takes a QDQ model's weights as int8 (or uint8 with zero point 128), symmetric, " +
            "with one scale per tensor or per output channel (quantize_static with QuantType.QInt8 weights). " +
            "Re-quantize the model so, or bake it with Precision=\"Float32\".");
        if (w.Type is not (ElementType.Int8 or ElementType.UInt8)) throw Refuse($"the weights '{w.Name}' are {w.Type}.");
        if (scale?.Floats == null || zeroPointValue != null && zeroPoint == null)
            throw Refuse("its scale or zero point is computed at run time.");
        long symmetric = w.Type == ElementType.UInt8 ? 128 : 0;
        if (zeroPoint != null && zeroPoint.Int64s!.Any(z => z != symmetric))
            throw Refuse($"the weights '{w.Name}' are asymmetric (zero point {string.Join(", ", zeroPoint.Int64s!.Distinct())}).");
        if (scale.Floats.Length == 1 && dq.GetInt("block_size", 0) == 0) return Enumerable.Repeat((double)scale.Floats[0], channels).ToArray();
        int axis = (int)dq.GetInt("axis", 1);
        if (axis < 0) axis += shape.Length;
        if (dq.GetInt("block_size", 0) != 0 || axis != channelAxis || scale.Floats.Length != channels)
            throw Refuse($"its scales are not one per output channel (axis {channelAxis} of the weights '{w.Name}').");
        return scale.Floats.Select(s => (double)s).ToArray();
    }

    /// <summary>The int8 parameters of the plan's float slices, by the lowering's value → slice map.</summary>
    public Dictionary<ArenaSlice, QuantizationParameters> FixedSlices(IReadOnlyDictionary<string, ArenaSlice> slices)
    {
        var result = new Dictionary<ArenaSlice, QuantizationParameters>();
        foreach (var pair in _activations)
            if (slices.TryGetValue(pair.Key, out var slice) && slice.Type == ElementType.Float32)
                result[slice] = pair.Value;
        return result;
    }
}
