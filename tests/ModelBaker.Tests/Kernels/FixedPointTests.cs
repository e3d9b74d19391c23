using ModelBaker.Core.Kernels;

namespace ModelBaker.Tests.Kernels;

/// <summary>The requantization arithmetic, against cases computed by hand (and TensorFlow Lite's reference results).</summary>
public sealed class FixedPointTests
{
    [Theory]
    [InlineData(0.5, 1 << 30, 0)]          // 0.5 = 0.5 × 2^0
    [InlineData(0.25, 1 << 30, -1)]        // 0.25 = 0.5 × 2^-1
    [InlineData(1.0, 1 << 30, 1)]          // 1 = 0.5 × 2^1
    [InlineData(0.75, 1610612736, 0)]      // 0.75 × 2^31
    [InlineData(3.0, 1610612736, 2)]       // 3 = 0.75 × 2^2
    [InlineData(0.0, 0, 0)]
    public void Quantize_multiplier_splits_into_Q31_and_shift(double real, int multiplier, int shift)
    {
        Assert.Equal((multiplier, shift), FixedPoint.QuantizeMultiplier(real));
    }

    [Fact]
    public void Quantize_multiplier_rounding_up_to_one_moves_the_shift()
    {
        // Just below 1.0 × 2^0: the fraction rounds to 2^31, which must become 2^30 with shift + 1.
        Assert.Equal((1 << 30, 1), FixedPoint.QuantizeMultiplier(1.0 - 1e-12));
    }

    [Theory]
    [InlineData(100, 1 << 30, 0, 50)]        // 100 × 0.5
    [InlineData(101, 1 << 30, 0, 51)]        // 50.5 rounds away from zero
    [InlineData(-101, 1 << 30, 0, -50)]      // −50.5: gemmlowp's nudge (1 − 2^30) rounds negative halves up, as TFLM does
    [InlineData(1000, 1610612736, -3, 94)]   // 1000 × 0.75 / 8 = 93.75
    [InlineData(7, 1 << 30, 2, 14)]          // 7 × 0.5 × 4
    [InlineData(int.MaxValue, int.MaxValue, 0, int.MaxValue - 1)] // (2^31 − 1)² / 2^31 = 2^31 − 2 + 2^-31
    public void Multiply_by_quantized_multiplier_rounds_to_nearest(int x, int multiplier, int shift, int expected)
    {
        Assert.Equal(expected, FixedPoint.MultiplyByQuantizedMultiplier(x, multiplier, shift));
    }

    [Fact]
    public void Saturating_rounding_doubling_high_mul_saturates_the_only_overflow()
    {
        Assert.Equal(int.MaxValue, FixedPoint.SaturatingRoundingDoublingHighMul(int.MinValue, int.MinValue));
        Assert.Equal(-(1 << 30), FixedPoint.SaturatingRoundingDoublingHighMul(int.MinValue, 1 << 30));
    }

    /// <summary>gemmlowp's definitions, literally: the kernels' written-out forms must equal their composition.</summary>
    private static int GemmlowpHighMul(int a, int b)
    {
        if (a == int.MinValue && b == int.MinValue) return int.MaxValue;
        long ab = (long)a * b;
        long nudge = ab >= 0 ? (1L << 30) : (1L - (1L << 30));
        return (int)((ab + nudge) / (1L << 31));
    }

    private static int GemmlowpDivide(int x, int exponent)
    {
        int mask = (1 << exponent) - 1, remainder = x & mask, threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (x >> exponent) + (remainder > threshold ? 1 : 0);
    }

