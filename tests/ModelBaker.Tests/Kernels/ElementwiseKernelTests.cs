using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Operators;
using ModelBaker.Tests.Operators;
using static ModelBaker.Core.Kernels.FixedPoint;

namespace ModelBaker.Tests.Kernels;

/// <summary>
/// Int8 requantization of the binary kernels computed by hand, integer tensors with numpy's semantics, and the
/// int8 log-softmax's fixed-point constants.
/// </summary>
public sealed class ElementwiseKernelTests
{
    /// <summary>Runs one element of the int8 binary kernel with real multipliers turned into Q31 ones.</summary>
    private static sbyte Int8(BinaryOperation operation, sbyte a, int aZeroPoint, double aMultiplier, sbyte b, int bZeroPoint, double bMultiplier,
        double outputMultiplier, int outputZeroPoint)
    {
        var (am, ashift) = QuantizeMultiplier(aMultiplier);
        var (bm, bshift) = QuantizeMultiplier(bMultiplier);
        var (om, oshift) = QuantizeMultiplier(outputMultiplier);
        var output = new sbyte[1];
        BinaryInt8.Binary((int)operation, new[] { a }, new[] { 0 }, aZeroPoint, am, ashift, new[] { b }, new[] { 0 }, bZeroPoint, bm, bshift,
            new[] { 1 }, om, oshift, outputZeroPoint, -128, 127, output);
        return output[0];
    }

    // Scales: a 0.5, b 0.25, output 0.125 (zero points 0 unless stated).
    [Theory]
    [InlineData(3, 4, 12)]    // 1.5 · 1.0 = 1.5
    [InlineData(-3, 4, -12)]
    [InlineData(20, 20, 127)] // 10 · 5 = 50: saturates
    public void Mul_requantizes_by_sa_sb_over_so(int a, int b, int expected) =>
        Assert.Equal(expected, Int8(BinaryOperation.Mul, (sbyte)a, 0, 0, (sbyte)b, 0, 0, 0.5 * 0.25 / 0.125, 0));

    [Theory]
    [InlineData(6, 8, 12)]    // 3.0 / 2.0 = 1.5
    [InlineData(-6, 8, -12)]
    [InlineData(1, 12, 1)]    // 0.5 / 3.0 = 0.1667 = 1.33 steps
    [InlineData(5, 0, 127)]   // a real divisor of 0: +∞ saturated
    [InlineData(-5, 0, -128)] // −∞ saturated
    [InlineData(0, 0, 0)]     // 0 / 0 = 0
    public void Div_divides_the_shifted_dividend_then_requantizes(int a, int b, int expected) =>
        Assert.Equal(expected, Int8(BinaryOperation.Div, (sbyte)a, 0, 0, (sbyte)b, 0, 0, 0.5 / (0.25 * 0.125 * (1 << BinaryInt8.DivisionShift)), 0));

    [Fact]
    public void Div_by_zero_real_keeps_zero_point_for_zero_dividend()
    {
        // a zero point 10 (q = 10 is real 0), b zero point −3 (q = −3 is real 0), output zero point 7.
        Assert.Equal(7, Int8(BinaryOperation.Div, 10, 10, 0, -3, -3, 0, 0.5 / (0.25 * 0.125 * 65536), 7));
    }

    // a: scale 0.5, zero point 10; b: scale 0.25, zero point −5; output: scale 0.1, zero point 3.
    [Theory]
    [InlineData(BinaryOperation.Max, 14, 5, 28)] // max(2.0, 2.5) = 2.5 → 25 + 3
    [InlineData(BinaryOperation.Min, 14, 5, 23)] // min(2.0, 2.5) = 2.0 → 20 + 3
    [InlineData(BinaryOperation.Max, 4, -13, -17)] // max(−3.0, −2.0) = −2.0 → −20 + 3
    [InlineData(BinaryOperation.Min, 4, -13, -27)] // min(−3.0, −2.0) = −3.0 → −30 + 3
    public void Max_and_min_rescale_both_to_the_output_then_compare(BinaryOperation operation, int a, int b, int expected) =>
        Assert.Equal(expected, Int8(operation, (sbyte)a, 10, 0.5 / 0.1, (sbyte)b, -5, 0.25 / 0.1, 0, 3));

