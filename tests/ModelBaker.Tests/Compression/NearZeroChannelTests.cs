using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Compression;

/// <summary>
/// A depthwise layer whose channels' max |w| span 1e-6 to 175 (a folded BatchNormalization's dead channel beside a
/// live one, as in MobileNetV2): the near-zero channel's bias must survive int8 (issue 16, item 5's depthwise spikes).
/// </summary>
public sealed class NearZeroChannelTests
{
    private const int Channels = 4, Size = 5;

    /// <summary>x [1, 4, 5, 5] → depthwise 3×3 Conv (pads 1) → y.</summary>
    private static Graph Depthwise()
    {
        var random = new Random(11);
        var weights = new float[Channels * 9];
        for (int k = 0; k < 9; k++)
        {
            weights[k] = 1e-6f * (0.5f + k / 16f);                               // dead channel: max |w| 1e-6
            weights[9 + k] = k == 4 ? 175f : (float)(random.NextDouble() - 0.5); // one tap of 175
            weights[18 + k] = (float)(random.NextDouble() * 2 - 1);
            weights[27 + k] = (float)(random.NextDouble() * 2 - 1);
        }
        return new GraphBuilder(13).Input("x", 1, Channels, Size, Size)
            .Constant("w", T.F(T.S(Channels, 1, 3, 3), weights)).Constant("b", T.F(T.S(Channels), 30f, 0.1f, -0.5f, 0.25f))
            .Node("Conv", new[] { "x", "w", "b" }, new[] { "y" }, GraphBuilder.Int("group", Channels), GraphBuilder.Ints("pads", 1, 1, 1, 1))
            .Output("y").Graph;
    }

    /// <summary>Post-ReLU6 inputs in [0, 6].</summary>
    private static float[] Input(Random random) => Enumerable.Range(0, Channels * Size * Size).Select(_ => (float)(random.NextDouble() * 6)).ToArray();

    [Fact]
    public void A_near_zero_depthwise_channel_keeps_its_bias_in_int8()
    {
        using var folder = new TempFolder();
        string calibration = folder.Path("calibration.npy");
        var random = new Random(12);
        Npy.Write(calibration, Enumerable.Range(0, 32).Select(_ => Input(random)).ToArray());
        var options = new BakeOptions("depthwise.onnx", "Depthwise", "Tests") { CalibrationPath = calibration };
        var reference = Baker.Bake(Depthwise(), "test", options with { Precision = Precision.Float32 }, new RecordingLog());
        var int8 = Baker.Bake(Depthwise(), "test", options with { Precision = Precision.Int8 }, new RecordingLog());
        var probe = Input(new Random(13));
        var expected = PlanInterpreter.Run(reference, new[] { probe })[0];
        var actual = PlanInterpreter.Run(int8, new[] { probe })[0];
        // The dead channel's outputs (≈ 30, its bias) within one output step of the float model's: before, the saturated
        // bias wrapped around when the input zero point was folded in, and they came out 0. The others within what the
        // input's rounding (half a step of 6 / 255, times up to 175) and the output's allow.
        float step = (expected.Max() - Math.Min(0, expected.Min())) / 255;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= (i < Size * Size ? 1 : 2.5) * step,
                $"output {i} (channel {i / (Size * Size)}): float {expected[i]}, int8 {actual[i]}, step {step}");
        double relative = Math.Sqrt(expected.Zip(actual, (e, a) => (double)(e - a) * (e - a)).Sum() / expected.Sum(e => (double)e * e));
        Assert.InRange(relative, 0, 0.02);
    }
}
