using ModelBaker.Core.Compression;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Compression;

/// <summary>
/// Heads that keep their meaning (issue 16, items 6 and 8): an int8 plan's Softmax or LogSoftmax head runs in float on
/// the dequantized logits and the output stays float (.NET); nanoFramework, integer-only, keeps the int8 forms.
/// </summary>
public sealed class FloatHeadTests
{
    private const int Features = 8;

    private static float[] Random(Random random, int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();

    /// <summary>x [1, 8] → Gemm → logits [1, classes] → Softmax (or LogSoftmax) → y.</summary>
    private static Graph Head(int classes, string op, double weightScale)
    {
        var random = new Random(31);
        return new GraphBuilder(13).Input("x", 1, Features)
            .Constant("w", T.F(T.S(Features, classes), Random(random, Features * classes, weightScale))).Constant("b", T.F(T.S(classes), Random(random, classes, weightScale)))
            .Node("Gemm", new[] { "x", "w", "b" }, new[] { "logits" })
            .Node(op, new[] { "logits" }, new[] { "y" })
            .Output("y").Graph;
    }

    private static (BakeResult Result, float[][] Samples) Bake(TempFolder folder, Graph graph, CodeTarget target = CodeTarget.Net)
    {
        var random = new Random(32);
        var samples = Enumerable.Range(0, 24).Select(_ => Random(random, Features, 1)).ToArray();
        string data = folder.Path("data.npy");
        Npy.Write(data, samples);
        var options = new BakeOptions("head.onnx", "Head", "Tests") { Precision = Precision.Int8, CalibrationPath = data, Target = target };
        return (Baker.BakeWithReport(graph, "test", options, new RecordingLog()), samples);
    }

    [Theory]
    [InlineData("Softmax")]
    [InlineData("LogSoftmax")]
    public void The_head_is_the_float_models_function_of_the_dequantized_logits(string op)
    {
        using var folder = new TempFolder();
        var ((plan, report), samples) = Bake(folder, Head(10, op, 1));
        Assert.IsType<FloatIslandEntry>(plan.Kernels[^2]);
        var head = Assert.IsType<SoftmaxFloat>(plan.Kernels[^1]);
        Assert.Equal(op == "LogSoftmax", head.Log);
        Assert.False(plan.Outputs[0].IsQuantized); // the output stays float
        Assert.Equal(ElementType.Float32, plan.Outputs[0].Slice.Type);
        foreach (var sample in samples.Take(5))
        {
            float[]? logits = null;
            var output = PlanInterpreter.Run(plan, new[] { sample }, (kernel, arena) =>
            {
                if (kernel is FloatIslandEntry entry) logits = arena.Floats(entry.Output).ToArray();
            })[0];
            var expected = new float[logits!.Length];
            if (head.Log) SoftmaxFloat.LogSoftmax(logits, 1, logits.Length, 1, expected);
            else SoftmaxFloat.Softmax(logits, 1, logits.Length, 1, expected);
            Assert.Equal(expected, output);
        }
        var layer = report.Layers[^1];
        Assert.Equal(FloatHeads.Reason, layer.RunsInFloat);
        Assert.Equal(0, layer.Bytes);
        Assert.Contains(", 1 step runs in float", report.Summary("Tests.Head"));
    }

    [Fact]
    public void A_thousand_class_softmax_keeps_its_small_probabilities_and_its_bytes()
    {
        // Near-equal logits: every probability ~1/1000, under int8's 1/256 step. The int8 head (nanoFramework) loses the
        // whole output; the float head keeps it to the logits' own error.
        using var folder = new TempFolder();
        var (net, _) = Bake(folder, Head(1000, "Softmax", 0.1));
        var (nano, _) = Bake(folder, Head(1000, "Softmax", 0.1), CodeTarget.NanoFramework);
        var softmaxInt8 = Assert.IsType<SoftmaxInt8>(nano.Plan.Kernels.Last());
        Assert.Equal(softmaxInt8.WeightBytes, nano.Plan.WeightBytes - net.Plan.WeightBytes); // the exp table is all the difference
        Assert.InRange(net.Report.Layers[^1].OutputError!.Value, 0, 0.05);
        Assert.InRange(nano.Report.Layers[^1].OutputError!.Value, 0.9, 1.0);
        Assert.Null(nano.Report.Layers[^1].RunsInFloat);
    }

    [Fact]
    public void A_softmax_inside_the_model_stays_int8()
    {
        using var folder = new TempFolder();
        var graph = new GraphBuilder(13).Input("x", 1, Features)
            .Node("Softmax", new[] { "x" }, new[] { "p" }).Node("Relu", new[] { "p" }, new[] { "y" }).Output("y").Graph;
        var (result, _) = Bake(folder, graph);
        Assert.Contains(result.Plan.Kernels, k => k is SoftmaxInt8);
        Assert.True(result.Plan.Outputs[0].IsQuantized);
    }

    [Fact]
    public void The_report_gives_each_int8_layers_per_channel_overheads()
    {
        using var folder = new TempFolder();
        var ((plan, report), _) = Bake(folder, Head(10, "Softmax", 1));
        int index = plan.Kernels.ToList().FindIndex(k => k is FullyConnectedInt8);
        var fc = (FullyConnectedInt8)plan.Kernels[index];
        var overhead = report.Layers[index].Overhead!.Value;
        // 10 biases (16-bit when they fit), a Q15 multiplier and a shift per channel or one for the layer.
        Assert.Equal(fc.OutputStage.Bias.Length * (Core.Codegen.EmitArrays.ShortBiasShift(fc.OutputStage.Bias) < 0 ? 4 : 2), overhead.Bias);
        Assert.Equal(10, fc.OutputStage.Bias.Length);
        Assert.Equal(2 * fc.OutputStage.Multipliers.Length, overhead.Multipliers);
        Assert.Equal(fc.OutputStage.Shifts.Length, overhead.Shifts);
        Assert.Equal(report.Layers[index].Bytes, fc.Encoded.Bytes + overhead.Bias + overhead.Multipliers + overhead.Shifts);
        Assert.Matches($"\"biasBytes\": {overhead.Bias},\\s*\"multiplierBytes\": {overhead.Multipliers},\\s*\"shiftBytes\": {overhead.Shifts}", report.ToJson());
        Assert.All(report.Layers.Where(l => l.Op != "FullyConnectedInt8"), l => Assert.Null(l.Overhead));
    }
}