    [Fact]
    public void Written_out_requantization_equals_gemmlowps_composition_on_edges_and_random_values()
    {
        var random = new Random(11);
        int[] edges = { 0, 1, -1, 2, -2, 1 << 14, -(1 << 14), (1 << 30) - 1, 1 << 30, -(1 << 30), int.MaxValue, int.MinValue, int.MinValue + 1, 12345, -12345 };
        int[] multipliers = { int.MinValue, int.MaxValue, 1 << 30, (1 << 30) + 1, 1610612736, 32767 << 16, 16384 << 16, 1, 0, -(1 << 30) };
        var xs = edges.Concat(Enumerable.Range(0, 4000).Select(_ => random.Next(int.MinValue, int.MaxValue))).ToArray();
        var ms = multipliers.Concat(Enumerable.Range(0, 40).Select(_ => random.Next(1 << 30, int.MaxValue))).ToArray();
        foreach (int m in ms)
            foreach (int x in xs)
            {
                Assert.Equal(GemmlowpHighMul(x, m), FixedPoint.SaturatingRoundingDoublingHighMul(x, m));
                foreach (int shift in new[] { 3, 1, 0, -1, -7, -20, -31 })
                {
                    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
                    int expected = GemmlowpDivide(GemmlowpHighMul(x * (1 << left), m), right);
                    Assert.Equal(expected, FixedPoint.MultiplyByQuantizedMultiplier(x, m, shift));
                    int value = expected + 5;
                    Assert.Equal((sbyte)(value < -100 ? -100 : value > 90 ? 90 : value), FixedPoint.Requantize(x, m, shift, 5, -100, 90));
                    Assert.Equal(GemmlowpDivide(x, right), FixedPoint.RoundingDivideByPowerOfTwo(x, right));
                }
            }
    }

    [Theory]
    [InlineData(5, 1, 3)]    // 2.5 → 3
    [InlineData(-5, 1, -3)]  // −2.5 → −3
    [InlineData(6, 2, 2)]    // 1.5 → 2
    [InlineData(-6, 2, -2)]  // −1.5 → −2
    [InlineData(-7, 2, -2)]  // −1.75 → −2
    public void Rounding_divide_by_power_of_two_rounds_half_away_from_zero(int x, int exponent, int expected)
    {
        Assert.Equal(expected, FixedPoint.RoundingDivideByPowerOfTwo(x, exponent));
    }

    [Fact]
    public void Requantization_matches_real_arithmetic_within_half_a_step()
    {
        var random = new Random(7);
        for (int i = 0; i < 10_000; i++)
        {
            double real = Math.Pow(2, random.NextDouble() * 20 - 16);
            int x = random.Next(-1 << 20, 1 << 20);
            var (m, s) = FixedPoint.QuantizeMultiplier(real);
            double exact = x * real;
            Assert.InRange(FixedPoint.MultiplyByQuantizedMultiplier(x, m, s), exact - 0.5 - 1e-6 * Math.Abs(exact) - 1, exact + 0.5 + 1e-6 * Math.Abs(exact) + 1);
        }
    }

    [Theory]
    [InlineData(0f, 0.1, -128, -128)]
    [InlineData(1.25f, 0.1, 0, 12)]     // 12.5 → 12 (half to even)
    [InlineData(1.35f, 0.1, 0, 14)]     // 13.5 → 14
    [InlineData(100f, 0.1, 0, 127)]     // saturates
    [InlineData(-100f, 0.1, 0, -128)]
    public void Quantize_rounds_half_to_even_and_saturates(float value, double scale, int zeroPoint, int expected)
    {
        Assert.Equal(expected, FixedPoint.Quantize(value, scale, zeroPoint));
    }

    [Fact]
    public void Q15_multipliers_are_shorts_in_Q31_form_within_two_to_the_minus_fifteen()
    {
        var random = new Random(3);
        for (int i = 0; i < 10000; i++)
        {
            double real = Math.Exp(random.NextDouble() * 25 - 20); // 2e-9 … 148
            var (multiplier, shift) = FixedPoint.QuantizeMultiplierQ15(real);
            Assert.Equal(0, multiplier & 0xFFFF);
            Assert.InRange(multiplier >> 16, 1 << 14, short.MaxValue);
            Assert.Equal(multiplier >> 16, FixedPoint.MultiplierShorts(new[] { multiplier })[0]);
            double represented = multiplier / (double)(1L << 31) * Math.Pow(2, shift);
            Assert.True(Math.Abs(represented - real) <= real * Math.Pow(2, -15), $"{real} -> {represented}");
        }
        // A fraction that rounds up to one moves the shift, as in Q31.
        Assert.Equal((1 << 30, 1), FixedPoint.QuantizeMultiplierQ15(1 - 1e-7));
    }

