using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Inserts size-1 axes at the positions listed in axes (an attribute before opset 13, a constant input from 13),
/// positions of the output, negative counting from its end, in any order. Any element type; no data moves.
/// </summary>
public sealed class Unsqueeze : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public string OpType => "Unsqueeze";

    public OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 1, "axes attribute (before opset 13) or constant input; any element type; no step", Int8Form.Integer, "no step", Nano: true)
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
        if (axes == null || axes.Length == 0) throw InvalidGraph(node, "it has no axes; Unsqueeze needs at least one.");
        int rank = shape.Length + axes.Length;
        var normalized = axes.Select(a => NormalizeAxis(node, a, rank)).ToArray();
        if (normalized.Distinct().Count() != normalized.Length)
            throw ShapeError(node, $"axes [{string.Join(",", axes)}] name an output axis twice.");
        var output = new int[rank];
        for (int d = 0, next = 0; d < rank; d++) output[d] = normalized.Contains(d) ? 1 : shape[next++];
        return output;
    }

    /// <summary>Same elements in the same order: the output shares the input's storage, no step.</summary>
    public void Lower(Node node, LoweringContext context) => context.Alias(node.Outputs[0], node.Inputs[0]);
}
