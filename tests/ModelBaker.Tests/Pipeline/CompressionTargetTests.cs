using ModelBaker.Core.Calibration;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Reporting;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Pipeline;

/// <summary>
/// The Sparsity 0.5 target of docs/compression.md with the default pruning: at most 1/6 of the float32 bytes, and top-1
/// on the 359 held-out digits within half a point. Calibrated on 200 digits here for speed (the measured table uses
/// 1,438); mnist-8 needs the 1,438 for the half point (0.56 on 200), so here it is held to 1 point.
/// </summary>
public sealed class CompressionTargetTests
{
    private readonly ITestOutputHelper _output;
    public CompressionTargetTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData("digits_mlp", 0.5)]
    [InlineData("digits_cnn", 0.5)]
    [InlineData("mnist8", 1.0)]
    public void Half_sparsity_stores_a_sixth_of_the_float_bytes(string model, double maxDrop)
    {
        using var folder = new TempFolder();
        bool mnist = model == "mnist8";
        var options = new BakeOptions(mnist ? TestData.Path("models", "mnist8", "model.onnx") : TestData.Path("sample", "models", model + ".onnx"),
            Names.Pascal(model), "Samples")
        {
            Sparsity = 0.5f,
            CalibrationPath = mnist ? FirstSamples(TestData.Path("sample", "data", "mnist8_calibration.npy"), 200, folder.Path("calibration.npy"))
                : SampleModels.DigitsCalibration,
            ValidationPath = TestData.Path("sample", "data", (mnist ? "mnist8" : "digits") + "_test_x.npy"),
            ValidationLabelsPath = TestData.Path("sample", "data", (mnist ? "mnist8" : "digits") + "_test_y.npy"),
        };

        var (_, report) = Baker.BakeWithReport(options, new RecordingLog());

        var v = report.Validation!;
        _output.WriteLine($"{model}: float {v.FloatTop1:F2}% int8 {v.BakedTop1:F2}%, {report.FloatWeightBytes} -> {report.BakedWeightBytes} bytes");
        Assert.True(6 * report.BakedWeightBytes <= report.FloatWeightBytes, $"{model}: {report.FloatWeightBytes} -> {report.BakedWeightBytes} bytes");
        Assert.True(v.Drop <= maxDrop, $"{model}: float {v.FloatTop1:F2}% vs baked {v.BakedTop1:F2}%");
    }

    /// <summary>
    /// The Sparsity 0.75 + Clusters 16 target (at most 1/12 of the float32 bytes, top-1 within 1.5 points) on the model
    /// that needs more than layer-wise recovery to reach it: the depthwise-separable CNN with Distillation="Network",
    /// calibrated on the 1,438 training digits as in the measured table (15.6 points without it).
    /// </summary>
    [Fact]
    public void Three_quarters_sparsity_with_sixteen_clusters_and_network_distillation_stores_a_twelfth_of_the_float_bytes()
    {
        var options = new BakeOptions(TestData.Path("sample", "models", "digits_dscnn.onnx"), "DigitsDscnn", "Samples")
        {
            Sparsity = 0.75f,
            Clusters = 16,
            Distillation = DistillationScope.Network,
            CalibrationPath = TestData.Path("sample", "data", "digits_train_x.npy"),
            ValidationPath = TestData.Path("sample", "data", "digits_test_x.npy"),
            ValidationLabelsPath = TestData.Path("sample", "data", "digits_test_y.npy"),
        };

        var (_, report) = Baker.BakeWithReport(options, new RecordingLog());

        var v = report.Validation!;
        _output.WriteLine($"float {v.FloatTop1:F2}% int8 {v.BakedTop1:F2}%, {report.FloatWeightBytes} -> {report.BakedWeightBytes} bytes");
        Assert.True(12 * report.BakedWeightBytes <= report.FloatWeightBytes, $"{report.FloatWeightBytes} -> {report.BakedWeightBytes} bytes");
        Assert.True(v.Drop <= 1.5, $"float {v.FloatTop1:F2}% vs baked {v.BakedTop1:F2}%");
    }

    /// <summary>The first <paramref name="count"/> samples of a .npy file, as float32 (the values are the same).</summary>
    private static string FirstSamples(string path, int count, string destination)
    {
        var all = NpyReader.Read(path);
        var values = all.AsFloats();
        int perSample = values.Length / all.Shape[0];
        Npy.Write(destination, Enumerable.Range(0, count).Select(i => values.AsSpan(i * perSample, perSample).ToArray()).ToArray());
        return destination;
    }
}
