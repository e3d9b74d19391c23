using ModelBaker.Core.Codegen;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Serialization;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// The sample models baked for nanoFramework: the file compiles against nanoFramework's mscorlib with no generic
/// instantiation and no other reference, and — compiled for .NET — gives exactly the .NET flavour's and the int8
/// interpreter's outputs on every held-out digit, through Predict and PredictQuantized alike.
/// </summary>
public sealed class NanoSampleModelTests
{
    public static TheoryData<string, string, float, int> Models => new()
    {
        { "digits_mlp.onnx", "DigitsMlp", 0.5f, 0 }, // the sample app's model and settings
        { "digits_mlp.onnx", "DigitsMlp", 0f, 0 },
        { "digits_mlp.onnx", "DigitsMlp", 0.97f, 0 }, // index-delta weights
        { "digits_cnn.onnx", "DigitsCnn", 0f, 0 },
        { "digits_cnn.onnx", "DigitsCnn", 0.5f, 0 }, // bitmask convolution weights, decoded into a row field
        { "digits_dscnn.onnx", "DigitsDscnn", 0f, 0 },
        { "digits_dscnn.onnx", "DigitsDscnn", 0.75f, 16 }, // clustered convolutions: codes, and index-delta entries
    };

    private static BakedPlan Bake(string model, string className, float sparsity, CodeTarget target, int clusters = 0) =>
        Baker.Bake(new BakeOptions(TestData.Path("sample", "models", model), className, "Samples")
        {
            Sparsity = sparsity,
            Clusters = clusters > 0 ? clusters : null,
            CalibrationPath = SampleModels.DigitsCalibration,
            Target = target,
        }, new RecordingLog());

    [Theory]
    [MemberData(nameof(Models))]
    public void Nano_code_compiles_for_nanoFramework_and_matches_the_net_flavour_and_the_interpreter_on_every_held_out_digit(
        string model, string className, float sparsity, int clusters)
    {
        var nanoPlan = Bake(model, className, sparsity, CodeTarget.NanoFramework, clusters);
        var netPlan = Bake(model, className, sparsity, CodeTarget.Net, clusters);
        Assert.Equal(CodeTarget.NanoFramework, PlanFile.Read(PlanFile.ToBytes(nanoPlan)).Header.Target);
        string nanoSource = ClassEmitter.Emit(nanoPlan);
        Assert.Contains("PredictQuantized(sbyte[] input, sbyte[] output)", nanoSource);
        Assert.DoesNotContain("Span", nanoSource);
        Assert.DoesNotContain("Math.", nanoSource);
        Assert.DoesNotContain("stackalloc", nanoSource);

        NanoCompiler.AssertNanoFrameworkClean(nanoSource);
        var nano = NanoCompiler.CompileForNet(nanoSource, "Samples." + className);
        string fullName = "Samples." + className;
        var net = NanoCompiler.CompileForNet(ClassEmitter.Emit(netPlan), fullName, $$"""
            public static class Harness
            {
                public static void Predict(float[] input, float[] output) => {{fullName}}.Predict(input, output);
                public static void PredictQuantized(sbyte[] input, sbyte[] output) => {{fullName}}.PredictQuantized(input, output);
            }
            """, Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp12);
        var harness = net.Assembly.GetType("Harness")!;

        int outputLength = NanoCompiler.Constant<int>(nano, "OutputLength");
        double inputScale = NanoCompiler.Constant<double>(nano, "InputScale");
        int inputZeroPoint = NanoCompiler.Constant<int>(nano, "InputZeroPoint");
        Assert.Equal(netPlan.ArenaBytes, NanoCompiler.Constant<int>(nano, "ArenaBytes"));
        Assert.Equal(nanoPlan.WeightBytes, NanoCompiler.Constant<int>(nano, "WeightBytes"));
        // The same weights, stored the same way; a sparse or clustered layer decodes one unit (or channel) at a time
        // into a row buffer of its own, in .NET all its weights once.
        Assert.Equal(netPlan.WeightBytes, nanoPlan.WeightBytes);
        var encodedConvolutions = nanoPlan.Kernels.OfType<ConvInt8>().Where(c => c.Encoded.Encoding != WeightEncoding.Dense).ToList();
        var encodedLayers = nanoPlan.Kernels.OfType<FullyConnectedInt8>().Where(c => c.Encoded.Encoding != WeightEncoding.Dense).ToList();
        if (nanoPlan.Kernels.Any(k => k is ConvInt8)) Assert.Equal(sparsity > 0, encodedConvolutions.Count > 0);
        // Besides, one workspace the steps share, as large as the largest padded layer's framed input channels: the CNN's
        // 8 → 16 convolution frames its eight 8 × 8 channels in 10 × 10; the depthwise CNN's stem and first depthwise layer one.
        int framed = model switch { "digits_cnn.onnx" => 8 * 10 * 10, "digits_dscnn.onnx" => 10 * 10, _ => 0 };
        Assert.Equal(framed, nanoPlan.Kernels.Max(k => k.NanoWorkspaceBytes));
        Assert.Equal(encodedConvolutions.Sum(c => c.Geometry.WeightsPerChannel) + encodedLayers.Sum(fc => fc.Depth) + framed,
            NanoCompiler.Constant<int>(nano, "ScratchBytes"));
        // .NET decodes those layers' weights once, and packs every channels-last convolution's weights and parameters once.
        var packedConvolutions = netPlan.Kernels.OfType<ConvInt8ChannelsLast>().ToList();
        Assert.Equal(encodedConvolutions.Count, packedConvolutions.Count(c => c.Encoded.Encoding != WeightEncoding.Dense));
        Assert.Equal(encodedConvolutions.Sum(c => c.Weights.Length) + encodedLayers.Sum(fc => fc.Weights.Length)
                + packedConvolutions.Sum(c => c.DecodedWeightBytes - (c.Encoded.Encoding != WeightEncoding.Dense ? c.Weights.Length : 0)),
            NanoCompiler.Constant<int>(net, "ScratchBytes"));
        Assert.Equal(NanoCompiler.Constant<int>(net, "ArenaBytes"), NanoCompiler.Constant<int>(nano, "ArenaBytes"));

        foreach (var digit in SampleModels.DigitsTestInputs())
        {
            var expected = PlanInterpreter.Run(netPlan, new[] { digit })[0];
            var fromNano = NanoCompiler.Predict(nano, digit, outputLength);
            var fromNet = new float[outputLength];
            NanoCompiler.Call(harness, "Predict", digit, fromNet);
            Assert.Equal(expected, fromNano);
            Assert.Equal(expected, fromNet);

            var quantized = digit.Select(v => FixedPoint.Quantize(v, inputScale, inputZeroPoint)).ToArray();
            sbyte[] nanoQ = new sbyte[outputLength], netQ = new sbyte[outputLength];
            NanoCompiler.Call(nano, "PredictQuantized", quantized, nanoQ);
            NanoCompiler.Call(harness, "PredictQuantized", quantized, netQ);
            Assert.Equal(netQ, nanoQ);
            double outputScale = NanoCompiler.Constant<double>(nano, "OutputScale");
            int outputZeroPoint = NanoCompiler.Constant<int>(nano, "OutputZeroPoint");
            Assert.Equal(expected, nanoQ.Select(q => FixedPoint.Dequantize(q, outputScale, outputZeroPoint)).ToArray());
        }
    }

