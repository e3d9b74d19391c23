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
/// Two-layer LSTM, GRU and RNN models trained on digits (build/make_digits_lstm.py, build/make_digits_gru_rnn.py: each
/// digit 8 rows of 8 pixels, a bidirectional layer then a forward one, a linear classifier), exported by torch (its GRU
/// with linear_before_reset). Baked int8 for .NET and for nanoFramework: both layers integer recurrent steps
/// (LstmInt8, GruInt8, RnnInt8), the interpreter, the .NET class and the nanoFramework class equal bit for bit, nothing
/// allocated per call, and the int8 logits close to the float model's, which equals ONNX Runtime.
/// </summary>
public sealed class DigitsRecurrentTests
{
    private readonly ITestOutputHelper _output;

    public DigitsRecurrentTests(ITestOutputHelper output) => _output = output;

    /// <summary>The model's file stem, its ONNX operator and the integer step it becomes.</summary>
    public static IEnumerable<object[]> Models => new[]
    {
        new object[] { "lstm", "LSTM", KernelKind.LstmInt8 },
        new object[] { "gru", "GRU", KernelKind.GruInt8 },
        new object[] { "rnn", "RNN", KernelKind.RnnInt8 },
    };

    private static string Model(string stem) => TestData.Path("recurrent", $"digits_{stem}.onnx");

    private static float[][] Samples(string file) => Int8FlavourChecks.Samples("recurrent", file);

    private static BakedPlan Bake(string stem, CodeTarget target) =>
        Baker.Bake(new BakeOptions(Model(stem), "DigitsRecurrent", "Tests")
        {
            Precision = Precision.Int8, CalibrationPath = TestData.Path("recurrent", "calibration.npy"), Target = target,
        }, new RecordingLog());

    [Theory]
    [MemberData(nameof(Models))]
    public void The_float_model_matches_ONNX_Runtime(string stem, string op, KernelKind kind)
    {
        _ = kind;
        var graph = OnnxModelReader.Load(Model(stem));
        Assert.Equal(2, graph.Nodes.Count(n => n.OpType == op));
        foreach (var sample in Samples("test_x.npy").Take(8))
        {
            var feeds = new Dictionary<string, Tensor> { ["rows"] = Tensor.FromFloats(new[] { 1, 8, 8 }, sample) };
            OrtOracle.AssertMatches(graph, feeds, FloatInterpreter.Run(graph, feeds), $"digits {op}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Int8_for_NET_and_nanoFramework_runs_integer_steps_and_all_three_agree_bit_for_bit(string stem, string op, KernelKind kind)
    {
        var net = Bake(stem, CodeTarget.Net);
        var nano = Bake(stem, CodeTarget.NanoFramework);
        foreach (var plan in new[] { net, nano })
        {
            Int8FlavourChecks.AssertIntegerStepsOnly(plan);
            Assert.Equal(2, plan.Kernels.Count(k => k.Kind == kind));
        }
        Int8FlavourChecks.AssertNetAndNanoFrameworkAgreeBitForBit(net, nano, Samples("test_x.npy"));
        _output.WriteLine($"{op}: bit-exact on 64 digits");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void The_int8_logits_follow_the_float_model(string stem, string op, KernelKind kind)
    {
        _ = kind;
        var graph = OnnxModelReader.Load(Model(stem));
        var plan = Bake(stem, CodeTarget.Net);
        var labels = NpyReader.Read(TestData.Path("recurrent", "test_y.npy")).AsFloats();
        var m = Int8FlavourChecks.MeasureDigitsLogits(graph, plan, Samples("test_x.npy"), labels);
        _output.WriteLine($"{op}: {m}");
        Assert.True(m.Snr >= 20, $"{op}: int8 logits SNR {m.Snr:0.0} dB");
        Assert.True(m.Agree >= 62, $"{op}: int8 and float agree on {m.Agree} of 64 digits");
    }

    /// <summary>
    /// The report compares a recurrent step's hidden states (Y, Y_h) with the float layer's, not its workspace's scratch:
    /// each integer step's error is small and flagged as no spike.
    /// </summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void The_report_measures_each_recurrent_step_on_its_hidden_states(string stem, string op, KernelKind kind)
    {
        var result = Baker.BakeWithReport(new BakeOptions(Model(stem), "DigitsRecurrent", "Tests")
            { Precision = Precision.Int8, CalibrationPath = TestData.Path("recurrent", "calibration.npy") }, new RecordingLog());
        var layers = result.Report.Layers.Where(l => l.Op == kind.ToString()).ToList();
        Assert.Equal(2, layers.Count);
        foreach (var layer in layers)
        {
            _output.WriteLine($"{op} {layer.Name}: relative output error {layer.OutputError:0.0000}");
            Assert.InRange(layer.OutputError!.Value, 0, 0.05);
            Assert.Null(layer.Flag);
        }
    }
}
