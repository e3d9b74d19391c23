using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// The int64 index of the largest element along <c>axis</c> (default 0); keepdims (default 1) keeps that dimension
/// as 1; ties give the first index, or the last with select_last_index=1. Float input; in int8 plans the argmax of the
/// quantized values (quantization is monotonic).
/// </summary>
public sealed class ArgMax : IOperator
{
    public string OpType => "ArgMax";

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        RequireFloat(node, graph, 0);
        SetOutput(node, graph, 0, ElementType.Int64, OutputShape(node, InputShape(node, graph, 0)));
    }

    private static int Axis(Node node, int[] shape)
    {
        if (shape.Length == 0) throw ShapeError(node, "the input is a scalar; ArgMax needs at least one dimension.");
        return NormalizeAxis(node, node.GetInt("axis", 0), shape.Length);
    }

    private static int[] OutputShape(Node node, int[] shape)
    {
        int axis = Axis(node, shape);
        if (shape[axis] == 0) throw ShapeError(node, $"the dimension {axis} it reduces is empty, so there is no largest element.");
        return node.GetInt("keepdims", 1) != 0
            ? shape.Select((d, i) => i == axis ? 1 : d).ToArray()
            : shape.Where((_, i) => i != axis).ToArray();
    }

    private static (int Outer, int Size, int Inner) Layout(Node node, int[] shape)
    {
        int axis = Axis(node, shape);
        return (Product(shape, 0, axis), shape[axis], Product(shape, axis + 1, shape.Length));
    }

    private static bool SelectLastIndex(Node node) => node.GetInt("select_last_index", 0) != 0;

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        float[] xv = Floats(node, x, 0);
        int[] shape = OutputShape(node, x.Shape);
        var (outer, size, inner) = Layout(node, x.Shape);
        var y = new long[ShapeMath.Length(shape)];
        ArgMaxFloat.ArgMax(xv, outer, size, inner, SelectLastIndex(node), y);
        return new[] { Tensor.FromInt64s(shape, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (outer, size, inner) = Layout(node, context.Shape(node.Inputs[0]));
        context.Add(new ArgMaxFloat(node.Describe(), outer, size, inner, SelectLastIndex(node),
            context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0])));
    }
}
