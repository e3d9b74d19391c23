using ModelBaker.Core.Calibration;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// A small transformer encoder (build/make_digits_transformer.py: digits as 8 tokens, LayerNormalization, 2-head attention
/// written as MatMul / Transpose / Softmax, the erf GELU, residual Adds, mean pooling) baked int8 for .NET and for
/// nanoFramework: every step integer, the interpreter, the .NET class and the nanoFramework class equal bit for bit, and
/// the int8 logits close to the float model's, which equals ONNX Runtime.
/// </summary>
public sealed class TransformerInt8Tests
{
    private readonly ITestOutputHelper _output;

    public TransformerInt8Tests(ITestOutputHelper output) => _output = output;

    private static string Model => TestData.Path("transformer", "digits_transformer.onnx");

    private static float[][] Samples(string file)
    {
        var t = NpyReader.Read(TestData.Path("transformer", file));
        var all = t.AsFloats();
        int length = all.Length / t.Shape[0];
        return Enumerable.Range(0, t.Shape[0]).Select(i => all.AsSpan(i * length, length).ToArray()).ToArray();
    }

    private static BakedPlan Bake(CodeTarget target) =>
        Baker.Bake(new BakeOptions(Model, "DigitsTransformer", "Tests")
        {
            Precision = Precision.Int8, CalibrationPath = TestData.Path("transformer", "calibration.npy"), Target = target,
        }, new RecordingLog());

    [Fact]
    public void The_float_model_matches_ONNX_Runtime()
    {
        var graph = OnnxModelReader.Load(Model);
        Assert.Contains(graph.Nodes, n => n.OpType == "LayerNormalization");
        Assert.Contains(graph.Nodes, n => n.OpType == "Erf");
        foreach (var sample in Samples("test_x.npy").Take(8))
        {
            var feeds = new Dictionary<string, Tensor> { ["rows"] = Tensor.FromFloats(new[] { 1, 8, 8 }, sample) };
            OrtOracle.AssertMatches(graph, feeds, FloatInterpreter.Run(graph, feeds), "digits transformer");
        }
    }

