using ModelBaker.Core.Ir;

namespace ModelBaker.Tests.Kernels;

/// <summary>
/// Float16 by bit arithmetic (Ir/HalfPrecision, also the generated classes' conversions) against .NET's System.Half, the
/// IEEE 754 oracle: every one of the 2^16 patterns, every tie between neighbours and the floats either side of it.
/// </summary>
public class HalfPrecisionTests
{
    private static ushort Bits(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    [Fact]
    public void Every_pattern_decodes_exactly_and_encodes_back()
    {
        for (int h = 0; h <= ushort.MaxValue; h++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)h);
            float decoded = HalfPrecision.HalfToFloat((ushort)h);
            if (float.IsNaN(expected))
            {
                Assert.True(float.IsNaN(decoded), $"0x{h:X4} decodes to {decoded}, not NaN");
                Assert.Equal(0x7E00, HalfPrecision.FloatToHalf(decoded));
                continue;
            }
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(decoded), $"0x{h:X4}: {decoded}, expected {expected}");
            Assert.Equal((ushort)h, HalfPrecision.FloatToHalf(decoded));
        }
    }

    [Fact]
    public void Ties_round_to_even_and_their_neighbours_to_the_nearer()
    {
        // Every pair of neighbouring finite float16 values of one sign, subnormals included; the tie is exact in float.
        for (int h = 0; h < 0x7C00; h++)
            foreach (int sign in new[] { 0, 0x8000 })
            {
                float low = HalfPrecision.HalfToFloat((ushort)(sign | h));
                float high = h + 1 == 0x7C00 ? (sign == 0 ? 65536f : -65536f) : HalfPrecision.HalfToFloat((ushort)(sign | (h + 1)));
                float tie = (float)(((double)low + high) / 2);
                Assert.Equal((double)low + high, 2.0 * tie); // exact
                foreach (float x in new[] { tie, MathF.BitDecrement(tie), MathF.BitIncrement(tie) })
                    Assert.True(Bits(x) == HalfPrecision.FloatToHalf(x), $"{x:R}: 0x{HalfPrecision.FloatToHalf(x):X4}, expected 0x{Bits(x):X4}");
                int even = (h & 1) == 0 ? h : h + 1;
                Assert.Equal(sign | even, (int)HalfPrecision.FloatToHalf(tie));
            }
    }

    [Fact]
    public void Random_floats_of_every_magnitude_round_as_System_Half_does()
    {
        var random = new Random(5);
        for (int i = 0; i < 1_000_000; i++)
        {
            float x = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
            if (float.IsNaN(x)) continue;
            Assert.True(Bits(x) == HalfPrecision.FloatToHalf(x), $"{x:R}: 0x{HalfPrecision.FloatToHalf(x):X4}, expected 0x{Bits(x):X4}");
        }
    }

    [Theory]
    [InlineData(1f / 3, 0.333251953125f)] // float16 keeps 11 significant bits
    [InlineData(65504f, 65504f)] // the largest float16
    [InlineData(65519.996f, 65504f)] // just below the midpoint to 2^16
    [InlineData(65520f, float.PositiveInfinity)] // the midpoint rounds to even: 2^16, past the range
    [InlineData(-1e6f, float.NegativeInfinity)]
    [InlineData(5.9604645E-08f, 5.9604645E-08f)] // 2^−24, the smallest subnormal
    [InlineData(2.9802322E-08f, 0f)] // 2^−25, half of it: the tie goes to even, 0
    [InlineData(4.4703484E-08f, 5.9604645E-08f)] // 3 · 2^−26 rounds up to 2^−24
    [InlineData(6.1035156E-05f, 6.1035156E-05f)] // 2^−14, the smallest normal
    [InlineData(1.0004883f, 1f)] // 1 + 2^−11, a tie: to even (1)
    [InlineData(1.0014648f, 1.0019531f)] // 1 + 3 · 2^−11, a tie: to even (1 + 2^−9)
    public void Cast_to_float16_rounds_to_its_precision_and_range(float value, float expected)
    {
        Assert.Equal(expected, HalfPrecision.RoundToHalf(value));
        Assert.Equal(-expected, HalfPrecision.RoundToHalf(-value));
    }

    [Fact]
    public void Signed_zero_and_NaN_keep_their_meaning()
    {
        Assert.Equal(0x0000, HalfPrecision.FloatToHalf(0f));
        Assert.Equal(0x8000, HalfPrecision.FloatToHalf(-0f));
        Assert.Equal(0x8000, HalfPrecision.FloatToHalf(-1e-30f));
        Assert.True(float.IsNaN(HalfPrecision.RoundToHalf(float.NaN)));
        Assert.Equal(0x7C00, HalfPrecision.FloatToHalf(float.PositiveInfinity));
        Assert.Equal(0xFC00, HalfPrecision.FloatToHalf(float.NegativeInfinity));
    }
}
