using ModelBaker.Core.Calibration;

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
}
