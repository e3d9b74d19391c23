using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// LayerNormalization (opset 17; ONNX Runtime also runs it at older opsets, as exporters wrote it before 17): the
/// dimensions from <c>axis</c> (default −1, negative counts from the end) on are normalized together,
/// Y = (X − mean) / √(variance + epsilon) · Scale + B. Scale and the optional B broadcast over the normalized
/// dimensions (numpy rules, from the right) and must be constants. The optional outputs Mean and InvStdDev have X's
/// shape with the normalized dimensions set to 1. stash_type must be 1 (float statistics; ours are taken in double).
/// Int8 plans run Y as an integer step (<see cref="LayerNormInt8"/>), Mean and InvStdDev as integer statistics of the same
/// row sums (<see cref="LayerNormStatisticsInt8"/>).
/// </summary>
public sealed class LayerNormalization : IOperator, IBakeTimeInputs, IChannelMapping
{
    /// <summary>Inputs exporters write as initializers: Scale and B.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2 };

    /// <summary>Every row mixes all of its normalized elements (the channels among them): no channel follows its input alone.</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph) => new ChannelFlow.Opaque("each row is normalized by statistics of all its elements", null);

    public string OpType => "LayerNormalization";

    public OperatorSupport Support { get; } = new(OperatorFamily.TransformerBlocks, 17, "any axis, epsilon; Scale and B constant, broadcast over the normalized dimensions; Mean and InvStdDev outputs; also at opsets before 17, as ONNX Runtime runs it; a layer-norm step", Int8Form.Integer, "integer statistics, an integer square root and a per-element requantization (bit-exact); Mean and InvStdDev outputs: integer statistics of the same row sums", Nano: true)
    {
        Refuses = new[] { "stash_type other than 1", "Scale or B computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 3);
        RequireFloat(node, graph, 0);
        RequireFloat(node, graph, 1);
        if (OptionalInput(node, 2) != null) RequireFloat(node, graph, 2);
        var shape = InputShape(node, graph, 0);
        int axis = Axis(node, shape);
        Broadcast(node, "Scale", InputShape(node, graph, 1), shape, axis);
        if (OptionalInput(node, 2) != null) Broadcast(node, "B", InputShape(node, graph, 2), shape, axis);
        SetOutput(node, graph, 0, ElementType.Float32, shape);
        SetOutput(node, graph, 1, ElementType.Float32, StatisticsShape(shape, axis));
        SetOutput(node, graph, 2, ElementType.Float32, StatisticsShape(shape, axis));
    }

    private static int Axis(Node node, int[] shape)
    {
        if (shape.Length == 0) throw ShapeError(node, "the input is a scalar; LayerNormalization needs at least one dimension.");
        long stash = node.GetInt("stash_type", 1);
        if (stash != 1)
            throw UnsupportedUsage(node, $"stash_type {stash} is not supported; ModelBaker computes the statistics of float inputs as stash_type 1 (float) asks.",
                "Export the model with stash_type=1 (the default).");
        return NormalizeAxis(node, node.GetInt("axis", -1), shape.Length);
    }

    private static int[] StatisticsShape(int[] shape, int axis) => shape.Select((d, i) => i < axis ? d : 1).ToArray();

    /// <summary>Scale or B broadcast to one value per element of a normalized row, given its data (null: check the shape only).</summary>
    private static float[]? Broadcast(Node node, string role, int[] shape, int[] input, int axis, float[]? data = null)
    {
        int[] normalized = input.Skip(axis).ToArray();
        // Leading 1s beyond the normalized rank change nothing.
        int[] own = shape.SkipWhile((d, i) => d == 1 && shape.Length - i > normalized.Length).ToArray();
        bool fits = own.Length <= normalized.Length &&
            own.Select((d, i) => d == 1 || d == normalized[normalized.Length - own.Length + i]).All(ok => ok);
        if (!fits)
            throw ShapeError(node, $"{role} {ShapeMath.Format(shape)} does not broadcast to the normalized dimensions {ShapeMath.Format(normalized)} " +
                $"of X {ShapeMath.Format(input)} (axis {axis}).");
        if (data == null) return null;
        int[] strides = ShapeMath.BroadcastStrides(own, normalized);
        var result = new float[ShapeMath.Length(normalized)];
        for (int i = 0; i < result.Length; i++)
        {
            int source = 0, rest = i;
            for (int d = normalized.Length - 1; d >= 0; d--)
            {
                source += rest % normalized[d] * strides[d];
                rest /= normalized[d];
            }
            result[i] = data[source];
        }
        return result;
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        float[] xv = Floats(node, x, 0);
        int axis = Axis(node, x.Shape);
        int outer = Product(x.Shape, 0, axis), size = Product(x.Shape, axis, x.Shape.Length);
        var scale = Broadcast(node, "Scale", Required(node, inputs, 1).Shape, x.Shape, axis, Floats(node, inputs[1], 1))!;
        var bias = inputs.Length > 2 && inputs[2] != null ? Broadcast(node, "B", inputs[2]!.Shape, x.Shape, axis, Floats(node, inputs[2], 2))! : new float[0];
        float epsilon = node.GetFloat("epsilon", 1e-5f);
        var results = new Tensor[node.Outputs.Count];
        for (int output = 0; output < results.Length; output++)
        {
            bool normalized = output == 0;
            var y = new float[normalized ? xv.Length : outer];
            LayerNormFloat.LayerNorm(xv, outer, size, scale, bias, epsilon, output, y);
            results[output] = Tensor.FromFloats(normalized ? x.Shape : StatisticsShape(x.Shape, axis), y);
        }
        return results;
    }

    /// <summary>One <see cref="LayerNormFloat"/> step per output asked for (Y, and Mean or InvStdDev when they are used).</summary>
    public void Lower(Node node, LoweringContext context)
    {
        int[] shape = context.Shape(node.Inputs[0]);
        int axis = Axis(node, shape);
        int outer = Product(shape, 0, axis), size = Product(shape, axis, shape.Length);
        var scaleTensor = context.Constant(node, 1, "Scale");
        var scale = Broadcast(node, "Scale", scaleTensor.Shape, shape, axis, scaleTensor.AsFloats())!;
        float[] bias = new float[0];
        if (context.HasInput(node, 2))
        {
            var biasTensor = context.Constant(node, 2, "B");
            bias = Broadcast(node, "B", biasTensor.Shape, shape, axis, biasTensor.AsFloats())!;
        }
        float epsilon = node.GetFloat("epsilon", 1e-5f);
        var input = context.Slice(node.Inputs[0]);
        for (int output = 0; output < node.Outputs.Count && output < 3; output++)
        {
            string name = node.Outputs[output];
            if (name.Length == 0 || (output > 0 && !context.IsUsed(name))) continue;
            context.Add(LayerNormFloat.For(node.Describe(), input, context.Slice(name), outer, size, scale, bias, epsilon, (LayerNormResult)output));
        }
    }
}
