using System.Collections.Generic;
using System;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Adds pads[i] elements before and pads[i + r] after axis i (negative pads crop). Mode constant fills with
/// constant_value (default 0), edge repeats the border element, reflect mirrors without repeating the border, wrap
/// continues from the other side. Before opset 11 pads and value are attributes; from 11 pads and constant_value are
/// inputs, and from 18 an optional axes input says which axes pads lists. Any element type.
/// </summary>
public sealed class Pad : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1, 2, 3.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2, 3 };

    public string OpType => "Pad";

    public OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 2, "modes constant, edge, reflect, wrap; pads (and value) attributes before opset 11, constant inputs from 11, axes from 18; negative pads crop; any element type; one Remap step", Int8Form.Integer, "the int8 values moved; constant padding is the quantized value", Nano: true)
    {
        Refuses = new[] { "mode values ONNX does not define", "pads, constant_value or axes computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 4);
        var x = Input(node, graph, 0);
        bool attributes = graph.Opset < 11;
        var pads = ShapeInputs.Ints(node, graph, 1, "pads", attributes ? "pads" : null);
        var axes = attributes ? null : ShapeInputs.Ints(node, graph, 3, "axes", null);
        SetOutput(node, graph, 0, x.Type, Map(node, InputShape(node, graph, 0), pads, axes).Shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        bool attributes = opset < 11;
        var map = Map(node, x.Shape, ShapeInputs.Ints(node, inputs, 1, attributes ? "pads" : null),
            attributes ? null : ShapeInputs.Ints(node, inputs, 3, null));
        var value = PaddingValue(node, attributes ? null : (inputs.Length > 2 ? inputs[2] : null), x.Type, attributes);
        return new[] { map.Apply(x, map.Shape, value.Floats?[0] ?? 0, value.Int64s?[0] ?? 0) };
    }

    /// <summary>The constant padding value as a one-element tensor of the data's type.</summary>
    private static Tensor PaddingValue(Node node, Tensor? input, ElementType type, bool attributes)
    {
        if (type == ElementType.Float32)
            return Tensor.FromFloats(new[] { 1 }, new[] { attributes ? node.GetFloat("value", 0f) : input?.AsFloats().FirstOrDefault() ?? 0f });
        long value = attributes ? (long)node.GetFloat("value", 0f) : input?.Int64s?.FirstOrDefault() ?? 0;
        return Tensor.FromInt64s(new[] { 1 }, new[] { value }, type);
    }

    private static ElementMap Map(Node node, int[] shape, long[]? pads, long[]? axes)
    {
        int rank = shape.Length;
        if (pads == null) throw InvalidGraph(node, "it has no pads.");
        var padded = (axes ?? Enumerable.Range(0, rank).Select(i => (long)i).ToArray()).Select(a => NormalizeAxis(node, a, rank)).ToArray();
        if (pads.Length != 2 * padded.Length)
            throw ShapeError(node, $"pads has {pads.Length} entries; it needs two (begin and end) for each of the {padded.Length} padded axes.");
        string mode = node.GetString("mode") ?? "constant";
        if (mode is not ("constant" or "edge" or "reflect" or "wrap"))
            throw UnsupportedUsage(node, $"mode '{Diagnostics.Text.Printable(mode)}' is not an ONNX Pad mode.", "Use constant, edge, reflect or wrap.");

        var coordinates = shape.Select(ElementMap.Identity).ToArray();
        for (int i = 0; i < padded.Length; i++)
        {
            int axis = padded[i], n = shape[axis];
            long begin = pads[i], end = pads[i + padded.Length], size = n + begin + end;
            if (size < 0) throw ShapeError(node, $"pads [{begin}, {end}] crop more than the {n} elements of axis {axis}.");
            if (n == 0 && size > 0 && mode != "constant")
                throw ShapeError(node, $"axis {axis} is empty, so {mode} padding has nothing to repeat.");
            coordinates[axis] = Enumerable.Range(0, (int)size).Select(o => Source(o - begin, n, mode)).ToArray();
        }
        return new ElementMap(coordinates.Select(c => c.Length).ToArray(), Enumerable.Range(0, rank).ToArray(), coordinates);
    }

    /// <summary>The input coordinate output coordinate i − begin reads along an axis of <paramref name="n"/> elements; −1 for the constant.</summary>
    private static int Source(long i, int n, string mode)
    {
        if (i >= 0 && i < n) return (int)i;
        switch (mode)
        {
            case "edge": return i < 0 ? 0 : n - 1;
            case "wrap": return (int)(((i % n) + n) % n);
            case "reflect":
                if (n == 1) return 0;
                long period = 2L * (n - 1), r = ((i % period) + period) % period;
                return (int)(r < n ? r : period - r);
            default: return -1;
        }
    }

    public void Lower(Node node, LoweringContext context)
    {
        var g = context.Graph;
        bool attributes = g.Opset < 11;
        var map = Map(node, context.Shape(node.Inputs[0]), ShapeInputs.Ints(node, g, 1, "pads", attributes ? "pads" : null),
            attributes ? null : ShapeInputs.Ints(node, g, 3, "axes", null));
        var value = PaddingValue(node, attributes ? null : ShapeInputs.Constant(node, g, 2, "constant_value"), g[node.Inputs[0]].Type, attributes);
        map.Lower(context, node, node.Inputs[0], node.Outputs[0], value);
    }
}
