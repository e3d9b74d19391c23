using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Compression;

/// <summary>
/// Float islands: an int8 bake runs a step with no int8 form (LRN, training-mode BatchNormalization) in float between
/// a dequantization and a quantization, consecutive such steps in one island; the report says so; nanoFramework refuses.
/// </summary>
public sealed class FloatIslandTests
{
    private const int Size = 3;
    private const float Alpha = 0.5f, Beta = 0.75f, Bias = 1.5f;

    /// <summary>x [1, 4, 3, 3] → 1×1 Conv (int8) → LRN (float) → Relu (int8) → y.</summary>
    private static Graph ConvLrnRelu()
    {
        var random = new Random(5);
        var weights = Enumerable.Range(0, 16).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return new GraphBuilder(13).Input("x", 1, 4, 3, 3)
            .Constant("w", T.F(T.S(4, 4, 1, 1), weights)).Constant("b", T.F(T.S(4), 0.1f, -0.2f, 0.3f, 0f))
            .Node("Conv", new[] { "x", "w", "b" }, new[] { "c" })
            .Node("LRN", new[] { "c" }, new[] { "n" }, GraphBuilder.Int("size", Size), GraphBuilder.Float("alpha", Alpha),
                GraphBuilder.Float("beta", Beta), GraphBuilder.Float("bias", Bias))
            .Node("Relu", new[] { "n" }, new[] { "y" })
            .Output("y").Graph;
    }

    /// <summary>x [2, 3, 2, 2] → LRN → BatchNormalization (training_mode 1) → Relu → y: two float-only steps in a row.</summary>
    private static Graph LrnBatchStatisticsRelu() => new GraphBuilder(15).Input("x", 2, 3, 2, 2)
        .Constant("scale", T.F(T.S(3), 1f, 1.5f, 0.5f)).Constant("b", T.F(T.S(3), 0f, 1f, -1f))
        .Constant("mean", T.F(T.S(3), 0.5f, -0.5f, 0f)).Constant("var", T.F(T.S(3), 1f, 2f, 0.5f))
        .Node("LRN", new[] { "x" }, new[] { "n" }, GraphBuilder.Int("size", Size))
        .Node("BatchNormalization", new[] { "n", "scale", "b", "mean", "var" }, new[] { "bn" }, GraphBuilder.Int("training_mode", 1))
        .Node("Relu", new[] { "bn" }, new[] { "y" })
        .Output("y").Graph;

    private static BakeResult Bake(Graph graph, CodeTarget target = CodeTarget.Net) =>
        Baker.BakeWithReport(graph, "test", new BakeOptions("island.onnx", "Island", "Tests") { Precision = Precision.Int8, Target = target },
            new RecordingLog());

