using static ModelBaker.Core.Ir.HalfPrecision;

namespace ModelBaker.Core.Ir;

/// <summary>
/// Floats narrower than float32 other than float16 — bfloat16, the five float8 types, float4e2m1 — as bit patterns, by
/// integer and exact float arithmetic alone (nanoFramework has no bit casts; see <see cref="HalfPrecision"/>). One pair of
/// conversions takes the format as (exponent bits, mantissa bits, bias, specials); <see cref="NarrowTypes.Format"/> gives
/// each ONNX type's. The importer decodes with it, a Cast to such a type rounds with it (<see cref="Kernels.SmallFloatRounding"/>),
/// and generated classes convert their edges with the block below (docs/architecture.md, "Narrow floats and integers").
/// </summary>
public static class SmallFloats
{
    // <emit>
    // Specials, what a format does with its top codes: Ieee (bfloat16, float8e5m2) has ±∞ and NaNs where the exponent bits
    // are all ones; FiniteNaN (float8e4m3fn) has no ∞ and NaN where all bits but the sign are ones; UnsignedZero (the fnuz
    // types) has no ∞ and no −0, its NaN is the sign bit alone; FiniteOnly (float4e2m1) has neither (ONNX writes NaN as −0).
    // ExponentOnly (float8e8m0: no sign, no mantissa, 2^(bits − 127), NaN 0xFF) adds its Cast's round_mode: + 0 up (to the
    // next power of two), + 1 down, + 2 nearest (from 1.5 · 2^e up), on the float32's exponent and fraction as ONNX does.
    public const int Ieee = 0, FiniteNaN = 1, UnsignedZero = 2, FiniteOnly = 3, ExponentOnly = 4;

    /// <summary>2^<paramref name="exponent"/> as a float, exactly, for exponents from −149 to 127.</summary>
    public static float Power2(int exponent)
    {
        float power = 1f;
        while (exponent > 30) { power *= 1073741824f; exponent -= 30; }
        while (exponent < -30) { power *= 9.31322574615478515625E-10f; exponent += 30; }
        return exponent >= 0 ? power * (1 << exponent) : power / (1 << -exponent);
    }

    /// <summary>The value of the small float with bits <paramref name="bits"/>, exactly (every such value is a float).</summary>
    public static float SmallFloatToFloat(int bits, int exponentBits, int mantissaBits, int bias, int specials)
    {
        if (specials >= ExponentOnly) return bits == 255 ? float.NaN : Power2(bits - 127);
        int signBit = 1 << (exponentBits + mantissaBits), one = 1 << mantissaBits;
        int magnitudeBits = bits & (signBit - 1), exponentField = magnitudeBits >> mantissaBits, mantissa = magnitudeBits & (one - 1);
        if (specials == UnsignedZero && bits == signBit) return float.NaN;
        if (specials == FiniteNaN && magnitudeBits == signBit - 1) return float.NaN;
        float magnitude;
        if (specials == Ieee && exponentField == (1 << exponentBits) - 1) magnitude = mantissa == 0 ? float.PositiveInfinity : float.NaN;
        else if (exponentField == 0) magnitude = mantissa * Power2(1 - bias - mantissaBits); // subnormal
        else magnitude = (mantissa | one) * Power2(exponentField - bias - mantissaBits);
        return (bits & signBit) != 0 ? -magnitude : magnitude;
    }

    /// <summary>
    /// The small float nearest <paramref name="value"/> (ties to even), as bits. Past the largest finite value (after
    /// rounding) and for ±∞: that largest value when <paramref name="saturate"/> (and always for FiniteOnly), else ±∞ (Ieee),
    /// ±NaN (FiniteNaN) or NaN (UnsignedZero). NaN gives the format's NaN (−0 for FiniteOnly, as ONNX does).
    /// </summary>
    public static int FloatToSmallFloat(float value, int exponentBits, int mantissaBits, int bias, int specials, bool saturate)
    {
        if (specials >= ExponentOnly) return FloatToExponent(value, specials - ExponentOnly, saturate);
        int signBit = 1 << (exponentBits + mantissaBits), one = 1 << mantissaBits;
        int exponentFields = (1 << exponentBits) - (specials == Ieee ? 1 : 0); // exponent fields that hold finite values
        int top = ((exponentFields - 1) << mantissaBits) + one - (specials == FiniteNaN ? 2 : 1); // largest finite magnitude
        if (float.IsNaN(value))
            return specials == Ieee ? (exponentFields << mantissaBits) | (one >> 1) : specials == FiniteNaN ? top + 1 : signBit;
        int sign = value < 0f || (value == 0f && 1f / value < 0f) ? signBit : 0;
        float magnitude = sign != 0 ? -value : value;
        int code;
        if (magnitude < Power2(1 - bias)) // subnormal, in units of 2^(1 − bias − mantissaBits)
            code = RoundedToEven(magnitude * Power2(bias - 1) * one);
        else
        {
            int exponent = exponentFields - 1 - bias;
            float power = Power2(exponent);
            if (magnitude >= power * 2f) code = top + 1; // ∞, or beyond twice the top power of two
            else
            {
                while (magnitude < power * 1.52587890625E-5f) { power *= 1.52587890625E-5f; exponent -= 16; }
                while (magnitude < power) { power *= 0.5f; exponent--; }
                // magnitude / 2^exponent × one is in [one, 2·one); 2·one after rounding carries into the exponent.
                code = ((exponent + bias) << mantissaBits) + RoundedToEven(magnitude / power * one) - one;
            }
        }
        if (code > top)
            return saturate || specials == FiniteOnly ? sign | top
                : specials == Ieee ? sign | (exponentFields << mantissaBits)
                : specials == FiniteNaN ? sign | (top + 1) : signBit;
        return specials == UnsignedZero && code == 0 ? 0 : sign | code;
    }

    /// <summary>
    /// float8e8m0 bits of |<paramref name="value"/>|: float32's exponent field, plus one when rounding up (any fraction) or to
    /// nearest (a fraction of at least one half); past 2^127 (and ∞) 254 when <paramref name="saturate"/>, else NaN (255).
    /// </summary>
    public static int FloatToExponent(float value, int roundMode, bool saturate)
    {
        if (float.IsNaN(value)) return 255;
        float magnitude = value < 0f ? -value : value;
        if (magnitude > 3.40282347E+38f) return saturate ? 254 : 255;
        if (magnitude < 1.17549435E-38f) // a float32 subnormal (exponent field 0): its fraction's top bit is 2^−127
            return (roundMode == 0 ? magnitude > 0f : roundMode == 2 && magnitude >= Power2(-127)) ? 1 : 0;
        int exponent = 254;
        float power = Power2(127);
        while (magnitude < power * 1.52587890625E-5f) { power *= 1.52587890625E-5f; exponent -= 16; }
        while (magnitude < power) { power *= 0.5f; exponent--; }
        if (roundMode == 0 ? magnitude > power : roundMode == 2 && magnitude >= power * 1.5f) exponent++;
        return exponent > 254 ? (saturate ? 254 : 255) : exponent;
    }

    /// <summary><paramref name="value"/> rounded to the small float format's precision and range, as a float (a Cast).</summary>
    public static float RoundToSmallFloat(float value, int exponentBits, int mantissaBits, int bias, int specials, bool saturate) =>
        SmallFloatToFloat(FloatToSmallFloat(value, exponentBits, mantissaBits, bias, specials, saturate), exponentBits, mantissaBits, bias, specials);
    // </emit>
}
