using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using System;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Y = exp(X) / sum(exp(X)) over a group of elements, which changed at opset 13:
/// before 13 the input is coerced to 2-D at <c>axis</c> (default 1) and each row of
/// [prod(d[..axis]), prod(d[axis..])] is one group; from 13 the groups run along the single dimension
/// <c>axis</c> (default -1). Both agree when axis is the last dimension.
/// </summary>
public sealed class Softmax : IOperator
{
    public string OpType => "Softmax";

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        RequireFloat(node, graph, 0);
        var shape = InputShape(node, graph, 0);
        Layout(node, shape, graph.Opset); // validates the axis
        SetOutput(node, graph, 0, ElementType.Float32, shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        float[] xv = Floats(node, x, 0), y = new float[xv.Length];
        var (outer, size, inner) = Layout(node, x.Shape, opset);

        for (int o = 0; o < outer; o++)
        for (int i = 0; i < inner; i++)
        {
            int start = o * size * inner + i; // group elements are start, start+inner, ...
            // Subtract the max first so exp never overflows; it cancels in the ratio.
            float max = float.NegativeInfinity;
            for (int j = 0; j < size; j++) max = Math.Max(max, xv[start + j * inner]);
            float sum = 0f;
            for (int j = 0; j < size; j++)
            {
                float e = (float)Math.Exp(xv[start + j * inner] - max);
                y[start + j * inner] = e;
                sum += e;
            }
            for (int j = 0; j < size; j++) y[start + j * inner] /= sum;
        }
        return new[] { Tensor.FromFloats(x.Shape, y) };
    }

    /// <summary>The input seen as [outer, size, inner]: groups of <c>size</c> elements, <c>inner</c> apart.</summary>
    private static (int Outer, int Size, int Inner) Layout(Node node, int[] shape, long opset)
    {
        if (shape.Length == 0)
            throw ShapeError(node, "the input is a scalar; Softmax needs at least one dimension.");
        bool coerceTo2D = opset < 13;
        int axis = NormalizeAxis(node, node.GetInt("axis", coerceTo2D ? 1 : -1), shape.Length);
        return coerceTo2D
            ? (Product(shape, 0, axis), Product(shape, axis, shape.Length), 1)
            : (Product(shape, 0, axis), shape[axis], Product(shape, axis + 1, shape.Length));
    }

    public void Lower(Node node, LoweringContext context)
    {
        int[] shape = context.Shape(node.Inputs[0]);
        int rank = shape.Length;
        long opset = context.Graph.Opset;
        int axis = NormalizeAxis(node, node.GetInt("axis", opset >= 13 ? -1 : 1), rank);
        if (opset >= 13 && axis != rank - 1)
            throw UnsupportedUsage(node, $"softmax along axis {axis} of a rank-{rank} tensor.", "Only the last axis is supported: transpose before the softmax or export with axis=-1.");
        // Before opset 13 the input is coerced to 2-D at `axis`: rows = dims before it, columns = the rest.
        int rows = Product(shape, 0, axis);
        int columns = ShapeMath.Length(shape) / System.Math.Max(rows, 1);
        context.Add(new SoftmaxFloat(node.Describe(), rows, columns, context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0])));
    }
}
