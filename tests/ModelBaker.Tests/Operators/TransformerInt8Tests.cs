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

    private static float[][] Samples(string file) => Int8FlavourChecks.Samples("transformer", file);

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
            Int8FlavourChecks.AssertIntegerStepsOnly(plan);
            Assert.Equal(3, plan.Kernels.Count(k => k is LayerNormInt8));
            Assert.Equal(2, plan.Kernels.Count(k => k is MatMulInt8));
            Assert.Contains(plan.Kernels, k => k is SoftmaxInt8);
        }
        Int8FlavourChecks.AssertNetAndNanoFrameworkAgreeBitForBit(net, nano, Samples("test_x.npy"));
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
        Int8FlavourChecks.AssertIntegerStepsOnly(nano);
        Assert.Contains(nano.Kernels, k => k is LayerNormInt8);
        Int8FlavourChecks.AssertNetAndNanoFrameworkAgreeBitForBit(net, nano, new[] { input }.Concat(Enumerable.Range(100, 4).Select(Draw)).ToList());
    }

    [Fact]
    public void LayerNormalization_with_its_Mean_and_InvStdDev_outputs_is_integer_only_on_nanoFramework()
    {
        // Training-style exports keep the statistics as outputs: all three are integer steps of the same row sums, so the
        // nanoFramework flavour bakes the node (it refused it with MB1135 while the statistics ran in float islands).
        var graph = new GraphBuilder(17).Input("x", 3, 8)
            .Constant("gamma", T.F(T.S(8), 1f, 2f, 0.5f, 1f, -1f, 1.5f, 0.25f, 1f))
            .Node("LayerNormalization", new[] { "x", "gamma" }, new[] { "y", "mean", "invStdDev" })
            .Output("y", "mean", "invStdDev").Graph;
        // Rows of wide and of narrow spread, so the calibrated 1/σ range holds the test rows'.
        var calibration = NanoSelectionLogicTests.Uniform(32, 24, 3, range: 2f).Concat(NanoSelectionLogicTests.Uniform(8, 24, 5, range: 0.5f)).ToArray();
        var x = NanoSelectionLogicTests.Uniform(1, 24, 4, range: 1.5f)[0];
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(graph, new Array[] { x }, calibration);
        Assert.Single(steps.OfType<LayerNormInt8>());
        Assert.Equal(new[] { LayerNormResult.Mean, LayerNormResult.InverseStandardDeviation }, steps.OfType<LayerNormStatisticsInt8>().Select(k => k.Result));
        Assert.DoesNotContain(steps, k => k is IFloatOnlyKernel);
        var mean = (float[])outputs[1];
        var inverse = (float[])outputs[2];
        for (int row = 0; row < 3; row++)
        {
            var values = x.Skip(row * 8).Take(8).Select(v => (double)v).ToArray();
            double m = values.Average(), variance = values.Select(v => (v - m) * (v - m)).Average();
            // A few steps of each output's grid (calibrated: means within about ±1, 1/σ up to about 5); the input's own
            // rounding (half a step of 4/255) moves them by far less.
            Assert.InRange(mean[row], m - 0.05, m + 0.05);
            Assert.InRange(inverse[row], 1 / Math.Sqrt(variance + 1e-5) * 0.95, 1 / Math.Sqrt(variance + 1e-5) * 1.05);
        }
    }

    [Fact]
    public void The_int8_logits_follow_the_float_model()
    {
        var graph = OnnxModelReader.Load(Model);
        var plan = Bake(CodeTarget.NanoFramework);
        var labels = NpyReader.Read(TestData.Path("transformer", "test_y.npy")).AsFloats();
        var m = Int8FlavourChecks.MeasureDigitsLogits(graph, plan, Samples("test_x.npy"), labels);
        _output.WriteLine(m.ToString());
        Assert.True(m.Snr >= 20, $"int8 logits SNR {m.Snr:0.0} dB");
        Assert.True(m.Agree >= 62, $"int8 and float agree on {m.Agree} of 64 digits");
    }
}
