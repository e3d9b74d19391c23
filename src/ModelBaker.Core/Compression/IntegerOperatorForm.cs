using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Compression;

/// <summary>
/// The integer-operator form of a quantized layer, as an int8 bake reads it:
/// <c>x → QuantizeLinear(s_x, z_x) → ConvInteger / MatMulInteger(W, z_x, z_w) → Cast(to float) → Mul(c)</c>, c a constant
/// per tensor or per output channel, means <c>Conv / MatMul(dequantize(x), (W − z_w) · c / s_x)</c>: the layer's weights are
/// W with scales c / s_x, its input x with the QuantizeLinear's parameters. The form is rewritten so (DequantizeLinear of
/// x and W, the float layer writing the Mul's output), and the int8 step then takes the model's integers and zero points,
/// c folded into its requantization multiplier. Anything else around a ConvInteger or MatMulInteger is refused with
/// MB1104 naming the node and what is missing.
/// </summary>
internal static class IntegerOperatorForm
{
    public static void Rewrite(Graph graph)
    {
        foreach (var node in graph.Nodes.Where(n => n.OpType is "ConvInteger" or "MatMulInteger").ToList())
        {
            bool conv = node.OpType == "ConvInteger";
            BakeException Refuse(string what) => new(ErrorCodes.UnsupportedOperatorUsage,
                $"Node {node.Describe()}: {what} An int8 bake takes {node.OpType} in the form x → QuantizeLinear (constant scale and zero point, per tensor) → " +
                $"{node.OpType} (constant weights, the QuantizeLinear's zero point) → Cast to float → Mul by a constant scale (per tensor or per output channel). " +
                "Re-quantize the model statically (onnxruntime.quantization.quantize_static), or bake it with Precision=\"Float32\".");

            var quantize = graph.Producer(node.Inputs[0]);
            if (quantize?.OpType != "QuantizeLinear")
                throw Refuse($"its input '{node.Inputs[0]}' is {(quantize == null ? "a graph input" : $"written by {quantize.Describe()}")}, not a QuantizeLinear" +
                    (quantize?.OpType == "DynamicQuantizeLinear" ? " (DynamicQuantizeLinear computes its scale at run time, which int8 code fixes at bake time)." : "."));
            var xScale = graph[quantize.Inputs[1]].Constant;
            var xZeroPoint = quantize.Inputs.Count > 2 && quantize.Inputs[2].Length > 0 ? graph[quantize.Inputs[2]].Constant : null;
            if (xScale?.Floats == null || xScale.Length != 1 || quantize.Inputs.Count > 2 && quantize.Inputs[2].Length > 0 && (xZeroPoint == null || xZeroPoint.Length != 1))
                throw Refuse($"its QuantizeLinear {quantize.Describe()} has no constant per-tensor scale and zero point.");
            long zx = xZeroPoint?.Int64s![0] ?? 0;
            var nodeZeroPoint = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? graph[node.Inputs[2]].Constant : null;
            if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0 && (nodeZeroPoint == null || nodeZeroPoint.Length != 1 || nodeZeroPoint.Int64s![0] != zx)
                || nodeZeroPoint == null && zx != 0)
                throw Refuse($"its input zero point is not the QuantizeLinear's ({zx}).");
            var w = graph[node.Inputs[1]];
            if (!w.IsConstant) throw Refuse($"its weights '{w.Name}' are computed at run time.");

            var readers = graph.Consumers(node.Outputs[0]).ToList();
            var cast = readers.Count == 1 && readers[0].OpType == "Cast" && readers[0].GetInt("to", 0) == (int)ElementType.Float32 ? readers[0] : null;
            var castReaders = cast == null ? new List<Node>() : graph.Consumers(cast.Outputs[0]).ToList();
            var mul = castReaders.Count == 1 && castReaders[0].OpType == "Mul" ? castReaders[0] : null;
            if (cast == null || mul == null || graph.Outputs.Contains(node.Outputs[0]) || graph.Outputs.Contains(cast.Outputs[0]))
                throw Refuse("its int32 sums are not read by one Cast to float and then one Mul.");
            string scaleName = mul.Inputs[0] == cast.Outputs[0] ? mul.Inputs[1] : mul.Inputs[0];
            var scale = graph[scaleName].Constant;
            if (scale?.Floats == null) throw Refuse($"the Mul {mul.Describe()} scales the sums by '{scaleName}', which is computed at run time.");

            // The output channels: axis 1 of a convolution's output, the last axis of a matrix product's.
            int[] output = graph[node.Outputs[0]].Shape!;
            int channelAxis = conv ? 1 : output.Length - 1;
            int channels = output[channelAxis];
            int[] scaleShape = scale.Shape;
            bool perTensor = scale.Length == 1;
            bool perChannel = !perTensor && scale.Length == channels && scaleShape.Length <= output.Length
                && Enumerable.Range(0, scaleShape.Length).All(d => scaleShape[d] == (d == scaleShape.Length - (output.Length - channelAxis) ? channels : 1));
            if (!perTensor && !perChannel)
                throw Refuse($"the Mul's scale '{scaleName}' {ShapeMath.Format(scaleShape)} is neither one value nor one per output channel ({channels}).");
            if (!conv && w.Shape!.Length != 2) throw Refuse($"its weights '{w.Name}' are not a 2-D matrix.");

            // W's scales: c / s_x, so that s_x · s_w = c, the Mul's factor.
            float sx = xScale.Floats[0];
            var wScales = scale.Floats.Select(c => c / sx).ToArray();
            string Constant(string suffix, Tensor data)
            {
                string name = $"{node.Outputs[0]}:{suffix}";
                graph.Add(new Value(name, data.Type, data.Shape, data));
                return name;
            }
            var wzp = node.Inputs.Count > 3 && node.Inputs[3].Length > 0 ? graph[node.Inputs[3]].Constant : Tensor.FromInt64s(Array.Empty<int>(), new[] { 0L }, w.Type);
            if (wzp == null) throw Refuse("its weight zero point is computed at run time.");
            if (wzp.Length != 1 && wzp.Length != channels) throw Refuse($"its weight zero point has {wzp.Length} values, neither one nor one per output channel ({channels}).");
            // One scale and zero point for W, or one of each per output channel.
            bool perAxis = wScales.Length != 1 || wzp.Length != 1;
            int[] parameterShape = perAxis ? new[] { channels } : Array.Empty<int>();
            string wScale = Constant("weight_scale", Tensor.FromFloats(parameterShape,
                Enumerable.Range(0, perAxis ? channels : 1).Select(m => wScales[wScales.Length == 1 ? 0 : m]).ToArray()));
            string wZeroPoint = Constant("weight_zero_point", Tensor.FromInt64s(parameterShape,
                Enumerable.Range(0, perAxis ? channels : 1).Select(m => wzp.Int64s![wzp.Length == 1 ? 0 : m]).ToArray(), w.Type));

            string xFloat = $"{node.Outputs[0]}:input", wFloat = $"{node.Outputs[0]}:weights";
            graph.Add(new Value(xFloat, ElementType.Float32, graph[node.Inputs[0]].Shape));
            graph.Add(new Value(wFloat, ElementType.Float32, w.Shape));
            var none = new Dictionary<string, Attribute>();
            var nodes = new[]
            {
                new Node($"{node.Name}/DequantizeLinear_input", "DequantizeLinear", new[] { node.Inputs[0], quantize.Inputs[1], quantize.Inputs.Count > 2 ? quantize.Inputs[2] : "" }, new[] { xFloat }, none),
                new Node($"{node.Name}/DequantizeLinear_weights", "DequantizeLinear", new[] { w.Name, wScale, wZeroPoint }, new[] { wFloat },
                    new Dictionary<string, Attribute> { ["axis"] = new() { Name = "axis", Kind = AttributeKind.Int, Int = conv ? 0 : 1 } }),
                new Node(node.Name, conv ? "Conv" : "MatMul", new[] { xFloat, wFloat }, mul.Outputs, conv ? node.Attributes.ToDictionary(a => a.Key, a => a.Value) : none),
            };
            int at = graph.Nodes.IndexOf(node);
            graph.Nodes.Remove(cast);
            graph.Nodes.Remove(mul);
            graph.Nodes.RemoveAt(at);
            graph.Nodes.InsertRange(at, nodes);
            graph.Values.Remove(node.Outputs[0]);
            graph.Values.Remove(cast.Outputs[0]);
        }
    }
}