    [Fact]
    public void A_shared_shift_keeps_every_multiplier_within_two_to_the_minus_twelve()
    {
        var random = new Random(5);
        for (int layer = 0; layer < 500; layer++)
        {
            // Units within a factor of 8 of each other, as a layer's per-unit weight scales usually are, and a zero one.
            double top = Math.Exp(random.NextDouble() * 10 - 8);
            var reals = new double[12];
            for (int n = 1; n < reals.Length; n++) reals[n] = top / (1 + 7 * random.NextDouble());
            var quantized = Array.ConvertAll(reals, FixedPoint.QuantizeMultiplierQ15);
            var (multipliers, shifts) = FixedPoint.ShareShift(Array.ConvertAll(quantized, q => q.Multiplier), Array.ConvertAll(quantized, q => q.Shift));
            Assert.Single(shifts);
            Assert.Equal(0, multipliers[0]);
            for (int n = 1; n < reals.Length; n++)
            {
                Assert.Equal(0, multipliers[n] & 0xFFFF);
                double represented = multipliers[n] / (double)(1L << 31) * Math.Pow(2, shifts[0]);
                Assert.True(Math.Abs(represented - reals[n]) <= reals[n] * Math.Pow(2, -12), $"{reals[n]} -> {represented}");
            }
        }
    }

    [Fact]
    public void Units_more_than_three_exponents_apart_keep_their_own_shifts()
    {
        var quantized = new[] { FixedPoint.QuantizeMultiplierQ15(1.0 / 3), FixedPoint.QuantizeMultiplierQ15(1.0 / 48) }; // 2^-1 and 2^-5
        var multipliers = Array.ConvertAll(quantized, q => q.Multiplier);
        var shifts = Array.ConvertAll(quantized, q => q.Shift);
        Assert.Equal((multipliers, shifts), FixedPoint.ShareShift(multipliers, shifts));
    }

    [Fact]
    public void Coarsened_biases_are_shorts_times_a_power_of_two_and_move_no_output_more_than_a_thirty_second_of_a_step()
    {
        var random = new Random(9);
        for (int layer = 0; layer < 200; layer++)
        {
            var bias = Enumerable.Range(0, 20).Select(_ => random.Next(-400_000, 400_000)).ToArray();
            var multipliers = Enumerable.Range(0, 20).Select(_ => Math.Pow(2, -10 - 3 * random.NextDouble())).ToArray();
            var coarse = FixedPoint.CoarsenBias(bias, multipliers);
            int k = Core.Codegen.EmitArrays.ShortBiasShift(coarse);
            Assert.InRange(k, 1, 16);
            for (int n = 0; n < bias.Length; n++)
                Assert.True(Math.Abs(coarse[n] - bias[n]) * multipliers[n] <= FixedPoint.MaxBiasError, $"{bias[n]} -> {coarse[n]}");
            Assert.Equal(coarse, FixedPoint.WidenBias(coarse.Select(b => (short)(b >> k)).ToArray(), k));
        }
    }

    [Fact]
    public void Biases_stay_exact_when_they_fit_or_when_rounding_would_move_an_output_too_far()
    {
        var small = new[] { -32768, 32767, 5 };
        Assert.Same(small, FixedPoint.CoarsenBias(small, new[] { 0.5, 0.5, 0.5 }));
        Assert.Equal(0, Core.Codegen.EmitArrays.ShortBiasShift(small));
        // 100,001 needs k = 2, whose rounding (up to 2 accumulator steps) is worth 2 × 2^-5 of a step here: too much.
        var large = new[] { 100_001, 7 };
        Assert.Same(large, FixedPoint.CoarsenBias(large, new[] { 1.0 / 32, 1.0 / 32 }));
        Assert.Equal(-1, Core.Codegen.EmitArrays.ShortBiasShift(large));
        Assert.Equal(new[] { 100_000, 8 }, FixedPoint.CoarsenBias(large, new[] { 1.0 / 64, 1.0 / 64 }));
    }
}
