using ModelBaker.Core.Plan;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// C = A + B with multidirectional (numpy) broadcasting. Float32 for activations; integers too, because
/// exporters add shapes and indices (int64) before a Reshape.
/// </summary>
public sealed class Add : IOperator
{
    public string OpType => "Add";

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        var a = Input(node, graph, 0);
        var b = Input(node, graph, 1);
        CheckTypes(node, a.Type, b.Type);
        SetOutput(node, graph, 0, a.Type, OutputShape(node, InputShape(node, graph, 0), InputShape(node, graph, 1)));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var a = Required(node, inputs, 0);
        var b = Required(node, inputs, 1);
        CheckTypes(node, a.Type, b.Type);
        int[] shape = OutputShape(node, a.Shape, b.Shape);
        int[] aIndex = Broadcasting.SourceIndices(a.Shape, shape);
        int[] bIndex = Broadcasting.SourceIndices(b.Shape, shape);

        if (a.Floats != null)
        {
            float[] av = a.Floats, bv = b.Floats!, y = new float[aIndex.Length];
            for (int i = 0; i < y.Length; i++) y[i] = av[aIndex[i]] + bv[bIndex[i]];
            return new[] { Tensor.FromFloats(shape, y) };
        }
        long[] al = a.Int64s!, bl = b.Int64s!, yl = new long[aIndex.Length];
        for (int i = 0; i < yl.Length; i++) yl[i] = al[aIndex[i]] + bl[bIndex[i]];
        return new[] { Tensor.FromInt64s(shape, yl, a.Type) };
    }

    private static int[] OutputShape(Node node, int[] a, int[] b) =>
        ShapeMath.Broadcast(a, b)
        ?? throw ShapeError(node, $"A {ShapeMath.Format(a)} and B {ShapeMath.Format(b)} do not broadcast: " +
                                  "aligned from the right, each pair of dimensions must be equal or one of them 1.");

    private static void CheckTypes(Node node, ElementType a, ElementType b)
    {
        if (a != b)
            throw InvalidGraph(node, $"its inputs have different element types ({a} and {b}); ONNX Add needs one type.");
        if (a != ElementType.Float32 && a != ElementType.Int64 && a != ElementType.Int32)
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: Add on {a} is not supported; ModelBaker adds Float32, Int64 and Int32. " +
                "Convert the model to float32 before baking.");
    }

    public void Lower(Node node, LoweringContext context)
    {
        // A constant addend after a fully connected step is a bias: fold it in.
        for (int side = 0; side < 2; side++)
        {
            var other = context.Graph[node.Inputs[1 - side]];
            if (other.IsConstant && BiasFusion.TryFuse(context, node, node.Inputs[side], other.Constant!)) return;
        }
        int[] shape = context.Shape(node.Outputs[0]);
        context.Add(new AddFloat(node.Describe(), shape, Operand(context, node.Inputs[0], shape), Operand(context, node.Inputs[1], shape),
            float.NegativeInfinity, float.PositiveInfinity, context.Slice(node.Outputs[0])));
    }

    private static Operand<float> Operand(LoweringContext context, string name, int[] outShape)
    {
        var value = context.Graph[name];
        int[] strides = ShapeMath.BroadcastStrides(context.Shape(name), outShape);
        return value.IsConstant
            ? new Operand<float>(null, value.Constant!.AsFloats(), strides)
            : new Operand<float>(context.Slice(name), null, strides);
    }
}