    // x: scale 0.5; slope: scale 0.25; output: scale 0.125.
    [Theory]
    [InlineData(4, 1, 16)]   // 2.0 → 2.0
    [InlineData(-4, 1, -4)]  // −2.0 · 0.25 = −0.5
    [InlineData(-4, -8, 32)] // −2.0 · −2.0 = 4.0
    public void PRelu_passes_positives_and_scales_negatives_by_the_slope(int x, int slope, int expected) =>
        Assert.Equal(expected, Int8(BinaryOperation.PRelu, (sbyte)x, 0, 0.5 / 0.125, (sbyte)slope, 0, 0, 0.5 * 0.25 / 0.125, 0));

    [Fact]
    public void Sub_rescales_to_a_common_scale_like_add()
    {
        // Both scales 0.5 → common scale 1.0; output scale 0.5: 10 − 4 = 6.
        double twice = 1.0;
        Assert.Equal(6, Int8(BinaryOperation.Sub, 10, 0, 0.5 / twice, 4, 0, 0.5 / twice, twice / ((1 << BinaryInt8.LeftShift) * 0.5), 0));
        Assert.Equal(14, Int8(BinaryOperation.Add, 10, 0, 0.5 / twice, 4, 0, 0.5 / twice, twice / ((1 << BinaryInt8.LeftShift) * 0.5), 0));
    }

    private static long[] Evaluate(string opType, ElementType type, long[] a, long[] b)
    {
        var node = new Node("n", opType, new[] { "a", "b" }, new[] { "y" }, new Dictionary<string, Core.Ir.Attribute>());
        var op = OperatorRegistry.Find(opType)!;
        return op.Evaluate(node, new[] { Tensor.FromInt64s(new[] { a.Length }, a, type), Tensor.FromInt64s(new[] { b.Length }, b, type) }, 14)[0].Int64s!;
    }

    [Fact]
    public void Integer_tensors_wrap_around_like_numpy()
    {
        Assert.Equal(new long[] { 44, 255 }, Evaluate("Add", ElementType.UInt8, new long[] { 200, 0 }, new long[] { 100, 255 }));
        Assert.Equal(new long[] { 246 }, Evaluate("Sub", ElementType.UInt8, new long[] { 0 }, new long[] { 10 }));
        Assert.Equal(new long[] { 127, -128 }, Evaluate("Sub", ElementType.Int8, new long[] { -128, 0 }, new long[] { 1, -128 }));
        Assert.Equal(new long[] { 0 }, Evaluate("Mul", ElementType.Int32, new long[] { 65536 }, new long[] { 65536 }));
        Assert.Equal(new long[] { long.MinValue }, Evaluate("Add", ElementType.Int64, new long[] { long.MaxValue }, new long[] { 1 }));
    }

    [Fact]
    public void Integer_division_truncates_toward_zero_and_by_zero_gives_zero()
    {
        Assert.Equal(new long[] { -3, 3, -3, 0, 0 }, Evaluate("Div", ElementType.Int32, new long[] { -7, -7, 7, 5, -5 }, new long[] { 2, -2, -2, 0, 0 }));
        Assert.Equal(new long[] { -128 }, Evaluate("Div", ElementType.Int8, new long[] { -128 }, new long[] { -1 })); // wraps as in C
        Assert.Equal(new long[] { long.MinValue }, Evaluate("Div", ElementType.Int64, new long[] { long.MinValue }, new long[] { -1 }));
    }

    [Fact]
    public void Log_softmax_constant_is_ln2_in_q16_output_units() =>
        Assert.Equal((double)LogSoftmaxInt8.LnTwoInOutputUnits, Math.Round(Math.Log(2) / LogSoftmaxInt8.OutputScale * 65536));

    [Fact]
    public void ArgMax_ties_follow_select_last_index()
    {
        var x = new[] { 1f, 3f, 3f, 2f, 5f, 5f };
        var first = new long[2];
        var last = new long[2];
        ArgMaxFloat.ArgMax(x, 2, 3, 1, smallest: false, selectLastIndex: false, first);
        ArgMaxFloat.ArgMax(x, 2, 3, 1, smallest: false, selectLastIndex: true, last);
        Assert.Equal(new long[] { 1, 1 }, first);
        Assert.Equal(new long[] { 2, 2 }, last);
        var q = new sbyte[] { 1, 3, 3, 2, 5, 5 };
        ArgMaxInt8.ArgMax(q, 2, 3, 1, smallest: false, selectLastIndex: false, first);
        ArgMaxInt8.ArgMax(q, 2, 3, 1, smallest: false, selectLastIndex: true, last);
        Assert.Equal(new long[] { 1, 1 }, first);
        Assert.Equal(new long[] { 2, 2 }, last);
    }
}
