using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Joins tensors of one element type and rank along axis (negative counts from the end); every other dimension must
/// match. Exporters concatenate int64 shape pieces with it, so integers are supported as well as floats.
/// </summary>
public sealed class Concat : IOperator, IChannelMapping
{
    /// <summary>Joined along the channel axis, or opaque along any other.</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph)
    {
        int rank = graph[node.Outputs[0]].Shape!.Length;
        long axis = node.GetInt("axis", 1);
        return (axis < 0 ? axis + rank : axis) == 1 ? new ChannelFlow.Joined() : new ChannelFlow.Opaque($"it joins along axis {axis}, not the channels");
    }

    public string OpType => "Concat";

    public OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 1, "any element type and axis; constants baked in; one concat step", Int8Form.Integer, "inputs of other scales requantized to the output's", Nano: true)
    {
        NanoDetails = "int8 tensors (inputs of other scales requantized); uint8, int16, uint16, int32, uint32, int64, uint64 and bool tensors",
    };

    public void InferShapes(Node node, Graph graph)
    {
        if (node.Inputs.Count == 0 || node.Inputs.Any(string.IsNullOrEmpty)) throw InvalidGraph(node, "Concat needs one or more inputs, none omitted.");
        var type = Input(node, graph, 0).Type;
        for (int i = 1; i < node.Inputs.Count; i++)
            if (Input(node, graph, i).Type != type)
                throw InvalidGraph(node, $"its inputs have different element types ({type} and {Input(node, graph, i).Type}).");
        SetOutput(node, graph, 0, type, OutputShape(node, node.Inputs.Select((_, i) => InputShape(node, graph, i)).ToArray()).Shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var tensors = inputs.Select((_, i) => Required(node, inputs, i)).ToArray();
        var (shape, axis) = OutputShape(node, tensors.Select(t => t.Shape).ToArray());
        int outer = Product(shape, 0, axis), length = ShapeMath.Length(shape);
        var order = new int[length]; // output element → (input, element), block by block
        var which = new int[length];
        int position = 0;
        for (int o = 0; o < outer; o++)
            for (int t = 0; t < tensors.Length; t++)
            {
                int block = Product(tensors[t].Shape, axis, shape.Length);
                for (int j = 0; j < block; j++, position++) { which[position] = t; order[position] = o * block + j; }
            }
        if (tensors[0].Floats != null)
            return new[] { Tensor.FromFloats(shape, order.Select((e, i) => tensors[which[i]].Floats![e]).ToArray()) };
        return new[] { Tensor.FromInt64s(shape, order.Select((e, i) => tensors[which[i]].Int64s![e]).ToArray(), tensors[0].Type) };
    }

    private static (int[] Shape, int Axis) OutputShape(Node node, int[][] shapes)
    {
        int rank = shapes[0].Length;
        if (rank == 0) throw ShapeError(node, "its inputs are scalars; Concat needs at least one axis.");
        int axis = NormalizeAxis(node, node.Attributes.ContainsKey("axis") ? node.GetInt("axis", 0)
            : throw InvalidGraph(node, "it has no axis attribute."), rank);
        var output = (int[])shapes[0].Clone();
        for (int i = 1; i < shapes.Length; i++)
        {
            var s = shapes[i];
            if (s.Length != rank || Enumerable.Range(0, rank).Any(d => d != axis && s[d] != output[d]))
                throw ShapeError(node, $"input {i} {ShapeMath.Format(s)} does not fit input 0 {ShapeMath.Format(shapes[0])}: " +
                                       $"all dimensions but axis {axis} must be equal.");
            output[axis] += s[axis];
        }
        return (output, axis);
    }

    /// <summary>One step copying each input's blocks into its columns of the output; constant inputs are baked in.</summary>
    public void Lower(Node node, LoweringContext context)
    {
        var shapes = node.Inputs.Select(context.Shape).ToArray();
        var (shape, axis) = OutputShape(node, shapes);
        var parts = node.Inputs.Select((name, i) =>
        {
            int block = Product(shapes[i], axis, shape.Length);
            var value = context.Graph[name];
            return value.IsConstant
                ? new ConcatPart(null, TensorArrays.ToArray(value.Constant!, value.Type), block)
                : new ConcatPart(context.Slice(name), null, block);
        }).Where(p => p.Length > 0).ToList();
        context.Add(new Kernels.Concat(node.Describe(), parts, context.Slice(node.Outputs[0])));
    }
}
