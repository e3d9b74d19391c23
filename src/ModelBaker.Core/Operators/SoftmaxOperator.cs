using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Softmax and LogSoftmax over a group of elements, which changed at opset 13: before 13 the input is coerced to
/// 2-D at <c>axis</c> (default 1) and each row of [prod(d[..axis]), prod(d[axis..])] is one group; from 13 the
/// groups run along the single dimension <c>axis</c> (default -1). Both agree when axis is the last dimension.
/// Either way the input is seen as [outer, size, inner] and one kernel runs it.
/// </summary>
public abstract class SoftmaxOperator : IOperator
{
    public abstract string OpType { get; }

    public abstract OperatorSupport Support { get; }

    /// <summary>What Softmax and LogSoftmax share: both opset semantics (2-D coercion before 13), any axis, one softmax step, integer-only in int8.</summary>
    protected static OperatorSupport Normalisation(string what, string int8) =>
        new(OperatorFamily.Normalisation, 1, what + "; opset < 13 (2-D coercion) and ≥ 13 semantics, any axis; one softmax step", Int8Form.Integer, int8, Nano: true);

    /// <summary>LogSoftmax rather than Softmax.</summary>
    protected abstract bool Log { get; }

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
        if (Log) SoftmaxFloat.LogSoftmax(xv, outer, size, inner, y);
        else SoftmaxFloat.Softmax(xv, outer, size, inner, y);
        return new[] { Tensor.FromFloats(x.Shape, y) };
    }

    /// <summary>The input seen as [outer, size, inner]: groups of <c>size</c> elements, <c>inner</c> apart.</summary>
    private static (int Outer, int Size, int Inner) Layout(Node node, int[] shape, long opset)
    {
        if (shape.Length == 0)
            throw ShapeError(node, $"the input is a scalar; {node.OpType} needs at least one dimension.");
        bool coerceTo2D = opset < 13;
        int axis = NormalizeAxis(node, node.GetInt("axis", coerceTo2D ? 1 : -1), shape.Length);
        return coerceTo2D
            ? (Product(shape, 0, axis), Product(shape, axis, shape.Length), 1)
            : (Product(shape, 0, axis), shape[axis], Product(shape, axis + 1, shape.Length));
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (outer, size, inner) = Layout(node, context.Shape(node.Inputs[0]), context.Graph.Opset);
        context.Add(new SoftmaxFloat(node.Describe(), outer, size, inner, Log, context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0])));
    }
}
