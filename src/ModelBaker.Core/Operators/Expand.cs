using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Expand: the input broadcast (numpy's two-way rule) with a constant shape — each output element reads the input
/// element its coordinates broadcast to, one Remap step (<see cref="ElementMap"/>) in every plan and element type.
/// </summary>
public sealed class Expand : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers (or compute from constants): the shape.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public string OpType => "Expand";

    public OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 8, "the input broadcast with a constant shape (numpy's two-way rule); any element type; one Remap step", Int8Form.Integer, "the int8 values moved", Nano: true)
    {
        Refuses = new[] { "a shape computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        var target = Target(node, ShapeInputs.Constant(node, graph, 1, "shape")!);
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, Map(node, InputShape(node, graph, 0), target).Output);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var (map, view, output) = Map(node, x.Shape, Target(node, Required(node, inputs, 1)));
        return new[] { map.Apply(WithShape(x, view), output) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (map, view, _) = Map(node, context.Shape(node.Inputs[0]), Target(node, context.Constant(node, 1, "shape")));
        map.Lower(context, node, node.Inputs[0], node.Outputs[0], inputShape: view);
    }

    private static long[] Target(Node node, Tensor shape)
    {
        if (shape.Int64s == null || shape.Shape.Length != 1) throw InvalidGraph(node, $"its shape must be a 1-D int64 tensor, not {shape}.");
        return shape.Int64s;
    }

    /// <summary>The map over the input viewed with the output's rank (leading 1s), that view, and the output shape.</summary>
    private static (ElementMap Map, int[] View, int[] Output) Map(Node node, int[] input, long[] target)
    {
        int rank = Math.Max(input.Length, target.Length);
        int[] view = Enumerable.Repeat(1, rank - input.Length).Concat(input).ToArray();
        var output = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            long t = d < rank - target.Length ? 1 : target[d - (rank - target.Length)];
            if (t < 0 || (view[d] != t && view[d] != 1 && t != 1))
                throw ShapeError(node, $"its input {ShapeMath.Format(input)} does not broadcast with the shape [{string.Join(",", target)}].");
            output[d] = view[d] == 1 ? (int)t : view[d];
        }
        var coordinates = output.Select((n, d) => view[d] == 1 ? new int[n] : ElementMap.Identity(n)).ToArray();
        return (new ElementMap(output, Enumerable.Range(0, rank).ToArray(), coordinates), view, output);
    }
}
