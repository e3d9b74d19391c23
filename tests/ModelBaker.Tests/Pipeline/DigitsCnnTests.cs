using ModelBaker.Core.Codegen;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Reporting;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;
using ModelBaker.Core.Options;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;

namespace ModelBaker.Tests.Pipeline;

/// <summary>
/// The trained sample CNNs (sample-app/models): a plain digits CNN and a MobileNet-style depthwise-separable one with
/// a residual Add and ReLU6, baked to int8 and measured on the 359 held-out digits against the float model.
/// </summary>
public sealed class DigitsCnnTests
{
    private readonly ITestOutputHelper _output;
    public DigitsCnnTests(ITestOutputHelper output) => _output = output;

    private static BakeOptions Options(string model, float sparsity) =>
        new(TestData.Path("sample", "models", model + ".onnx"), Names.Pascal(model), "Samples")
        {
            Sparsity = sparsity,
            CalibrationPath = SampleModels.DigitsCalibration,
            ValidationPath = TestData.Path("sample", "data", "digits_test_x.npy"),
            ValidationLabelsPath = TestData.Path("sample", "data", "digits_test_y.npy"),
        };

    [Theory]
    [InlineData("digits_cnn", 0.0f, 0.3)]
    [InlineData("digits_cnn", 0.5f, 1.0)]   // the bar: Sparsity 0.5 + int8 within 1 point
    [InlineData("digits_dscnn", 0.0f, 0.3)]
    [InlineData("digits_dscnn", 0.5f, 1.0)] // the same bar for the depthwise-separable CNN with its residual Add
    public void int8_top_one_stays_within_bound(string model, float sparsity, double maxDrop)
    {
        var (plan, report) = Baker.BakeWithReport(Options(model, sparsity), new RecordingLog());
        var v = report.Validation!;
        _output.WriteLine($"{model} sparsity {sparsity}: float {v.FloatTop1:F2}% int8 {v.BakedTop1:F2}%, {report.FloatWeightBytes} -> {report.BakedWeightBytes} bytes, arena {plan.ArenaBytes}");
        Assert.True(v.Drop <= maxDrop, $"{model}: float {v.FloatTop1:F2}% vs baked {v.BakedTop1:F2}%");
    }

    [Theory]
    [InlineData("digits_cnn")]
    [InlineData("digits_dscnn")] // its residual stream loses few channels, the features before the classifier many
    public void Structured_pruning_at_half_keeps_top_one_within_half_a_point_in_a_sixth_of_the_bytes(string model)
    {
        var (plan, report) = Baker.BakeWithReport(Options(model, 0.5f) with { Pruning = PruningMode.Structured }, new RecordingLog());
        var v = report.Validation!;
        _output.WriteLine($"float {v.FloatTop1:F2}% int8 {v.BakedTop1:F2}%, {report.FloatWeightBytes} -> {report.BakedWeightBytes} bytes, arena {plan.ArenaBytes}");
        Assert.True(v.Drop <= 0.5, $"float {v.FloatTop1:F2}% vs baked {v.BakedTop1:F2}%");
        Assert.True(6 * report.BakedWeightBytes <= report.FloatWeightBytes, $"{report.FloatWeightBytes} -> {report.BakedWeightBytes} bytes");
        Assert.InRange(report.AchievedSparsity, 0.5, 0.52);
    }

    [Theory]
    [InlineData("digits_cnn", 0.5f, null, "bitmask")]
    [InlineData("digits_dscnn", 0.5f, null, "bitmask")]
    [InlineData("digits_cnn", 0.75f, 16, "clustered-bitmask")]      // clustered convolutions: codes after a bitmask,
    [InlineData("digits_dscnn", 0.75f, 16, "clustered-index-delta")] // (zeros skipped, code) entries
    public void Generated_CNN_code_is_bit_identical_to_the_interpreter_and_allocates_nothing(string model, float sparsity, int? clusters, string convEncoding)
    {
        var plan = Baker.Bake(Options(model, sparsity) with { Clusters = clusters, ValidationPath = null, ValidationLabelsPath = null }, new RecordingLog());
        Assert.Contains(convEncoding, plan.Kernels.OfType<ConvInt8ChannelsLast>().Select(k => k.Encoding));
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), "Samples." + Names.Pascal(model));
        foreach (var input in SampleModels.DigitsTestInputs().Take(60))
        {
            var expected = PlanInterpreter.Run(plan, new[] { input })[0];
            Assert.Equal(expected, generated.Predict(input, expected.Length));
        }
        Assert.Equal(0, generated.AllocatedBytes(SampleModels.DigitsTestInputs()[0], new float[10], calls: 500));
    }
}
