using ModelBaker.Core.Ir;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Operators;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Compression;

public sealed class BiasCorrectionTests
{
    /// <summary>
    /// One fully connected layer, 16 inputs uniform in [0, 1] to 4 units, each unit with one weight of 100 among weights
    /// near 0.3: its int8 step is 100/127 ≈ 0.79, so the small weights round to 0 or ±0.79 and, the inputs all being
    /// positive, the outputs shift systematically.
    /// </summary>
    private static (BakedPlan Float, BakedPlan Int8) Bake(TempFolder folder, bool correct)
    {
        var random = new Random(3);
        var weights = Enumerable.Range(0, 16 * 4).Select(i => i % 16 == i / 16 ? 100f : (float)(0.2 + 0.2 * random.NextDouble())).ToArray();
        Graph Build() => new GraphBuilder().Input("x", 1, 16).Constant("w", T.F(T.S(4, 16), weights))
            .Node("Gemm", new[] { "x", "w" }, new[] { "y" }, GraphBuilder.Int("transB", 1)).Output("y").Graph;
        string calibration = folder.Path("calibration.npy");
        Npy.Write(calibration, Samples(new Random(4), 200));
        var options = new BakeOptions("outliers.onnx", "Outliers", "Tests") { CalibrationPath = calibration, BiasCorrection = correct };
        return (Baker.Bake(Build(), "0", options with { Precision = Precision.Float32 }, new RecordingLog()),
            Baker.Bake(Build(), "0", options, new RecordingLog()));
    }

    private static float[][] Samples(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();

    /// <summary>Σ over the outputs of |mean over fresh inputs of (int8 − float)|: the systematic part of the error.</summary>
    private static double MeanShift(BakedPlan reference, BakedPlan plan)
    {
        var inputs = Samples(new Random(5), 500);
        var shift = new double[4];
        foreach (var input in inputs)
        {
            var expected = PlanInterpreter.Run(reference, new[] { input })[0];
            var actual = PlanInterpreter.Run(plan, new[] { input })[0];
            for (int i = 0; i < shift.Length; i++) shift[i] += (actual[i] - expected[i]) / inputs.Length;
        }
        return shift.Sum(Math.Abs);
    }

    [Fact]
    public void Correcting_the_mean_rounding_error_removes_the_systematic_shift_of_the_outputs()
    {
        using var folder = new TempFolder();
        var (reference, without) = Bake(folder, correct: false);
        var (_, with) = Bake(folder, correct: true);
        double before = MeanShift(reference, without), after = MeanShift(reference, with);
        Assert.True(after < 0.2 * before, $"mean output shift with bias correction {after:F4}, without {before:F4}");
    }
}
