using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// What QuantizeLinear and DequantizeLinear share: the element types they take, and how their scale and zero point
/// spread over the tensor (per tensor, per axis with the axis attribute, or per block with block_size).
/// </summary>
internal static class QuantizationAxis
{
    public static bool IsQuantizedType(ElementType type) => type is ElementType.Int8 or ElementType.UInt8;

    /// <summary>The smallest and largest value of a quantized type (8 or 16 bits), for saturation.</summary>
    public static (int Min, int Max) Range(ElementType type) => type switch
    {
        ElementType.Int8 => (-128, 127),
        ElementType.Int16 => (-32768, 32767),
        ElementType.UInt16 => (0, 65535),
        _ => (0, 255),
    };

    /// <summary>The types QuantizeLinear and DequantizeLinear take besides 8 bits: ONNX Runtime's 16-bit QDQ ("A16W8").</summary>
    public static bool IsLinearQuantizedType(ElementType type) => IsQuantizedType(type) || type is ElementType.Int16 or ElementType.UInt16;

    /// <summary>Checks the scale (and zero point) shape against X and the attributes; where each element finds its parameters.</summary>
    public static ScaleLayout Resolve(Node node, int[] x, int[] scale, int[]? zeroPoint)
    {
        long blockSize = node.GetInt("block_size", 0);
        if (blockSize < 0) throw InvalidGraph(node, $"block_size {blockSize} is negative.");
        // One value, as a scalar or a one-element tensor (exporters write either, and mix them): per tensor, as
        // ONNX Runtime reads it.
        if (blockSize == 0 && IsOneValue(scale) && (zeroPoint == null || IsOneValue(zeroPoint))) return ScaleLayout.PerTensor;
        if (zeroPoint != null && !zeroPoint.SequenceEqual(scale))
            throw ShapeError(node, $"the zero point {ShapeMath.Format(zeroPoint)} must have the shape of the scale {ShapeMath.Format(scale)}.");
        if (x.Length == 0) throw ShapeError(node, $"a scalar X cannot have a scale {ShapeMath.Format(scale)} per axis.");
        int axis = NormalizeAxis(node, node.GetInt("axis", 1), x.Length);
        int inner = Product(x, axis + 1, x.Length), length = x[axis];
        if (blockSize == 0)
        {
            if (scale.Length != 1 || scale[0] != length)
                throw ShapeError(node, $"the scale {ShapeMath.Format(scale)} must be a scalar or hold one value per index of axis {axis} of X {ShapeMath.Format(x)} ({length}).");
            return ScaleLayout.PerAxis(length, inner);
        }
        int blocks = (int)((length + blockSize - 1) / blockSize);
        bool fits = scale.Length == x.Length && Enumerable.Range(0, x.Length).All(d => scale[d] == (d == axis ? blocks : x[d]));
        if (!fits)
            throw ShapeError(node, $"with block_size {blockSize} on axis {axis}, the scale {ShapeMath.Format(scale)} must have the shape of X {ShapeMath.Format(x)} with dimension {axis} = {blocks}.");
        return new ScaleLayout(length, inner, (int)blockSize, blocks * inner, inner, 1);
    }

    /// <summary>A scalar or a one-element 1-D tensor: one parameter for the whole tensor.</summary>
    public static bool IsOneValue(int[] shape) => shape.Length <= 1 && ShapeMath.Length(shape) == 1;

    /// <summary>A float32 scale input.</summary>
    public static void RequireFloatScale(Node node, Graph graph, int index)
    {
        var value = Input(node, graph, index);
        if (value.Type != ElementType.Float32)
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: scale '{value.Name}' is {value.Type}; ModelBaker supports float32 scales only. Convert the model's scales to float32.");
    }

    /// <summary>An int8 or uint8 tensor (other quantized types — int4, int16, float8 — are refused).</summary>
    public static ElementType RequireQuantized(Node node, Graph graph, int index, string role)
    {
        var value = Input(node, graph, index);
        if (!IsQuantizedType(value.Type))
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: {role} '{value.Name}' is {value.Type}; ModelBaker supports {node.OpType} on int8 and uint8 only.");
        return value.Type;
    }

    /// <summary>Zero points as ints (an omitted zero point is 0 for each scale).</summary>
    public static int[] ZeroPoints(Tensor? zeroPoint, int count) =>
        zeroPoint == null ? new int[count] : zeroPoint.Int64s!.Select(v => (int)v).ToArray();

    /// <summary>
    /// The zero points of any type QuantizeLinear and DequantizeLinear take: a float8 or float4 zero point (held as float32)
    /// must be 0, as the ONNX reference ignores it otherwise; other values are refused (MB1104).
    /// </summary>
    public static int[] ZeroPoints(Node node, Tensor? zeroPoint, int count)
    {
        if (zeroPoint?.Floats is not { } floats) return ZeroPoints(zeroPoint, count);
        if (floats.Any(f => f != 0f))
            throw UnsupportedUsage(node, "its float8 or float4 zero point is not 0.", "ModelBaker takes float8 and float4 zero points of 0 only (as exporters write them).");
        return new int[count];
    }

    /// <summary>
    /// The types QuantizeLinear writes and DequantizeLinear reads, as the model declares them: 8 and 16 bits, int4, uint4,
    /// int2, uint2 (held as int8 or uint8), the float8 types and float4e2m1 (held as float32).
    /// </summary>
    public static bool IsQuantizableType(ElementType type) =>
        IsLinearQuantizedType(type) || NarrowTypes.IntegerBits(type) > 0 || (NarrowTypes.Format(type) != null && type is not (ElementType.BFloat16 or ElementType.Float8E8M0));

    /// <summary>Saturation bounds of an integer type QuantizeLinear writes (a 4- or 2-bit type's own range).</summary>
    public static (int Min, int Max) QuantizedRange(ElementType type) =>
        NarrowTypes.IntegerBits(type) > 0 ? NarrowTypes.IntegerRange(type) : Range(type);

    /// <summary>
    /// After a QuantizeLinear into the compute type (int8, uint8, or x / scale in float32) of a narrow declared type: the
    /// step that saturates to the 4- or 2-bit range, or rounds to the float8 or float4 type (saturate attribute, default 1).
    /// </summary>
    public static FloatKernel NarrowingStep(Node node, ArenaSlice wide, ArenaSlice output, ElementType type) =>
        NarrowTypes.Format(type) != null
            ? new SmallFloatRounding(node.Describe(), wide, output, type, node.GetInt("saturate", 1) != 0)
            : new IntegerNarrowing(node.Describe(), wide, output, NarrowTypes.IntegerBits(type), saturate: true);
}
