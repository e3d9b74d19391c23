using ModelBaker.Core.Ir;

namespace ModelBaker.Tests.Kernels;

/// <summary>
/// bfloat16, float8 and float4e2m1 by bit arithmetic (Ir/SmallFloats, also the generated classes' conversions): every bit
/// pattern of every format decoded against an independent formula (double arithmetic with Math.ScaleB; bfloat16 as the
/// top half of a float32's bits, float8e5m2 as the top byte of a float16's), every pattern encoded back, every tie between
/// neighbours to even, and the saturate, NaN, ∞, −0 and subnormal rules of each format as the ONNX backend cases show.
/// </summary>
public class SmallFloatsTests
{
    public static readonly TheoryData<ElementType> Formats = new()
    {
        ElementType.BFloat16, ElementType.Float8E4M3FN, ElementType.Float8E4M3FNUZ, ElementType.Float8E5M2, ElementType.Float8E5M2FNUZ,
        ElementType.Float4E2M1,
    };

    private static int Width(ElementType type) => type == ElementType.BFloat16 ? 16 : type == ElementType.Float4E2M1 ? 4 : 8;

    /// <summary>The value of bits in the format, from the ONNX spec's tables, in double arithmetic (NaN for NaN codes).</summary>
    private static double Formula(ElementType type, int bits)
    {
        var (e, m, bias, _) = NarrowTypes.Format(type)!.Value;
        int sign = bits >> (e + m), exponent = (bits >> m) & ((1 << e) - 1), mantissa = bits & ((1 << m) - 1);
        bool allOnes = exponent == (1 << e) - 1;
        switch (type)
        {
            case ElementType.BFloat16 or ElementType.Float8E5M2 when allOnes:
                return mantissa == 0 ? (sign == 1 ? double.NegativeInfinity : double.PositiveInfinity) : double.NaN;
            case ElementType.Float8E4M3FN when allOnes && mantissa == 7:
            case ElementType.Float8E4M3FNUZ or ElementType.Float8E5M2FNUZ when bits == 0x80:
                return double.NaN;
        }
        double magnitude = exponent == 0 ? Math.ScaleB(mantissa, 1 - bias - m) : Math.ScaleB((1 << m) + mantissa, exponent - bias - m);
        return sign == 1 ? -magnitude : magnitude;
    }

