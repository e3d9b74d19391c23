using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Removes size-1 axes: those listed in axes (an attribute before opset 13, an optional constant input from 13;
/// negative axes count from the end), or every size-1 axis when none are given. Any element type; no data moves.
/// </summary>
public sealed class Squeeze : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public string OpType => "Squeeze";

    public OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 1, "axes attribute (before opset 13) or constant input, or every size-1 axis; any element type; no step", Int8Form.Integer, "no step", Nano: true)
    {
        Refuses = new[] { "axes computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 2);
        var axes = ShapeInputs.Ints(node, graph, 1, "axes", graph.Opset < 13 ? "axes" : null);
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, OutputShape(node, InputShape(node, graph, 0), axes));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var axes = ShapeInputs.Ints(node, inputs, 1, opset < 13 ? "axes" : null);
        return new[] { WithShape(x, OutputShape(node, x.Shape, axes)) };
    }

    private static int[] OutputShape(Node node, int[] shape, long[]? axes)
    {
        if (axes == null) return shape.Where(d => d != 1).ToArray();
        var normalized = axes.Select(a => NormalizeAxis(node, a, shape.Length)).ToArray();
        if (normalized.Distinct().Count() != normalized.Length)
            throw ShapeError(node, $"axes [{string.Join(",", axes)}] name an axis twice.");
        foreach (int a in normalized)
            if (shape[a] != 1)
                throw ShapeError(node, $"axis {a} of the input {ShapeMath.Format(shape)} has size {shape[a]}; only size-1 axes can be squeezed.");
        return shape.Where((_, i) => !normalized.Contains(i)).ToArray();
    }

    /// <summary>Same elements in the same order: the output shares the input's storage, no step.</summary>
    public void Lower(Node node, LoweringContext context) => context.Alias(node.Outputs[0], node.Inputs[0]);
}
