using ModelBaker.Core.Lowering;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>Y = X, any element type.</summary>
public sealed class Identity : IOperator, IChannelMapping
{
    public ChannelFlow ChannelFlow(Node node, Graph graph) => Operators.ChannelFlow.PassThrough.Plain;

    public string OpType => "Identity";

    public OperatorSupport Support { get; } = new(OperatorFamily.ShapePatterns, 1, "any element type; no step", Int8Form.Integer, "no step", Nano: true);

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, InputShape(node, graph, 0));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        return new[] { WithShape(x, x.Shape) };
    }

    /// <summary>Same elements in the same order: the output shares the input's storage, no step.</summary>
    public void Lower(Node node, LoweringContext context) => context.Alias(node.Outputs[0], node.Inputs[0]);
}
