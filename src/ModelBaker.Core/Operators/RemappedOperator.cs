using System.Collections.Generic;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// An operator whose output moves its input's elements as a constant second input says (Expand's shape, Tile's
/// repeats): an <see cref="ElementMap"/> over a view of the input, whose iteration shape is the output's — the float
/// reference and one Remap step in every plan and element type.
/// </summary>
public abstract class RemappedOperator : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers (or compute from constants): the second.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public abstract string OpType { get; }

    public abstract OperatorSupport Support { get; }

    /// <summary>What the second input is, for messages ("shape", "repeats").</summary>
    protected abstract string ArgumentRole { get; }

    /// <summary>The map (its shape the output's) and the view of an input of shape <paramref name="input"/> it reads.</summary>
    private protected abstract (ElementMap Map, int[] View) Map(Node node, int[] input, long[] argument);

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        var (map, _) = Map(node, InputShape(node, graph, 0), Argument(node, ShapeInputs.Constant(node, graph, 1, ArgumentRole)!));
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, map.Shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var (map, view) = Map(node, x.Shape, Argument(node, Required(node, inputs, 1)));
        return new[] { map.Apply(WithShape(x, view), map.Shape) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (map, view) = Map(node, context.Shape(node.Inputs[0]), Argument(node, context.Constant(node, 1, ArgumentRole)));
        map.Lower(context, node, node.Inputs[0], node.Outputs[0], inputShape: view);
    }

    private long[] Argument(Node node, Tensor argument)
    {
        if (argument.Int64s == null || argument.Shape.Length != 1) throw InvalidGraph(node, $"its {ArgumentRole} must be a 1-D int64 tensor, not {argument}.");
        return argument.Int64s;
    }
}