    [Fact]
    public void The_digits_cnn_arena_equals_its_lower_bound()
    {
        var plan = Bake("digits_cnn.onnx", "DigitsCnn", 0, CodeTarget.NanoFramework);
        int lowerBound = ClassEmitter.LowerBoundBytes(plan);
        Assert.Equal(lowerBound, plan.ArenaBytes);
        // The bound is at least what one step needs at once: its output and the inputs it does not overwrite.
        Assert.True(plan.Kernels.Max(k => k.Output.Length + k.Reads.Where(r => r != k.InPlaceInput).Sum(r => r.Length)) <= lowerBound);
    }

    [Theory]
    [InlineData("digits_mlp.onnx")]
    [InlineData("digits_cnn.onnx")]
    [InlineData("digits_dscnn.onnx")]
    public void Int8_weights_of_every_sample_model_fit_under_64_KB(string model)
    {
        var plan = Bake(model, "Model", 0, CodeTarget.NanoFramework);
        Assert.True(plan.WeightBytes < 64 * 1024, $"{model}: {plan.WeightBytes} bytes of weights");
    }

    [Fact]
    public void Wrong_lengths_and_null_arrays_throw_ArgumentException()
    {
        var nano = NanoCompiler.CompileForNet(ClassEmitter.Emit(Bake("digits_mlp.onnx", "DigitsMlp", 0.5f, CodeTarget.NanoFramework)), "Samples.DigitsMlp");
        Assert.Throws<ArgumentException>(() => NanoCompiler.Call(nano, "Predict", new float[63], new float[10]));
        Assert.Throws<ArgumentException>(() => NanoCompiler.Call(nano, "Predict", new float[64], new float[11]));
        Assert.Throws<ArgumentException>(() => NanoCompiler.Call(nano, "PredictQuantized", new sbyte[64], new sbyte[9]));
        Assert.Throws<ArgumentException>(() => NanoCompiler.Call(nano, "Predict", null!, new float[10]));
    }
}