    [Fact]
    public void Int8_for_NET_and_nanoFramework_runs_integer_steps_only_and_all_three_agree_bit_for_bit()
    {
        var net = Bake(CodeTarget.Net);
        var nano = Bake(CodeTarget.NanoFramework);
        foreach (var plan in new[] { net, nano })
        {
            Assert.Empty(plan.Kernels.Where(k => k is IFloatOnlyKernel || k is FloatIslandBoundary || k.Output.Type != ElementType.Int8).Select(k => $"{k.Source}: {k.Kind}"));
            Assert.Equal(3, plan.Kernels.Count(k => k is LayerNormInt8));
            Assert.Equal(2, plan.Kernels.Count(k => k is MatMulInt8));
            Assert.Contains(plan.Kernels, k => k is SoftmaxInt8);
        }
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(net), "Tests.DigitsTransformer");
        string nanoSource = ClassEmitter.Emit(nano);
        NanoCompiler.AssertNanoFrameworkClean(nanoSource); // mscorlib only, within every nanoCLR limit
        var nanoClass = NanoCompiler.CompileForNet(nanoSource, "Tests.DigitsTransformer");
        foreach (var sample in Samples("test_x.npy"))
        {
            var expected = PlanInterpreter.Run(net, new[] { sample })[0];
            Assert.Equal(expected, generated.Predict(sample, 10));
            Assert.Equal(expected, PlanInterpreter.Run(nano, new[] { sample })[0]);
            Assert.Equal(expected, NanoCompiler.Predict(nanoClass, sample, 10));
        }
        Assert.Equal(0, generated.AllocatedBytes(Samples("test_x.npy")[0], new float[10], 50));
    }

    /// <summary>
    /// The compact convolutional transformer of tests/data/realmodels (Deeploy's CCT: convolutional tokenizer, LayerNormalization,
    /// attention, com.microsoft Gelu), calibrated on inputs drawn like its test input, baked int8 for .NET and for
    /// nanoFramework: integer steps only, and the three runs equal.
    /// </summary>
    [Fact]
    public void The_compact_convolutional_transformer_bakes_for_nanoFramework_and_equals_the_NET_flavour()
    {
        string folder = TestData.Path("realmodels", "deeploy_CCT_FP32_CCT_1_16_16_8");
        var input = Core.Onnx.TensorConverter.ReadTensorFile(Path.Combine(folder, "test_data_set_0", "input_0.pb")).AsFloats();
        float low = input.Min(), high = input.Max();
        float[] Draw(int seed)
        {
            var rng = new Random(seed);
            return input.Select(_ => low + (float)rng.NextDouble() * (high - low)).ToArray();
        }
        using var temp = new TempFolder();
        string calibration = temp.Path("calibration.npy");
        Npy.Write(calibration, Enumerable.Range(0, 16).Select(Draw).ToArray());
        BakedPlan BakeFor(CodeTarget target) => Baker.Bake(new BakeOptions(Path.Combine(folder, "model.onnx"), "Cct", "Tests")
            { Precision = Precision.Int8, CalibrationPath = calibration, Target = target }, new RecordingLog());
        var net = BakeFor(CodeTarget.Net);
        var nano = BakeFor(CodeTarget.NanoFramework);
        Assert.Empty(nano.Kernels.Where(k => k is IFloatOnlyKernel || k.Output.Type != ElementType.Int8).Select(k => $"{k.Source}: {k.Kind}"));
        Assert.Contains(nano.Kernels, k => k is LayerNormInt8);
        int outputs = net.Outputs[0].Length;
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(net), "Tests.Cct");
        string nanoSource = ClassEmitter.Emit(nano);
        NanoCompiler.AssertNanoFrameworkClean(nanoSource);
        var nanoClass = NanoCompiler.CompileForNet(nanoSource, "Tests.Cct");
        foreach (var sample in new[] { input }.Concat(Enumerable.Range(100, 4).Select(Draw)))
        {
            var expected = PlanInterpreter.Run(net, new[] { sample })[0];
            Assert.Equal(expected, generated.Predict(sample, outputs));
            Assert.Equal(expected, PlanInterpreter.Run(nano, new[] { sample })[0]);
            Assert.Equal(expected, NanoCompiler.Predict(nanoClass, sample, outputs));
        }
    }

    [Fact]
    public void The_int8_logits_follow_the_float_model()
    {
        var graph = OnnxModelReader.Load(Model);
        var plan = Bake(CodeTarget.NanoFramework);
        var labels = NpyReader.Read(TestData.Path("transformer", "test_y.npy")).AsFloats();
        double signal = 0, noise = 0;
        int agree = 0, floatCorrect = 0, int8Correct = 0, index = 0;
        foreach (var sample in Samples("test_x.npy"))
        {
            var feeds = new Dictionary<string, Tensor> { ["rows"] = Tensor.FromFloats(new[] { 1, 8, 8 }, sample) };
            var reference = FloatInterpreter.Run(graph, feeds)["logits"].AsFloats();
            var int8 = PlanInterpreter.Run(plan, new[] { sample })[0];
            signal += reference.Sum(v => (double)v * v);
            noise += reference.Zip(int8, (e, a) => (double)(a - e) * (a - e)).Sum();
            int floatClass = ArgMax(reference), int8Class = ArgMax(int8);
            agree += floatClass == int8Class ? 1 : 0;
            floatCorrect += floatClass == labels[index] ? 1 : 0;
            int8Correct += int8Class == labels[index++] ? 1 : 0;
        }
        double snr = 10 * Math.Log10(signal / noise);
        _output.WriteLine($"logits SNR {snr:0.0} dB; top-1 agreement {agree}/64; accuracy float {floatCorrect}/64, int8 {int8Correct}/64");
        Assert.True(snr >= 20, $"int8 logits SNR {snr:0.0} dB");
        Assert.True(agree >= 62, $"int8 and float agree on {agree} of 64 digits");
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
