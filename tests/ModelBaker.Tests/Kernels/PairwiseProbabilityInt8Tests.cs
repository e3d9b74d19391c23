using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using Xunit.Abstractions;

namespace ModelBaker.Tests.Kernels;

/// <summary>
/// The integer Platt scaling and pairwise coupling (docs/classical-ml.md#int8-svm-probabilities) against the float step on
/// the dequantized decision values, so that only the kernel's own arithmetic is measured: random Platt coefficients and
/// decision values, 2 to 32 classes.
/// </summary>
public sealed class PairwiseProbabilityInt8Tests
{
    private readonly ITestOutputHelper _output;

    public PairwiseProbabilityInt8Tests(ITestOutputHelper output) => _output = output;

    private const int Rows = 200;

    private sealed record Case(PairwiseProbabilityInt8 Int8, sbyte[] Scores, float[] Float, QuantizationParameters Output);

    /// <summary>
    /// Random prob_a in [−4, −0.3] and prob_b in [−1, 1] (sklearn's Platt fits lie there), decision values spread over the
    /// int8 range at <paramref name="scale"/>; the float step's output on the dequantized values, and the int8 step.
    /// </summary>
    private static Case Make(int classes, double scale, int zeroPoint, int seed)
    {
        var rng = new Random(seed);
        int pairs = classes * (classes - 1) / 2;
        var probA = Enumerable.Range(0, pairs).Select(_ => (float)(-0.3 - 3.7 * rng.NextDouble())).ToArray();
        var probB = Enumerable.Range(0, pairs).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var scores = Enumerable.Range(0, Rows * pairs).Select(_ => (sbyte)rng.Next(-128, 128)).ToArray();
        var input = new ArenaSlice("f", ElementType.Float32, Rows * pairs, 0, new[] { Rows, pairs });
        var output = new ArenaSlice("p", ElementType.Float32, Rows * classes, 0, new[] { Rows, classes });
        var step = new PairwiseProbabilityFloat("svm", input, output, Rows, classes, probA, probB);
        var dequantized = scores.Select(q => FixedPoint.Dequantize(q, scale, zeroPoint)).ToArray();
        var expected = new float[Rows * classes];
        PairwiseProbabilityFloat.PairwiseProbability(dequantized, Rows, classes, probA, probB, expected);
        var context = new QuantizationContext(new Dictionary<ArenaSlice, (float Min, float Max)>
        {
            [input] = ((float)(scale * (-128 - zeroPoint)), (float)(scale * (127 - zeroPoint))), [output] = (0f, 1f),
        });
        Assert.Equal(zeroPoint, context.Parameters(input).ZeroPoint);
        var int8 = (PairwiseProbabilityInt8)step.Quantize(context);
        return new Case(int8, scores, expected, context.Parameters(output));
    }

    private static sbyte[] Run(Case c)
    {
        var got = new sbyte[Rows * c.Int8.Classes];
        var k = c.Int8;
        PairwiseProbabilityInt8.PairwiseProbability(c.Scores, Rows, k.Classes, k.InputZeroPoint, k.Slopes, k.Intercepts, k.Multiplier, k.Shift,
            k.OutputZeroPoint, got);
        return got;
    }

