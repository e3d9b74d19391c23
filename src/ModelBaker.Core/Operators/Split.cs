using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Split: the input cut along <c>axis</c> (default 0) into one part per output. The part sizes come from the
/// <c>split</c> attribute (before opset 13) or input (from 13, a bake-time constant); without them, from
/// <c>num_outputs</c> (opset 18: parts of ⌈size / num_outputs⌉, the last one smaller when the size does not divide),
/// or equal parts, one per output. Any element type. Each part is one Remap step (a copy of a block of rows).
/// </summary>
public sealed class Split : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: split (opset 13 on).</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public string OpType => "Split";

    public OperatorSupport Support { get; } = new(OperatorFamily.TransformerBlocks, 2, "split attribute (before opset 13) or constant input, num_outputs (opset 18, uneven last part), equal parts; any element type; one Remap step per part", Int8Form.Integer, "copies of the int8 values", Nano: true)
    {
        Refuses = new[] { "split computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 2);
        var shape = InputShape(node, graph, 0);
        var sizes = Sizes(node, shape, graph.Opset, graph.Opset >= 13 ? ShapeInputs.Ints(node, graph, 1, "split", null) : node.GetInts("split"), out int axis);
        for (int i = 0; i < sizes.Length; i++)
            SetOutput(node, graph, i, Input(node, graph, 0).Type, PartShape(shape, axis, sizes[i]));
    }

    private static int[] PartShape(int[] shape, int axis, int size) => shape.Select((d, i) => i == axis ? size : d).ToArray();

    /// <summary>The size of each part along the axis.</summary>
    private static int[] Sizes(Node node, int[] shape, long opset, long[]? split, out int axis)
    {
        if (shape.Length == 0) throw ShapeError(node, "the input is a scalar; Split needs at least one dimension.");
        axis = NormalizeAxis(node, node.GetInt("axis", 0), shape.Length);
        int length = shape[axis], outputs = node.Outputs.Count;
        if (split != null)
        {
            if (split.Length != outputs || split.Any(s => s < 0) || split.Sum() != length)
                throw ShapeError(node, $"split [{string.Join(",", split)}] must give {outputs} non-negative sizes (one per output) adding up to " +
                    $"{length}, the size of axis {axis} of the input {ShapeMath.Format(shape)}.");
            return split.Select(s => (int)s).ToArray();
        }
        if (opset >= 18 && node.GetInt("num_outputs", 0) is var parts and > 0)
        {
            if (parts != outputs)
                throw InvalidGraph(node, $"num_outputs is {parts} but the node has {outputs} outputs.");
            int chunk = (int)((length + parts - 1) / parts);
            if (chunk * (parts - 1) > length)
                throw ShapeError(node, $"axis {axis} of size {length} cannot be cut into {parts} parts of {chunk} with a smaller last one.");
            return Enumerable.Range(0, outputs).Select(i => i < outputs - 1 ? chunk : length - chunk * (outputs - 1)).ToArray();
        }
        if (length % outputs != 0)
            throw ShapeError(node, $"axis {axis} of size {length} does not divide into {outputs} equal parts; give the part sizes in split.");
        return Enumerable.Repeat(length / outputs, outputs).ToArray();
    }

    /// <summary>Part <paramref name="index"/> as an element map: every coordinate its own, the axis's shifted to where the part starts.</summary>
    private static ElementMap Part(int[] shape, int axis, int[] sizes, int index)
    {
        int start = sizes.Take(index).Sum();
        int[] partShape = PartShape(shape, axis, sizes[index]);
        return new ElementMap(partShape, Enumerable.Range(0, shape.Length).ToArray(),
            partShape.Select((d, i) => Enumerable.Range(i == axis ? start : 0, d).ToArray()).ToArray());
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var sizes = Sizes(node, x.Shape, opset, ShapeInputs.Ints(node, inputs, 1, opset >= 13 ? null : "split"), out int axis);
        return sizes.Select((size, i) => Part(x.Shape, axis, sizes, i).Apply(x, PartShape(x.Shape, axis, size))).ToArray();
    }

    /// <summary>One copy step per part that is used; a single part covering the whole input is an alias.</summary>
    public void Lower(Node node, LoweringContext context)
    {
        var g = context.Graph;
        int[] shape = context.Shape(node.Inputs[0]);
        var sizes = Sizes(node, shape, g.Opset, g.Opset >= 13 ? ShapeInputs.Ints(node, g, 1, "split", null) : node.GetInts("split"), out int axis);
        if (sizes.Length == 1)
        {
            context.Alias(node.Outputs[0], node.Inputs[0]);
            return;
        }
        for (int i = 0; i < sizes.Length; i++)
        {
            string output = node.Outputs[i];
            if (output.Length == 0 || !context.IsUsed(output)) continue;
            Part(shape, axis, sizes, i).Lower(context, node, node.Inputs[0], output);
        }
    }
}