    private static float[] Inputs(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>x [1, 6] → ×10 (int8) → Cast(to) → y.</summary>
    private static Graph TimesTenCast(ElementType to)
    {
        var graph = new GraphBuilder(13).Input("x", 1, 6).Constant("ten", T.F(T.S(1), 10f))
            .Node("Mul", new[] { "x", "ten" }, new[] { "m" })
            .Node("Cast", new[] { "m" }, new[] { "y" }, GraphBuilder.Int("to", (long)to)).Output("y").Graph;
        graph.Values["y"].Type = to;
        return graph;
    }

    [Fact]
    public void A_cast_from_float_to_int64_is_an_integer_step_on_the_real_values()
    {
        // The cast truncates the dequantized value (3.7 → 3), never the int8 code: its table holds each code's cast.
        var plan = Bake(TimesTenCast(ElementType.Int64)).Plan;
        Assert.Empty(plan.Kernels.OfType<FloatIslandBoundary>());
        Assert.Single(plan.Kernels.OfType<CastInt8>());
        float[] x = { 0.37f, -0.22f, 0.99f, -0.51f, 0f, 0.05f };
        var y = (long[])PlanInterpreter.RunTensors(plan, new Array[] { x })[0];
        for (int i = 0; i < x.Length; i++) Assert.InRange(y[i], (long)(10 * x[i]) - 1, (long)(10 * x[i]) + 1);
        Assert.Contains(y, v => Math.Abs(v) >= 3); // real values, not codes or zeros
    }

    [Fact]
    public void A_cast_from_float_to_uint8_is_an_integer_step_on_the_real_values()
    {
        var plan = Bake(TimesTenCast(ElementType.UInt8)).Plan;
        Assert.Empty(plan.Kernels.OfType<FloatIslandBoundary>());
        Assert.Single(plan.Kernels.OfType<CastInt8>());
        float[] x = { 0.37f, 0.22f, 0.99f, 0.51f, 0f, 0.05f };
        var y = (byte[])PlanInterpreter.RunTensors(plan, new Array[] { x })[0];
        for (int i = 0; i < x.Length; i++) Assert.InRange(y[i], (int)(10 * x[i]) - 1, (int)(10 * x[i]) + 1);
        Assert.Contains(y, v => v >= 3); // real values, not codes or zeros
    }

    [Fact]
    public void The_island_is_dequantize_then_the_float_kernel_then_quantize_as_done_by_hand()
    {
        var plan = Bake(ConvLrnRelu()).Plan;
        Assert.Equal(Precision.Int8, plan.Header.Precision);
        var kinds = plan.Kernels.Select(k => k.Kind).ToList();
        int lrn = kinds.IndexOf(KernelKind.LrnFloat);
        Assert.Equal(new[] { KernelKind.FloatIslandEntry, KernelKind.LrnFloat, KernelKind.FloatIslandExit }, kinds.Skip(lrn - 1).Take(3));
        Assert.Equal(2, kinds.Count(k => k is KernelKind.FloatIslandEntry or KernelKind.FloatIslandExit));
        var entry = (FloatIslandEntry)plan.Kernels[lrn - 1];
        var exit = (FloatIslandExit)plan.Kernels[lrn + 1];

        for (int seed = 0; seed < 5; seed++)
        {
            sbyte[]? island = null, result = null;
            PlanInterpreter.Run(plan, new[] { Inputs(36, seed) }, afterStep: (kernel, arena) =>
            {
                if (kernel == entry) island = arena.Int8s(entry.Input).ToArray();
                if (kernel == exit) result = arena.Int8s(exit.Output).ToArray();
            });

            // By hand: real = scale · (q − zero point); LRN over 4 channels of 9 positions; q = round half to even(y / scale) + zero point, saturated.
            double inScale = entry.Quantization.Scale, outScale = exit.Quantization.Scale;
            int inZero = entry.Quantization.ZeroPoint, outZero = exit.Quantization.ZeroPoint;
            var real = island!.Select(q => (float)(inScale * (q - inZero))).ToArray();
            var expected = new sbyte[36];
            for (int c = 0; c < 4; c++)
            for (int i = 0; i < 9; i++)
            {
                float squares = 0f;
                for (int k = Math.Max(0, c - 1); k <= Math.Min(3, c + 1); k++) squares += real[k * 9 + i] * real[k * 9 + i];
                float y = real[c * 9 + i] * (float)Math.Pow(Bias + Alpha / Size * squares, -Beta);
                double q = Math.Round(y / outScale, MidpointRounding.ToEven) + outZero;
                expected[c * 9 + i] = (sbyte)Math.Clamp(q, -128, 127);
            }
            Assert.Equal(expected, result);
        }
    }

    [Fact]
    public void Consecutive_float_only_steps_share_one_island_and_int8_follows_it()
    {
        var plan = Bake(LrnBatchStatisticsRelu()).Plan;
        var kinds = plan.Kernels.Select(k => k.Kind).ToList();
        // Input dequantized once; LRN and the batch statistics in float with nothing between them; one quantization out.
        Assert.Equal(new[] { KernelKind.FloatIslandEntry, KernelKind.LrnFloat, KernelKind.BatchStatisticsFloat, KernelKind.FloatIslandExit },
            kinds.Take(4));
        Assert.All(kinds.Skip(4), k => Assert.DoesNotContain(k, new[] { KernelKind.FloatIslandEntry, KernelKind.FloatIslandExit, KernelKind.LrnFloat }));
        Assert.All(plan.Kernels.Skip(4), k => Assert.IsAssignableFrom<Int8Kernel>(k));
        Assert.Equal(ElementType.Float32, plan.Kernels[1].Output.Type);
        Assert.Equal(ElementType.Int8, plan.Kernels[3].Output.Type);

        // The island's float output, quantized, against the float model's: within a few steps of the calibrated scale.
        var reference = Baker.Bake(LrnBatchStatisticsRelu(), "test", new BakeOptions("island.onnx", "Island", "Tests") { Precision = Precision.Float32 },
            new RecordingLog());
        var input = Inputs(24, 3);
        var expected = PlanInterpreter.Run(reference, new[] { input })[0];
        var actual = PlanInterpreter.Run(plan, new[] { input })[0];
        double tolerance = 6 * plan.Outputs[0].Scale;
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"y[{i}]: {actual[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Generated_code_equals_the_interpreter_and_allocates_nothing(bool twoSteps)
    {
        var plan = Bake(twoSteps ? LrnBatchStatisticsRelu() : ConvLrnRelu()).Plan;
        // Through the plan file, as the source generator gets it.
        plan = PlanFile.Read(PlanFile.ToBytes(plan));
        string source = ClassEmitter.Emit(plan);
        Assert.Contains("DequantizeAll(", source);
        Assert.Contains("QuantizeAll(", source);
        Assert.Contains("Integer-only but for the", source);
        var generated = GeneratedAssembly.Compile(source, "Tests.Island");
        int length = plan.Inputs[0].Length, outputs = plan.Outputs[0].Length;
        for (int seed = 0; seed < 5; seed++)
        {
            var input = Inputs(length, seed);
            Assert.Equal(PlanInterpreter.Run(plan, new[] { input })[0], generated.Predict(input, outputs));
        }
        Assert.Equal(0, generated.AllocatedBytes(Inputs(length, 9), new float[outputs], calls: 200));
    }

    [Fact]
    public void The_report_lists_the_float_steps_and_counts_them()
    {
        // With calibration data the report measures every step's output error on it.
        using var folder = new TempFolder();
        string calibration = Path.Combine(folder.Root, "calibration.npy");
        Npy.Write(calibration, Enumerable.Range(0, 16).Select(seed => Inputs(24, 100 + seed)).ToArray());
        var report = Baker.BakeWithReport(LrnBatchStatisticsRelu(), "test",
            new BakeOptions("island.onnx", "Island", "Tests") { Precision = Precision.Int8, CalibrationPath = calibration }, new RecordingLog()).Report;
        var floatLayers = report.Layers.Where(l => l.RunsInFloat != null).ToList();
        Assert.Equal(new[] { "LrnFloat", "BatchStatisticsFloat" }, floatLayers.Select(l => l.Op));
        Assert.Contains("fractional power", floatLayers[0].RunsInFloat);
        Assert.Contains("training_mode = 1", floatLayers[1].RunsInFloat);
        Assert.Equal(2, report.FloatSteps);
        Assert.Contains(", 2 steps run in float", report.Summary("Tests.Island"));
        string json = report.ToJson();
        Assert.Contains("\"floatSteps\": 2", json);
        Assert.Equal(2, json.Split("\"runsInFloat\"").Length - 1);
        // Entries have no float counterpart to measure; the float steps and the exit have their output error.
        Assert.Null(report.Layers.Single(l => l.Op == "FloatIslandEntry").OutputError);
        Assert.All(report.Layers.Where(l => l.Op != "FloatIslandEntry"), l => Assert.NotNull(l.OutputError));
        Assert.All(report.Layers.Where(l => l.Op != "FloatIslandEntry"), l => Assert.InRange(l.OutputError!.Value, 0, 0.1));

        var one = Bake(ConvLrnRelu()).Report;
        Assert.Contains(", 1 step runs in float", one.Summary("Tests.Island"));
        Assert.DoesNotContain("float", Baker.BakeWithReport(ConvLrnRelu(), "test",
            new BakeOptions("island.onnx", "Island", "Tests") { Precision = Precision.Float32 }, new RecordingLog()).Report.Summary("Tests.Island")
            .Replace("float32", ""));
    }

    [Fact]
    public void NanoFramework_refuses_a_float_island_naming_the_step_and_the_fix()
    {
        var e = Assert.Throws<BakeException>(() => Bake(ConvLrnRelu(), CodeTarget.NanoFramework));
        Assert.Equal(ErrorCodes.FloatIslandOnTarget, e.Code);
        Assert.Contains("LRN_1", e.Message);
        Assert.Contains("fractional power", e.Message);
        Assert.Contains("CodeTarget=\"Net\"", e.Message);

        // A plan baked for .NET and handed to the nanoFramework emitter is refused the same way.
        var plan = Bake(LrnBatchStatisticsRelu()).Plan;
        var nano = new BakedPlan(plan.Header with { Target = CodeTarget.NanoFramework }, plan.Inputs, plan.Outputs, plan.ArenaLengths, plan.Kernels);
        var refused = Assert.Throws<BakeException>(() => ClassEmitter.Emit(nano));
        Assert.Equal(ErrorCodes.FloatIslandOnTarget, refused.Code);
        Assert.Contains("2 step(s)", refused.Message);
        Assert.Contains("BatchNormalization_1", refused.Message);
    }
}