    /// <summary>Independent oracles where .NET has one: bfloat16 is a float32's top 16 bits, float8e5m2 a float16's top byte.</summary>
    private static double? Oracle(ElementType type, int bits) => type switch
    {
        ElementType.BFloat16 => BitConverter.Int32BitsToSingle(bits << 16),
        ElementType.Float8E5M2 => (double)BitConverter.UInt16BitsToHalf((ushort)(bits << 8)),
        _ => null,
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Every_pattern_decodes_exactly_and_encodes_back(ElementType type)
    {
        int nans = 0;
        for (int bits = 0; bits < 1 << Width(type); bits++)
        {
            double expected = Formula(type, bits);
            float decoded = NarrowTypes.Decode(type, bits);
            if (Oracle(type, bits) is { } oracle) Assert.Equal(oracle, expected); // the formula agrees with .NET where it can
            if (double.IsNaN(expected))
            {
                Assert.True(float.IsNaN(decoded), $"{type} 0x{bits:X}: {decoded}, not NaN");
                nans++;
                continue;
            }
            Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(decoded), $"{type} 0x{bits:X}: {decoded:R}, expected {expected:R}");
            Assert.Equal(bits, NarrowTypes.Encode(type, decoded, saturate: false));
            if (!float.IsInfinity(decoded)) Assert.Equal(bits, NarrowTypes.Encode(type, decoded, saturate: true)); // ∞ saturates
        }
        int expectedNans = type switch
        {
            ElementType.BFloat16 => 2 * 127, ElementType.Float8E5M2 => 6, ElementType.Float8E4M3FN => 2,
            ElementType.Float4E2M1 => 0, _ => 1,
        };
        Assert.Equal(expectedNans, nans);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Ties_round_to_even_and_their_neighbours_to_the_nearer(ElementType type)
    {
        // Every pair of neighbouring finite values of one sign, subnormals included; the midpoint is exact in float.
        int signBit = 1 << (Width(type) - 1);
        for (int bits = 0; bits + 1 < signBit; bits++)
        {
            double low = Formula(type, bits), high = Formula(type, bits + 1);
            if (double.IsNaN(high) || double.IsInfinity(high)) break;
            foreach (int sign in new[] { 1, -1 })
            {
                float tie = (float)(sign * (low + high) / 2);
                Assert.Equal(sign * (low + high), 2.0 * tie); // exact
                // With its sign, but the fnuz types have no −0.
                int Signed(int code) => sign < 0 && (code != 0 || type is not (ElementType.Float8E4M3FNUZ or ElementType.Float8E5M2FNUZ)) ? signBit | code : code;
                int even = (bits & 1) == 0 ? bits : bits + 1;
                Assert.True(Signed(even) == NarrowTypes.Encode(type, tie), $"{type} {tie:R}: 0x{NarrowTypes.Encode(type, tie):X}, expected 0x{Signed(even):X}");
                Assert.Equal(Signed(bits), NarrowTypes.Encode(type, MathF.BitDecrement(Math.Abs(tie)) * sign));
                Assert.Equal(Signed(bits + 1), NarrowTypes.Encode(type, MathF.BitIncrement(Math.Abs(tie)) * sign));
            }
        }
    }

    [Fact]
    public void Random_floats_round_to_bfloat16_as_the_float32_bits_do()
    {
        // Round to nearest even on the top 16 bits of the float32 pattern: the usual bfloat16 conversion, by integers.
        var random = new Random(7);
        for (int i = 0; i < 1_000_000; i++)
        {
            float x = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
            if (float.IsNaN(x)) continue;
            uint b = (uint)BitConverter.SingleToInt32Bits(x);
            int expected = (int)((b + 0x7FFF + ((b >> 16) & 1)) >> 16);
            Assert.True(expected == NarrowTypes.Encode(ElementType.BFloat16, x, saturate: false), $"{x:R}: 0x{NarrowTypes.Encode(ElementType.BFloat16, x, false):X4}, expected 0x{expected:X4}");
        }
    }

    [Theory]
    // type, value, saturated bits, unsaturated bits: past the top value (448, 240, 57344, 57344, 6) and ±∞.
    [InlineData(ElementType.Float8E4M3FN, 464f, 0x7E, 0x7E)] // the tie between 448 and the NaN code goes to 448 (even)
    [InlineData(ElementType.Float8E4M3FN, 465f, 0x7E, 0x7F)]
    [InlineData(ElementType.Float8E4M3FN, float.PositiveInfinity, 0x7E, 0x7F)]
    [InlineData(ElementType.Float8E4M3FN, float.NegativeInfinity, 0xFE, 0xFF)]
    [InlineData(ElementType.Float8E4M3FNUZ, 1e6f, 0x7F, 0x80)]
    [InlineData(ElementType.Float8E4M3FNUZ, float.NegativeInfinity, 0xFF, 0x80)]
    [InlineData(ElementType.Float8E5M2, 61440f, 0x7B, 0x7C)] // the tie between 57344 and ∞ goes to ∞ (even)
    [InlineData(ElementType.Float8E5M2, float.PositiveInfinity, 0x7B, 0x7C)]
    [InlineData(ElementType.Float8E5M2, float.NegativeInfinity, 0xFB, 0xFC)]
    [InlineData(ElementType.Float8E5M2FNUZ, float.PositiveInfinity, 0x7F, 0x80)]
    [InlineData(ElementType.Float4E2M1, 1e6f, 0x7, 0x7)] // no ∞ nor NaN: always the top value
    [InlineData(ElementType.Float4E2M1, float.NegativeInfinity, 0xF, 0xF)]
    [InlineData(ElementType.BFloat16, 3.4e38f, 0x7F7F, 0x7F80)] // rounds past the top; a Cast to bfloat16 never saturates (→ ∞)
    public void Values_past_the_range_saturate_or_overflow_as_the_format_says(ElementType type, float value, int saturated, int unsaturated)
    {
        Assert.Equal(saturated, NarrowTypes.Encode(type, value, saturate: true));
        Assert.Equal(unsaturated, NarrowTypes.Encode(type, value, saturate: false));
    }

    [Theory]
    [InlineData(ElementType.BFloat16, 0x7FC0)]
    [InlineData(ElementType.Float8E4M3FN, 0x7F)]
    [InlineData(ElementType.Float8E4M3FNUZ, 0x80)]
    [InlineData(ElementType.Float8E5M2, 0x7E)]
    [InlineData(ElementType.Float8E5M2FNUZ, 0x80)]
    [InlineData(ElementType.Float4E2M1, 0x8)] // −0, as ONNX writes a NaN it cannot hold
    public void NaN_gives_the_formats_NaN_and_negative_zero_its_sign_where_the_format_has_one(ElementType type, int nan)
    {
        Assert.Equal(nan, NarrowTypes.Encode(type, float.NaN, saturate: true));
        Assert.Equal(nan, NarrowTypes.Encode(type, float.NaN, saturate: false));
        int negativeZero = type is ElementType.Float8E4M3FNUZ or ElementType.Float8E5M2FNUZ ? 0 : 1 << (Width(type) - 1);
        Assert.Equal(negativeZero, NarrowTypes.Encode(type, -0f));
        Assert.Equal(negativeZero, NarrowTypes.Encode(type, -1e-45f)); // rounds to zero, keeping the sign where there is −0
    }

    [Fact]
    public void Float8e8m0_is_a_power_of_two_per_code_and_rounds_by_its_round_mode()
    {
        for (int bits = 0; bits < 256; bits++)
        {
            float decoded = NarrowTypes.Decode(ElementType.Float8E8M0, bits);
            if (bits == 255) { Assert.True(float.IsNaN(decoded)); continue; }
            Assert.Equal(Math.ScaleB(1.0, bits - 127), (double)decoded); // 2^−127 is a float32 subnormal, still exact
            foreach (int mode in new[] { 0, 1, 2 })
                if (bits > 0 || mode == 1) Assert.Equal(bits, NarrowTypes.Encode(ElementType.Float8E8M0, decoded, saturate: false, roundMode: mode));
        }
        // value: up, down, nearest — on |x| (no sign bit), from float32's exponent and fraction as ONNX computes them.
        var cases = new (float Value, int Up, int Down, int Nearest)[]
        {
            (1f, 127, 127, 127), (1.25f, 128, 127, 127), (1.5f, 128, 127, 128), (-3f, 129, 128, 129), (0.124f, 124, 123, 124),
            (0f, 0, 0, 0), (MathF.ScaleB(1f, -127), 1, 0, 1), (MathF.ScaleB(1f, -130), 1, 0, 0),
        };
        foreach (var (value, up, down, nearest) in cases)
        {
            Assert.Equal(up, NarrowTypes.Encode(ElementType.Float8E8M0, value, roundMode: 0));
            Assert.Equal(down, NarrowTypes.Encode(ElementType.Float8E8M0, value, roundMode: 1));
            Assert.Equal(nearest, NarrowTypes.Encode(ElementType.Float8E8M0, value, roundMode: 2));
        }
        // Past 2^127 (rounding up) and ∞: 254 saturated, else NaN; NaN is 255.
        Assert.Equal(254, NarrowTypes.Encode(ElementType.Float8E8M0, 3e38f, saturate: true, roundMode: 0));
        Assert.Equal(255, NarrowTypes.Encode(ElementType.Float8E8M0, 3e38f, saturate: false, roundMode: 0));
        Assert.Equal(254, NarrowTypes.Encode(ElementType.Float8E8M0, 3e38f, saturate: false, roundMode: 1));
        Assert.Equal(254, NarrowTypes.Encode(ElementType.Float8E8M0, float.PositiveInfinity, saturate: true));
        Assert.Equal(255, NarrowTypes.Encode(ElementType.Float8E8M0, float.NegativeInfinity, saturate: false));
        Assert.Equal(255, NarrowTypes.Encode(ElementType.Float8E8M0, float.NaN, saturate: true));
    }

    [Fact]
    public void Subnormals_round_in_units_of_the_smallest_one()
    {
        // float8e4m3fn: subnormals are multiples of 2^−9; 2^−10 is the tie between 0 and 2^−9 (to 0, even).
        Assert.Equal(0x01, NarrowTypes.Encode(ElementType.Float8E4M3FN, MathF.ScaleB(1f, -9)));
        Assert.Equal(0x00, NarrowTypes.Encode(ElementType.Float8E4M3FN, MathF.ScaleB(1f, -10)));
        Assert.Equal(0x01, NarrowTypes.Encode(ElementType.Float8E4M3FN, MathF.ScaleB(1.5f, -10)));
        Assert.Equal(0x02, NarrowTypes.Encode(ElementType.Float8E4M3FN, MathF.ScaleB(3f, -10))); // 1.5 units: tie to 2
        Assert.Equal(0x08, NarrowTypes.Encode(ElementType.Float8E4M3FN, MathF.ScaleB(15.5f, -10))); // 7.75 units: the smallest normal
        // bfloat16 subnormals lie below float32's normals: multiples of 2^−133.
        Assert.Equal(0x0001, NarrowTypes.Encode(ElementType.BFloat16, MathF.ScaleB(1f, -133)));
        Assert.Equal(MathF.ScaleB(3f, -133), NarrowTypes.Decode(ElementType.BFloat16, 0x0003));
        Assert.Equal(0x0080, NarrowTypes.Encode(ElementType.BFloat16, MathF.ScaleB(1f, -126)));
        // float4e2m1: 0.25 is the tie between 0 and 0.5 (to 0), 0.75 between 0.5 and 1 (to 1).
        Assert.Equal(0x0, NarrowTypes.Encode(ElementType.Float4E2M1, 0.25f));
        Assert.Equal(0x2, NarrowTypes.Encode(ElementType.Float4E2M1, 0.75f));
    }
}
