using ModelBaker.Core.Kernels;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// Input quantization without System.Math: FixedPoint.Quantize (the block both flavours and the interpreter run) must
/// equal round-half-to-even as Math.Round does it, on every kind of value.
/// </summary>
public sealed class NanoQuantizeTests
{
    /// <summary>What Quantize computed before nanoFramework: Math.Round (half to even), zero point, saturation.</summary>
    private static sbyte MathRoundReference(float value, double scale, int zeroPoint)
    {
        double q = Math.Round(value / scale) + zeroPoint;
        return (sbyte)(q < -128 ? -128 : q > 127 ? 127 : q);
    }

    public static IEnumerable<object[]> Parameters => new[]
    {
        new object[] { 1.0, 0 }, new object[] { 0.5, -3 }, new object[] { 0.25, 127 }, new object[] { 1.0 / 255, -128 },
        new object[] { 0.0039215688593685627, -128 }, new object[] { 0.1, 7 }, new object[] { 3.7, -100 }, new object[] { 1e-6, 0 },
    };

    [Theory]
    [MemberData(nameof(Parameters))]
    public void Quantize_equals_Math_Round_half_to_even_on_halves_negatives_and_random_values(double scale, int zeroPoint)
    {
        var values = new List<float>();
        // Exact halves and integers (in units of the scale), both signs, around every int8 value and past saturation.
        for (int k = -300; k <= 300; k++)
        {
            values.Add((float)(k * scale));
            values.Add((float)((k + 0.5) * scale));
            values.Add((float)((k - 0.5) * scale));
            float half = (float)((k + 0.5) * scale);
            values.Add(MathF.BitIncrement(half));
            values.Add(MathF.BitDecrement(half));
        }
        var rng = new Random(17);
        for (int i = 0; i < 20000; i++) values.Add((float)((rng.NextDouble() * 2 - 1) * 300 * scale));
        for (int i = 0; i < 2000; i++) values.Add(BitConverter.Int32BitsToSingle(rng.Next()) * (rng.Next(2) == 0 ? 1 : -1));
        values.AddRange(new[] { 0f, -0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, 1e30f, -1e30f });

        foreach (float v in values.Where(v => !float.IsNaN(v)))
            Assert.True(MathRoundReference(v, scale, zeroPoint) == FixedPoint.Quantize(v, scale, zeroPoint),
                $"value {v:R}, scale {scale:R}, zero point {zeroPoint}: Math.Round gives {MathRoundReference(v, scale, zeroPoint)}, Quantize {FixedPoint.Quantize(v, scale, zeroPoint)}");
    }

    [Fact]
    public void NaN_quantizes_to_zero()
    {
        Assert.Equal(0, FixedPoint.Quantize(float.NaN, 0.5, 10));
    }
}
