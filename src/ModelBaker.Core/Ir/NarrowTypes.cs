using System;

namespace ModelBaker.Core.Ir;

/// <summary>
/// What ModelBaker knows of the element types it computes in a wider type (docs/architecture.md, "Double and float16
/// tensors" and "Narrow floats and integers"): double, float16, bfloat16, the float8 types and float4e2m1 are float32
/// inside a plan; int4 and int2 are int8, uint4 and uint2 uint8, holding values in the narrow range. Such types appear only
/// as a graph value's <see cref="Value.DeclaredType"/> and a plan input's or output's type.
/// </summary>
public static class NarrowTypes
{
    /// <summary>The type a plan computes <paramref name="type"/> in (itself for the types arenas hold).</summary>
    public static ElementType ComputeType(ElementType type) => type switch
    {
        ElementType.Double or ElementType.Float16 => ElementType.Float32,
        ElementType.Int4 or ElementType.Int2 => ElementType.Int8,
        ElementType.UInt4 or ElementType.UInt2 => ElementType.UInt8,
        _ => Format(type) != null ? ElementType.Float32 : type,
    };

    /// <summary>Whether <paramref name="type"/> is computed in a wider type (only declared, never an arena's).</summary>
    public static bool IsNarrow(ElementType type) => ComputeType(type) != type;

    /// <summary>A declared-only type for an ONNX data type (null for the types arenas hold and for unknown numbers).</summary>
    public static ElementType? Declared(int dataType) =>
        Enum.IsDefined(typeof(ElementType), dataType) && IsNarrow((ElementType)dataType) ? (ElementType)dataType : null;

    /// <summary>
    /// A small float's (exponent bits, mantissa bits, bias, specials) for <see cref="SmallFloats"/>; null for other types.
    /// </summary>
    public static (int ExponentBits, int MantissaBits, int Bias, int Specials)? Format(ElementType type) => type switch
    {
        ElementType.BFloat16 => (8, 7, 127, SmallFloats.Ieee),
        ElementType.Float8E4M3FN => (4, 3, 7, SmallFloats.FiniteNaN),
        ElementType.Float8E4M3FNUZ => (4, 3, 8, SmallFloats.UnsignedZero),
        ElementType.Float8E5M2 => (5, 2, 15, SmallFloats.Ieee),
        ElementType.Float8E5M2FNUZ => (5, 2, 16, SmallFloats.UnsignedZero),
        ElementType.Float4E2M1 => (2, 1, 1, SmallFloats.FiniteOnly),
        // Rounding down: exact for the values it holds (2^−127, a float32 subnormal, would round up to 2^−126).
        ElementType.Float8E8M0 => (8, 0, 127, SmallFloats.ExponentOnly + 1),
        _ => null,
    };

    /// <summary>Bits per element in ONNX data (packed low bits first for 4 and 2), 0 for the types with a byte width.</summary>
    public static int PackedBits(ElementType type) => type switch
    {
        ElementType.Int4 or ElementType.UInt4 or ElementType.Float4E2M1 => 4,
        ElementType.Int2 or ElementType.UInt2 => 2,
        _ => 0,
    };

    /// <summary>Bits of a narrow integer type's values (4 or 2), 0 for any other type.</summary>
    public static int IntegerBits(ElementType type) => type is ElementType.Int4 or ElementType.UInt4 ? 4
        : type is ElementType.Int2 or ElementType.UInt2 ? 2 : 0;

    /// <summary>A narrow integer type's values: [−8, 7], [0, 15], [−2, 1], [0, 3].</summary>
    public static (int Min, int Max) IntegerRange(ElementType type)
    {
        int bits = IntegerBits(type);
        bool signed = type is ElementType.Int4 or ElementType.Int2;
        return signed ? (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) : (0, (1 << bits) - 1);
    }

    /// <summary>A small float's bits as a float (exact).</summary>
    public static float Decode(ElementType type, int bits)
    {
        var f = Format(type) ?? throw new ArgumentOutOfRangeException(nameof(type), type, null);
        return SmallFloats.SmallFloatToFloat(bits, f.ExponentBits, f.MantissaBits, f.Bias, f.Specials);
    }

    /// <summary>The small float nearest <paramref name="value"/>, as bits (saturating past the largest finite value).</summary>
    public static int Encode(ElementType type, float value, bool saturate = true, int roundMode = 1)
    {
        var f = Format(type) ?? throw new ArgumentOutOfRangeException(nameof(type), type, null);
        return SmallFloats.FloatToSmallFloat(value, f.ExponentBits, f.MantissaBits, f.Bias, Specials(type, roundMode), saturate);
    }

    /// <summary>A format's specials, with float8e8m0's round_mode (0 up, 1 down, 2 nearest) added.</summary>
    public static int Specials(ElementType type, int roundMode) =>
        type == ElementType.Float8E8M0 ? SmallFloats.ExponentOnly + roundMode : Format(type)!.Value.Specials;

    /// <summary>"4, 3, 7, FiniteNaN": a small float's format as the arguments of the generated conversions.</summary>
    public static string FormatArguments(ElementType type, int? specials = null)
    {
        var f = Format(type) ?? throw new ArgumentOutOfRangeException(nameof(type), type, null);
        int s = specials ?? f.Specials;
        string name = s switch
        {
            SmallFloats.Ieee => nameof(SmallFloats.Ieee),
            SmallFloats.FiniteNaN => nameof(SmallFloats.FiniteNaN),
            SmallFloats.UnsignedZero => nameof(SmallFloats.UnsignedZero),
            SmallFloats.FiniteOnly => nameof(SmallFloats.FiniteOnly),
            SmallFloats.ExponentOnly => nameof(SmallFloats.ExponentOnly),
            _ => $"{nameof(SmallFloats.ExponentOnly)} + {s - SmallFloats.ExponentOnly}",
        };
        return $"{f.ExponentBits}, {f.MantissaBits}, {f.Bias}, {name}";
    }

    /// <summary>The ONNX name: "bfloat16", "float8e4m3fn", "int4" …</summary>
    public static string OnnxName(ElementType type) => type.ToString().ToLowerInvariant();
}