    /// <summary>
    /// Within 1.5 output steps of the float step (which itself stops within 0.005 / classes of the optimum, the same rule),
    /// and the mean error under a third of a step; every row sums to 1 within classes / 2 steps.
    /// </summary>
    [Theory]
    [InlineData(2, 0.05, 0)]
    [InlineData(3, 0.03, -10)]
    [InlineData(5, 0.08, 20)]
    [InlineData(8, 0.02, 0)]
    [InlineData(16, 0.05, 5)]
    [InlineData(32, 0.04, -3)]
    public void Integer_probabilities_follow_the_float_step(int classes, double scale, int zeroPoint)
    {
        var c = Make(classes, scale, zeroPoint, seed: classes);
        var got = Run(c);
        double step = c.Output.Scale, worst = 0, total = 0;
        for (int i = 0; i < got.Length; i++)
        {
            double error = Math.Abs(FixedPoint.Dequantize(got[i], c.Output.Scale, c.Output.ZeroPoint) - c.Float[i]);
            worst = Math.Max(worst, error);
            total += error;
        }
        for (int r = 0; r < Rows; r++)
        {
            double sum = Enumerable.Range(0, classes).Sum(j => FixedPoint.Dequantize(got[r * classes + j], c.Output.Scale, c.Output.ZeroPoint));
            Assert.InRange(sum, 1 - classes * step / 2 - 1e-6, 1 + classes * step / 2 + 1e-6);
        }
        _output.WriteLine($"{classes} classes: largest difference {worst:G3} ({worst / step:F2} steps), mean {total / got.Length / step:F3} steps");
        Assert.True(worst <= 1.5 * step, $"{worst / step:F2} steps");
        Assert.True(total / got.Length <= step / 3, $"mean {total / got.Length / step:F3} steps");
    }

    [Fact]
    public void Two_classes_give_the_Platt_value_and_its_complement()
    {
        var c = Make(2, 0.05, 0, seed: 7);
        var got = Run(c);
        for (int r = 0; r < Rows; r++)
        {
            double f = FixedPoint.Dequantize(c.Scores[r], 0.05, 0);
            double p = 1 / (1 + Math.Exp(c.Int8.Slopes[0] / (double)(1 << 24) / 0.05 * f + c.Int8.Intercepts[0] / (double)(1 << 24)));
            p = Math.Min(Math.Max(p, 1.0 / 32768), 1 - 1.0 / 32768);
            // p itself, through the Q15 sigmoid (≤ 2 · 2⁻¹⁵ off): at most a level from p rounded to the grid.
            Assert.InRange(got[2 * r] - FixedPoint.Quantize((float)p, c.Output.Scale, c.Output.ZeroPoint), -1, 1);
            Assert.InRange(got[2 * r + 1] - FixedPoint.Quantize((float)(1 - p), c.Output.Scale, c.Output.ZeroPoint), -1, 1);
        }
    }

    [Fact]
    public void Saturated_decision_values_keep_the_coupling_finite()
    {
        // |A·f| far past σ's range, every pair certain: r at its clamp 2⁻¹⁵, Q's diagonal near 0 for the winning class.
        var c = Make(6, 2.0, 0, seed: 3);
        var got = Run(c);
        for (int r = 0; r < Rows; r++)
        {
            var row = got.Skip(r * 6).Take(6).Select(q => FixedPoint.Dequantize(q, c.Output.Scale, c.Output.ZeroPoint)).ToArray();
            Assert.InRange(row.Sum(), 1 - 3 * c.Output.Scale - 1e-6, 1 + 3 * c.Output.Scale + 1e-6);
            var expected = c.Float.Skip(r * 6).Take(6).ToArray();
            for (int j = 0; j < 6; j++) Assert.InRange(Math.Abs(row[j] - expected[j]), 0, 1.5 * c.Output.Scale);
        }
    }

    [Fact]
    public void The_payload_round_trips()
    {
        var k = Make(5, 0.05, 3, seed: 1).Int8;
        var stream = new MemoryStream();
        k.WritePayload(new PlanBinaryWriter(stream));
        stream.Position = 0;
        var read = PairwiseProbabilityInt8.Read(new PlanBinaryReader(stream), "svm");
        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(k.Slopes, read.Slopes);
        Assert.Equal(k.Intercepts, read.Intercepts);
        Assert.Equal((k.Rows, k.Classes, k.InputZeroPoint, k.Multiplier, k.Shift, k.OutputZeroPoint),
            (read.Rows, read.Classes, read.InputZeroPoint, read.Multiplier, read.Shift, read.OutputZeroPoint));
        Assert.Equal((k.Input.Offset, k.Input.Length, k.Output.Offset, k.Output.Length), (read.Input.Offset, read.Input.Length, read.Output.Offset, read.Output.Length));
    }
}
