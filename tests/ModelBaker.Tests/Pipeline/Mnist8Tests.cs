using ModelBaker.Core.Codegen;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Pipeline;

/// <summary>
/// The ONNX model zoo MNIST CNN (Conv, Relu, MaxPool, Reshape, MatMul, Add; raw 0–255 pixels): baked in float it
/// reproduces its three reference outputs through the generated code; baked in int8 (calibrated on those three
/// images, the only real inputs that come with it) it picks the same digit.
/// </summary>
public sealed class Mnist8Tests
{
    private static string Model => TestData.Path("models", "mnist8", "model.onnx");

    public static IEnumerable<object[]> Sets => Enumerable.Range(0, 3).Select(set => new object[] { set });

    private static (float[] Input, float[] Expected) Load(int set)
    {
        string folder = TestData.Path("models", "mnist8", $"test_data_set_{set}");
        return (TensorConverter.ReadTensorFile(Path.Combine(folder, "input_0.pb")).Floats!,
            TensorConverter.ReadTensorFile(Path.Combine(folder, "output_0.pb")).Floats!);
    }

    private static readonly Lazy<BakedPlan> FloatPlan = new(() =>
        Baker.Bake(new BakeOptions(Model, "Mnist8", "Tests") { Precision = Precision.Float32 }, new RecordingLog()));

    private static readonly Lazy<BakedPlan> Int8Plan = new(() =>
        Baker.Bake(new BakeOptions(Model, "Mnist8", "Tests") { CalibrationPath = TestData.Path("models", "mnist8") }, new RecordingLog()));

    [Fact]
    public void Bakes_to_convolution_pooling_and_fully_connected_steps()
    {
        Assert.Equal(new[] { KernelKind.ConvFloat, KernelKind.PoolFloat, KernelKind.ConvFloat, KernelKind.PoolFloat, KernelKind.FullyConnectedFloat },
            FloatPlan.Value.Kernels.Select(k => k.Kind));
        // .NET runs the convolutions and pools channels last (one input channel needs no conversion), and converts before the classifier.
        Assert.Equal(new[] { KernelKind.ConvInt8ChannelsLast, KernelKind.PoolInt8ChannelsLast, KernelKind.ConvInt8ChannelsLast, KernelKind.PoolInt8ChannelsLast,
                KernelKind.ChannelsLastTranspose, KernelKind.FullyConnectedInt8 },
            Int8Plan.Value.Kernels.Select(k => k.Kind));
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Float_generated_code_matches_the_reference_outputs(int set)
    {
        var (input, expected) = Load(set);
        var actual = GeneratedAssembly.Compile(ClassEmitter.Emit(FloatPlan.Value), "Tests.Mnist8").Predict(input, expected.Length);
        // Logits are in the thousands; float sums in another order differ in the last bits of the largest.
        double tolerance = 1e-4 * expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"set {set}, logit {i}: {actual[i]} vs {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Int8_picks_the_same_digit(int set)
    {
        var (input, expected) = Load(set);
        var reference = PlanInterpreter.Run(Int8Plan.Value, new[] { input })[0];
        Assert.Equal(SampleModels.ArgMax(expected), SampleModels.ArgMax(reference));
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(Int8Plan.Value), "Tests.Mnist8");
        Assert.Equal(reference, generated.Predict(input, reference.Length));
    }
}
