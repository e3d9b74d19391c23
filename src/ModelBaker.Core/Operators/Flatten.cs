using ModelBaker.Core.Lowering;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Reshapes to 2-D [prod(d[..axis]), prod(d[axis..])]; axis (default 1) may be negative and may equal the
/// rank (then the result is [n, 1]).
/// </summary>
public sealed class Flatten : IOperator, IChannelMapping
{
    /// <summary>[N, C, …] → [N, C·…] at axis 1; opaque at any other axis.</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph)
    {
        int rank = graph[node.Inputs[0]].Shape!.Length;
        long axis = node.GetInt("axis", 1);
        return (axis < 0 ? axis + rank : axis) == 1 ? new ChannelFlow.Flattened(null) : new ChannelFlow.Opaque($"it flattens at axis {axis}, not after the channels");
    }

    public string OpType => "Flatten";

    public OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 1, "axis (negative, or the rank); any element type; no step", Int8Form.Integer, "no step", Nano: true);

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, OutputShape(node, InputShape(node, graph, 0)));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        return new[] { WithShape(x, OutputShape(node, x.Shape)) };
    }

    private static int[] OutputShape(Node node, int[] shape)
    {
        int axis = NormalizeAxis(node, node.GetInt("axis", 1), shape.Length, inclusiveEnd: true);
        return new[] { Product(shape, 0, axis), Product(shape, axis, shape.Length) };
    }

    /// <summary>Same elements in the same order: the output shares the input's storage, no step.</summary>
    public void Lower(Node node, LoweringContext context) => context.Alias(node.Outputs[0], node.Inputs[0]);
}
