namespace ModelBaker.Core.Ir;

/// <summary>
/// IEEE 754 binary16 (ONNX float16) as ushort bit patterns, by integer and exact float arithmetic alone: netstandard2.0
/// and nanoFramework have no System.Half, and nanoFramework's code has no bit casts between float and int either. The
/// importer decodes float16 data with it; a Cast to float16 rounds with it; generated classes take and return float16
/// tensors as ushort and convert with the block below (docs/architecture.md, "Double and float16 tensors").
/// </summary>
public static class HalfPrecision
{
    /// <summary>Whether the model-edge type is a float type computed as float32 (float32 itself, double, float16, bfloat16, float8, float4).</summary>
    public static bool IsFloat(ElementType type) => NarrowTypes.ComputeType(type) == ElementType.Float32;

    // <emit>
    /// <summary>
    /// The float16 with bits <paramref name="bits"/> as a float, exactly: every float16 value is a float. The significand
    /// (at most 11 bits) times 2^exponent and 2^−25 are all exact float products.
    /// </summary>
    public static float HalfToFloat(ushort bits)
    {
        int exponent = (bits >> 10) & 31;
        int significand = bits & 1023;
        float magnitude;
        if (exponent == 31) magnitude = significand == 0 ? float.PositiveInfinity : float.NaN;
        else if (exponent == 0) magnitude = significand * 5.9604644775390625E-8f; // subnormal: significand × 2^−24
        else magnitude = (significand | 1024) * (float)(1 << exponent) * 2.98023223876953125E-8f; // × 2^(exponent − 25)
        return (bits & 0x8000) != 0 ? -magnitude : magnitude;
    }

    /// <summary>
    /// The float16 nearest <paramref name="value"/> (ties to even, as IEEE 754 and ONNX Runtime round), as bits:
    /// beyond 65520 it is ±∞, below 2^−24 it is ±0 or the subnormal nearest it, NaN stays a (quiet) NaN.
    /// </summary>
    public static ushort FloatToHalf(float value)
    {
        if (float.IsNaN(value)) return 0x7E00;
        int sign = value < 0f || (value == 0f && 1f / value < 0f) ? 0x8000 : 0;
        float magnitude = sign != 0 ? -value : value;
        if (magnitude >= 65520f) return (ushort)(sign | 0x7C00); // at or past the midpoint between 65504 and 2^16
        if (magnitude < 6.103515625E-5f) // below 2^−14: a subnormal, in units of 2^−24 (1024 units is the smallest normal)
            return (ushort)(sign | RoundedToEven(magnitude * 16777216f));
        int exponent = 15;
        float power = 32768f;
        while (magnitude < power) { power *= 0.5f; exponent--; }
        // magnitude / 2^exponent × 1024 is in [1024, 2048); 2048 after rounding carries into the exponent, as the bits add up.
        int significand = RoundedToEven(magnitude * (1024f / power));
        return (ushort)(sign | (((exponent + 15) << 10) + significand - 1024));
    }

    /// <summary><paramref name="value"/> rounded to float16's precision and range, as a float (a Cast to float16).</summary>
    public static float RoundToHalf(float value) => HalfToFloat(FloatToHalf(value));

    /// <summary>A non-negative float below 2^24, to the nearest integer, halves to even (exact: the fraction is exact).</summary>
    public static int RoundedToEven(float value)
    {
        int whole = (int)value;
        float fraction = value - whole;
        return fraction > 0.5f || (fraction == 0.5f && (whole & 1) != 0) ? whole + 1 : whole;
    }
    // </emit>
}
