using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Permutes the axes: output axis d is input axis perm[d]; without perm the axes are reversed. Any element type.
/// </summary>
public sealed class Transpose : IOperator
{
    public string OpType => "Transpose";

    public OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 1, "perm or reversed axes, any element type; no step when only size-1 axes move, else one Remap step", Int8Form.Integer, "the int8 values moved", Nano: true);

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        var x = Input(node, graph, 0);
        SetOutput(node, graph, 0, x.Type, Map(node, InputShape(node, graph, 0)).Shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var map = Map(node, x.Shape);
        return new[] { map.Apply(x, map.Shape) };
    }

    private static ElementMap Map(Node node, int[] shape)
    {
        int rank = shape.Length;
        long[] perm = node.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != rank || perm.Any(p => p < 0 || p >= rank) || perm.Distinct().Count() != rank)
            throw ShapeError(node, $"perm [{string.Join(",", perm)}] is not a permutation of the {rank} axes of the input {ShapeMath.Format(shape)}.");
        int[] axes = perm.Select(p => (int)p).ToArray();
        return new ElementMap(axes.Select(a => shape[a]).ToArray(), axes, axes.Select(a => ElementMap.Identity(shape[a])).ToArray());
    }

    /// <summary>One Remap step; a permutation that keeps the element order (only size-1 axes move) is an alias.</summary>
    public void Lower(Node node, LoweringContext context)
    {
        int[] shape = context.Shape(node.Inputs[0]);
        var map = Map(node, shape);
        var moved = map.InputAxes.Where(a => shape[a] != 1).ToArray();
        if (moved.SequenceEqual(moved.OrderBy(a => a))) context.Alias(node.Outputs[0], node.Inputs[0]);
        else map.Lower(context, node, node.Inputs[0], node.Outputs[0]);
    }
}
