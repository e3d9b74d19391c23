using ModelBaker.Core.Calibration;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Reporting;
using ModelBaker.Tests.Pipeline;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Compression;

/// <summary>The range-choosing methods on distributions whose answer is known.</summary>
public sealed class CalibrationMethodTests
{
    private static (long[] Histogram, double MaxAbs) NormalHistogram(int samples, int seed)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, samples).Select(_ =>
            Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())).ToArray();
        double maxAbs = values.Max(Math.Abs);
        var histogram = new long[RangeObserver.HistogramBins];
        foreach (double v in values) histogram[Math.Min(histogram.Length - 1, (int)(Math.Abs(v) / maxAbs * histogram.Length))]++;
        return (histogram, maxAbs);
    }

    [Theory]
    [InlineData(99.0, 2.576)]   // |N(0,1)| has 99 % of its mass below 2.576
    [InlineData(95.0, 1.960)]
    [InlineData(68.27, 1.0)]
    public void Percentile_finds_the_quantile_of_the_magnitudes(double percentile, double expected)
    {
        var (histogram, maxAbs) = NormalHistogram(200_000, 1);
        double threshold = RangeObserver.PercentileBins(histogram, percentile) * maxAbs / histogram.Length;
        Assert.InRange(threshold, expected - 0.03, expected + 0.03);
    }

    [Fact]
    public void Entropy_clips_the_tail_of_a_gaussian_but_keeps_its_body()
    {
        var (histogram, maxAbs) = NormalHistogram(200_000, 2);
        double threshold = RangeObserver.EntropyBins(histogram, levels: 128) * maxAbs / histogram.Length;
        Assert.InRange(threshold, 2.0, maxAbs * 0.95);
    }

    [Fact]
    public void Entropy_keeps_the_whole_range_of_a_uniform_distribution()
    {
        var histogram = Enumerable.Repeat(100L, RangeObserver.HistogramBins).ToArray();
        Assert.True(RangeObserver.EntropyBins(histogram, levels: 256) >= RangeObserver.HistogramBins * 0.95);
    }

    /// <summary>
    /// Values piled up on a few points (each channel's zeros moved to its BatchNormalization shift) beside a spread tail:
    /// the divergence alone clips most of the tail away; Entropy keeps at least 99.9 % of the values.
    /// </summary>
    [Fact]
    public void Entropy_keeps_nearly_every_value_of_a_tensor_piled_on_a_few_points()
    {
        var random = new Random(3);
        var histogram = new long[RangeObserver.HistogramBins];
        foreach (int spike in new[] { 40, 95, 170, 230 }) histogram[spike] += 50_000;
        for (int i = 0; i < 100_000; i++) histogram[(int)(random.NextDouble() * random.NextDouble() * histogram.Length)]++;
        long total = histogram.Sum();
        long Kept(int bins) => histogram.Take(bins).Sum();

        int divergenceOnly = RangeObserver.EntropyBins(histogram, levels: 256);
        int chosen = RangeObserver.ClippingBins(histogram, Core.Options.CalibrationMethod.Entropy, 99.99, nonNegative: true);
        Assert.True(Kept(divergenceOnly) < 0.999 * total, $"the divergence alone kept {Kept(divergenceOnly)} of {total}: no longer the case this guards");
        Assert.True(Kept(chosen) >= 0.999 * total, $"kept {Kept(chosen)} of {total}");
    }

    /// <summary>
    /// No calibration method destroys a model: the zoo's CNN with BatchNormalization after each ReLU lost 86.9 points of
    /// top-1 at int8 with Entropy (a ReLU output's zeros, half its values, decided its clipping point), and the
    /// depthwise-separable CNN 31.5; MinMax and Percentile lost at most 0.3 (docs/compression.md, "Calibration").
    /// </summary>
    [Theory]
    [InlineData("cnn_bn", Core.Options.CalibrationMethod.Entropy)]
    [InlineData("dscnn1", Core.Options.CalibrationMethod.Entropy)]
    [InlineData("cnn_bn", Core.Options.CalibrationMethod.Percentile)]
    public void Every_calibration_method_keeps_a_zoo_cnns_top1_within_a_point(string name, Core.Options.CalibrationMethod method)
    {
        var model = ZooTests.Models().Single(m => m.Name == name);
        var options = new BakeOptions(model.Onnx, "Zoo", "Zoo")
        {
            CalibrationPath = model.DataFile("calibration.npy"),
            CalibrationMethod = method,
            ValidationPath = model.DataFile("test_x.npy"),
            ValidationLabelsPath = model.DataFile("test_y.npy"),
        };
        var (_, report) = Baker.BakeWithReport(options, new RecordingLog());
        Assert.True(report.Validation!.Drop <= 1.0, $"{name} with {method}: top-1 {report.Validation.FloatTop1:0.00} → {report.Validation.BakedTop1:0.00}");
    }
    /// <summary>
    /// A plain int8 bake with calibration data and no Validation is judged on its calibration samples: a calibration that
    /// clips the model to pieces (Percentile 5: nearly every value saturates) warns with MB1418, states the agreement, and
    /// the summary line says which data judged it; with MaxAccuracyDrop set it fails with MB1401; a sound bake says nothing.
    /// </summary>
    [Fact]
    public void A_plain_int8_bake_that_disagrees_on_its_calibration_samples_warns_or_fails_with_both_numbers()
    {
        var model = ZooTests.Models().Single(m => m.Name == "cnn_bn");
        BakeOptions Options(double percentile, double? maxDrop = null) => new(model.Onnx, "Zoo", "Zoo")
        {
            CalibrationPath = model.DataFile("calibration.npy"),
            CalibrationMethod = Core.Options.CalibrationMethod.Percentile,
            CalibrationPercentile = percentile,
            MaxAccuracyDrop = maxDrop,
        };

        var log = new RecordingLog();
        var (_, clipped) = Baker.BakeWithReport(Options(5), log);
        var warning = Assert.Single(log.Warnings, w => w.Code == "MB1418");
        var check = clipped.CalibrationCheck!;
        Assert.Equal(ReportBuilder.ErrorSamples, check.Samples);
        Assert.True(check.Agreement < 90, $"Percentile 5 kept {check.Agreement:0.00}% agreement: the test needs a collapse");
        Assert.Contains(FormattableString.Invariant($"agrees with the float model's top-1 on only {check.Agreement:0.00}% of {check.Samples} calibration samples"), warning.Message);
        Assert.Contains(FormattableString.Invariant($"a drop of {100 - check.Agreement:0.00} points"), warning.Message);
        Assert.Contains(FormattableString.Invariant($"agreement with float {check.Agreement:0.00}% on {check.Samples} calibration samples (optimistic"), clipped.Summary("Zoo"));
        Assert.Contains("\"calibrationCheck\"", clipped.ToJson());

        var gate = Assert.Throws<Core.Diagnostics.BakeException>(() => Baker.BakeWithReport(Options(5, maxDrop: 2), new RecordingLog()));
        Assert.Equal("MB1401", gate.Code);
        Assert.Contains("more than MaxAccuracyDrop=2", gate.Message);

        var soundLog = new RecordingLog();
        var (_, sound) = Baker.BakeWithReport(Options(99.99), soundLog);
        Assert.DoesNotContain(soundLog.Warnings, w => w.Code == "MB1418");
        Assert.True(sound.CalibrationCheck!.Agreement >= 99, $"{sound.CalibrationCheck.Agreement:0.00}%");
    }
}
