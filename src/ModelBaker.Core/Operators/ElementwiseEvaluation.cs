using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// The float reference of the element-wise binary operators, on float and integer tensors: the kernels' own
/// element functions (BinaryFloat.Apply, BinaryInteger.IntegerApply), so spec and baked code agree by construction.
/// </summary>
internal static class ElementwiseEvaluation
{
    /// <summary>Element types the element-wise operators compute on.</summary>
    public static bool IsSupported(ElementType type) => type == ElementType.Float32 || BinaryInteger.IsSupported(type);

    /// <summary>Both inputs have one type, and ModelBaker computes on it.</summary>
    public static void CheckTypes(Node node, ElementType a, ElementType b)
    {
        if (a != b)
            throw InvalidGraph(node, $"its inputs have different element types ({a} and {b}); ONNX {node.OpType} needs one type.");
        if (!IsSupported(a))
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: {node.OpType} on {a} is not supported; ModelBaker computes it on Float32, Int8, UInt8, Int16, UInt16, Int32, UInt32, Int64 and UInt64. " +
                "Convert the model to float32 before baking.");
    }

    public static int[] BroadcastShape(Node node, int[] a, int[] b) =>
        ShapeMath.Broadcast(a, b)
        ?? throw ShapeError(node, $"inputs {ShapeMath.Format(a)} and {ShapeMath.Format(b)} do not broadcast: " +
                                  "aligned from the right, each pair of dimensions must be equal or one of them 1.");

    /// <summary>a ∘ b with numpy broadcasting.</summary>
    public static Tensor Apply(Node node, BinaryOperation operation, Tensor a, Tensor b)
    {
        CheckTypes(node, a.Type, b.Type);
        int[] shape = BroadcastShape(node, a.Shape, b.Shape);
        int[] aIndex = Broadcasting.SourceIndices(a.Shape, shape);
        int[] bIndex = Broadcasting.SourceIndices(b.Shape, shape);
        if (a.Floats != null)
        {
            float[] av = a.Floats, bv = b.Floats!, y = new float[aIndex.Length];
            for (int i = 0; i < y.Length; i++) y[i] = BinaryFloat.Apply((int)operation, av[aIndex[i]], bv[bIndex[i]]);
            return Tensor.FromFloats(shape, y);
        }
        long[] al = a.Int64s!, bl = b.Int64s!, yl = new long[aIndex.Length];
        for (int i = 0; i < yl.Length; i++)
            yl[i] = BinaryInteger.Apply((int)operation, al[aIndex[i]], bl[bIndex[i]], a.Type);
        return Tensor.FromInt64s(shape, yl, a.Type);
    }
}
