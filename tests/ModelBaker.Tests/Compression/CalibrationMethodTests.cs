using ModelBaker.Core.Calibration;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
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
}
