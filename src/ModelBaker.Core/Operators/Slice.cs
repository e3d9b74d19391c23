using System.Collections.Generic;
using System;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Takes start, start + step, … (before end) along each listed axis. starts, ends, axes (default: the first ones)
/// and steps (default 1) are inputs from opset 10 and attributes before it (without steps). Negative starts and ends
/// count from the end of the axis, and out-of-range ones are clamped: to [0, n] for a positive step, to [−1, n − 1]
/// for a negative one. Any element type.
/// </summary>
public sealed class Slice : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1, 2, 3, 4.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2, 3, 4 };

    public string OpType => "Slice";

    public OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 1, "starts, ends, axes, steps (attributes before opset 10, constant inputs from 10); negative indices and steps, clamped; any element type; one Remap step", Int8Form.Integer, "the int8 values moved", Nano: true)
    {
        Refuses = new[] { "starts, ends, axes or steps computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 5);
        bool attributes = graph.Opset < 10;
        var map = Map(node, InputShape(node, graph, 0),
            ShapeInputs.Ints(node, graph, 1, "starts", attributes ? "starts" : null),
            ShapeInputs.Ints(node, graph, 2, "ends", attributes ? "ends" : null),
            ShapeInputs.Ints(node, graph, 3, "axes", attributes ? "axes" : null),
            attributes ? null : ShapeInputs.Ints(node, graph, 4, "steps", null));
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, map.Shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        bool attributes = opset < 10;
        var map = Map(node, x.Shape,
            ShapeInputs.Ints(node, inputs, 1, attributes ? "starts" : null),
            ShapeInputs.Ints(node, inputs, 2, attributes ? "ends" : null),
            ShapeInputs.Ints(node, inputs, 3, attributes ? "axes" : null),
            attributes ? null : ShapeInputs.Ints(node, inputs, 4, null));
        return new[] { map.Apply(x, map.Shape) };
    }

    private static ElementMap Map(Node node, int[] shape, long[]? starts, long[]? ends, long[]? axes, long[]? steps)
    {
        if (starts == null || ends == null) throw InvalidGraph(node, "it needs both starts and ends.");
        int count = starts.Length;
        axes ??= Enumerable.Range(0, count).Select(i => (long)i).ToArray();
        steps ??= Enumerable.Repeat(1L, count).ToArray();
        if (ends.Length != count || axes.Length != count || steps.Length != count)
            throw InvalidGraph(node, $"starts, ends, axes and steps must have one entry per sliced axis ({starts.Length}, {ends.Length}, {axes.Length}, {steps.Length}).");

        int rank = shape.Length;
        var coordinates = shape.Select(ElementMap.Identity).ToArray();
        var seen = new bool[rank];
        for (int i = 0; i < count; i++)
        {
            int axis = NormalizeAxis(node, axes[i], rank);
            if (seen[axis]) throw InvalidGraph(node, $"axis {axis} is sliced twice.");
            seen[axis] = true;
            long n = shape[axis], step = steps[i];
            if (step == 0) throw InvalidGraph(node, $"the step along axis {axis} is 0.");
            long start = starts[i] < 0 ? starts[i] + n : starts[i];
            long end = ends[i] < 0 ? ends[i] + n : ends[i];
            if (step > 0)
            {
                start = Math.Max(0, Math.Min(n, start));
                end = Math.Max(0, Math.Min(n, end));
            }
            else
            {
                start = Math.Max(-1, Math.Min(n - 1, start));
                end = Math.Max(-1, Math.Min(n - 1, end));
            }
            long length = step > 0 ? (end - start + step - 1) / step : (start - end - step - 1) / -step;
            length = Math.Max(0, length);
            coordinates[axis] = Enumerable.Range(0, (int)length).Select(k => (int)(start + k * step)).ToArray();
        }
        return new ElementMap(coordinates.Select(c => c.Length).ToArray(), Enumerable.Range(0, rank).ToArray(), coordinates);
    }

    public void Lower(Node node, LoweringContext context)
    {
        var g = context.Graph;
        int[] shape = context.Shape(node.Inputs[0]);
        bool attributes = g.Opset < 10;
        var map = Map(node, shape,
            ShapeInputs.Ints(node, g, 1, "starts", attributes ? "starts" : null),
            ShapeInputs.Ints(node, g, 2, "ends", attributes ? "ends" : null),
            ShapeInputs.Ints(node, g, 3, "axes", attributes ? "axes" : null),
            attributes ? null : ShapeInputs.Ints(node, g, 4, "steps", null));
        // Taking everything in order is an alias, not a step.
        if (map.Coordinates.Select((c, d) => c.SequenceEqual(ElementMap.Identity(shape[d]))).All(same => same))
            context.Alias(node.Outputs[0], node.Inputs[0]);
        else
            map.Lower(context, node, node.Inputs[0], node.Outputs[0]);
    }
}
