using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;
using Tensor = ModelBaker.Core.Ir.Tensor;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Tree ensembles in int8 plans (docs/classical-ml.md#int8), on the fixtures of build/make_tree_fixtures.py calibrated on
/// their own rows: the integer walk decides exactly as the float walk on the quantized features; the interpreter, the .NET
/// code and the nanoFramework code (compiled against nanoFramework's mscorlib, within nanoCLR's limits) agree bit for bit.
/// </summary>
public sealed class TreeEnsembleInt8Tests
{
    private readonly ITestOutputHelper _output;

    public TreeEnsembleInt8Tests(ITestOutputHelper output) => _output = output;

    private static string Folder => TestData.Path("trees");

    public static IEnumerable<object[]> Models => TreeEnsembleTests.Models;

    private static Tensor Input(string name) => TensorConverter.ReadTensorFile(Path.Combine(Folder, name + ".input.pb"));

    private static Graph Load(string name, Tensor input)
    {
        var graph = OnnxModelReader.Load(Path.Combine(Folder, name + ".onnx"));
        graph[graph.Inputs[0]].Shape = input.Shape;
        return graph;
    }

    /// <summary>Int8, calibrated on the fixture's rows (NaN made 0: calibration data must be finite); int64 features on the fallback.</summary>
    private static BakedPlan Bake(string name, Tensor input, CodeTarget target)
    {
        string? calibration = null;
        if (input.Type == ElementType.Float32)
        {
            calibration = Path.Combine(Path.GetTempPath(), $"modelbaker-trees-{Guid.NewGuid():N}.npy");
            NpyWriter.Write(calibration, new[] { input.Floats!.Select(v => float.IsNaN(v) ? 0f : v).ToArray() });
        }
        try
        {
            return Baker.Bake(Load(name, input), "test",
                new BakeOptions(name + ".onnx", "Trees", "Tests") { Precision = Precision.Int8, Target = target, CalibrationPath = calibration },
                new RecordingLog());
        }
        finally
        {
            if (calibration != null) File.Delete(calibration);
        }
    }

    private static object InputArray(Tensor input) => input.Type == ElementType.Int64 ? input.Int64s! : input.Floats!;

    private static object[] NewOutputs(BakedPlan plan) =>
        plan.Outputs.Select(t => (object)Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length)).ToArray();

    [Theory]
    [MemberData(nameof(Models))]
    public void Interpreter_NET_code_and_nanoFramework_code_agree_bit_for_bit(string name)
    {
        var input = Input(name);
        var plan = Bake(name, input, CodeTarget.Net);
        Assert.Contains(plan.Kernels, k => k is TreeEnsembleInt8);
        Assert.DoesNotContain(plan.Kernels, k => k is TreeEnsembleFloat or TreeScoresFloat);
        var expected = PlanInterpreter.RunTensors(plan, new[] { (Array)InputArray(input) });

        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
        var inputs = new[] { InputArray(input) };
        var outputs = NewOutputs(plan);
        predict(inputs, outputs);
        for (int o = 0; o < plan.Outputs.Count; o++) Assert.Equal(expected[o].Cast<object>(), ((Array)outputs[o]).Cast<object>());
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) predict(inputs, outputs);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        var floatSteps = plan.Kernels.OfType<IFloatOnlyKernel>().ToList();
        _output.WriteLine($"{name}: {string.Join(", ", plan.Kernels.Select(k => k.Kind))}");
        if (floatSteps.Count > 0)
        {
            // Only a binary classifier's single SOFTMAX score column widened to two finishes in float: the integer-only
            // flavour refuses it with a code. (Other SOFTMAX scores are an integer softmax; int64 features an integer cast.)
            Assert.True(plan.Kernels.All(k => k is not IFloatOnlyKernel || k is TreeScoresDequantized), name);
            var refused = Assert.Throws<BakeException>(() => Bake(name, input, CodeTarget.NanoFramework));
            Assert.Equal(ErrorCodes.FloatIslandOnTarget, refused.Code);
            return;
        }
        var nanoPlan = Bake(name, input, CodeTarget.NanoFramework);
        var nanoExpected = PlanInterpreter.RunTensors(nanoPlan, new[] { (Array)InputArray(input) });
        for (int o = 0; o < plan.Outputs.Count; o++) Assert.Equal(expected[o].Cast<object>(), nanoExpected[o].Cast<object>());
        string source = ClassEmitter.Emit(nanoPlan);
        NanoCompiler.AssertNanoFrameworkClean(source);
        var nano = NanoCompiler.CompileForNet(source, "Tests.Trees");
        var nanoOutputs = NewOutputs(nanoPlan);
        NanoCompiler.Call(nano, "Predict", new[] { InputArray(input) }.Concat(nanoOutputs).ToArray());
        for (int o = 0; o < plan.Outputs.Count; o++) Assert.Equal(expected[o].Cast<object>(), ((Array)nanoOutputs[o]).Cast<object>());
    }

    /// <summary>
    /// The exactness claim: on the features as the int8 plan sees them (quantized, then dequantized), the float model's labels
    /// are the int8 plan's, and its scores quantized to the output's grid are the int8 plan's within one level (leaf sums
    /// are rounded to 2⁻³⁰ of their range, float sums to float's 24 bits).
    /// </summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void The_integer_walk_decides_as_the_float_walk_on_the_quantized_features(string name)
    {
        var input = Input(name);
        if (input.Type != ElementType.Float32) return; // int64 features reach the walk through a float cast (a float island)
        var plan = Bake(name, input, CodeTarget.Net);
        var x = plan.Inputs[0];
        Assert.True(x.PerFeature, "an input only a tree ensemble reads is quantized per feature");
        Assert.Equal(input.Shape[^1], x.FeatureScales!.Length);
        Assert.True(x.MissingCode, "an input only a tree ensemble reads codes NaN as −128");
        // NaN stays NaN (its code, −128, is no real): the xgb fixtures' missing features are routed as ONNX Runtime routes them.
        var seen = input.Floats!.Select((v, i) => float.IsNaN(v) ? v : FixedPoint.Dequantize(PlanInterpreter.QuantizeInput(x, v, i), x.ScaleOf(i), x.ZeroPointOf(i))).ToArray();
        var graph = Load(name, input);
        ShapeInference.Run(graph);
        var reference = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { [graph.Inputs[0]] = Tensor.FromFloats(input.Shape, seen) });
        var actual = PlanInterpreter.RunTensors(plan, new Array[] { input.Floats! });
        for (int o = 0; o < plan.Outputs.Count; o++)
        {
            var t = plan.Outputs[o];
            var want = reference[t.Name];
            if (want.Type == ElementType.Int64)
            {
                Assert.Equal(want.Int64s, (long[])actual[o]);
                continue;
            }
            var raw = QuantizedOutput(plan, o, actual[o]);
            for (int i = 0; i < raw.Length; i++)
            {
                if (float.IsNaN(want.Floats![i])) continue; // PROBIT outside (0, 1): int8 saturates it (LevelTable)
                int level = FixedPoint.Quantize(want.Floats![i], t.Scale, t.ZeroPoint);
                Assert.True(Math.Abs(level - raw[i]) <= 1, $"{name} '{t.Name}'[{i}]: int8 level {raw[i]}, the float score {want.Floats[i]:R} quantizes to {level}");
            }
        }
    }

    /// <summary>The int8 levels behind a dequantized float output.</summary>
    private static int[] QuantizedOutput(BakedPlan plan, int o, Array dequantized)
    {
        var t = plan.Outputs[o];
        return ((float[])dequantized).Select(v => (int)Math.Round(v / t.Scale + t.ZeroPoint)).ToArray();
    }

    /// <summary>Every float comparison, against thresholds on, between, below and above the grid points, decides as its integer form.</summary>
    [Fact]
    public void Branches_decide_on_every_int8_value_as_their_float_comparison()
    {
        var grids = new[] { new QuantizationParameters(0.0156862754, -1), new QuantizationParameters(0.1, 37), new QuantizationParameters(1.0, -128),
            QuantizationParameters.FromRange(-3.7f, 9.1f) };
        int checkedBranches = 0;
        foreach (var p in grids)
        {
            var thresholds = new List<float> { float.NegativeInfinity, float.PositiveInfinity, float.NaN, -1e30f, 1e30f, 0f, -0f };
            for (int q = -128; q <= 127; q++)
            {
                float x = FixedPoint.Dequantize((sbyte)q, p.Scale, p.ZeroPoint);
                thresholds.AddRange(new[] { x, MathF.BitDecrement(x), MathF.BitIncrement(x), x + (float)p.Scale / 2, x - (float)p.Scale / 3 });
            }
            foreach (float threshold in thresholds)
                for (byte mode = 0; mode <= 5; mode++)
                {
                    var (integerMode, t) = TreeEnsembleInt8.IntegerBranch(mode, threshold, p);
                    var node = new TreeNode("n", (TreeNodeMode)mode, 0, threshold, Array.Empty<float>(), false);
                    for (int q = -128; q <= 127; q++)
                    {
                        bool integer = integerMode switch
                        {
                            TreeEnsembleInt8.Le => q <= t,
                            TreeEnsembleInt8.Gt => q > t,
                            TreeEnsembleInt8.Eq => q == t,
                            _ => q != t,
                        };
                        Assert.Equal(node.GoesTrue(FixedPoint.Dequantize((sbyte)q, p.Scale, p.ZeroPoint)), integer);
                    }
                    checkedBranches++;
                }
        }
        Assert.True(checkedBranches > 4 * 6 * 1280, $"{checkedBranches} branches");
    }

    /// <summary>
    /// Where −128 codes a missing feature (reals on −127…127): the reals decide as before, and −128 goes where ONNX Runtime
    /// sends NaN — true when the node tracks missing values to true or tests ≠, else false.
    /// </summary>
    [Fact]
    public void Branches_on_an_input_coding_NaN_send_the_code_where_NaN_goes()
    {
        var grids = new[] { QuantizationParameters.FromRange(-3.7f, 9.1f, lowest: -127), QuantizationParameters.FromRange(0f, 1f, lowest: -127),
            new QuantizationParameters(0.5, -127) };
        int checkedBranches = 0;
        foreach (var p in grids)
        {
            Assert.True(p.ZeroPoint >= -127);
            var thresholds = new List<float> { float.NegativeInfinity, float.PositiveInfinity, -1e30f, 1e30f, 0f };
            for (int q = -128; q <= 127; q++)
            {
                float x = FixedPoint.Dequantize((sbyte)q, p.Scale, p.ZeroPoint);
                thresholds.AddRange(new[] { x, MathF.BitIncrement(x), x + (float)p.Scale / 2 });
            }
            foreach (float threshold in thresholds)
                for (byte mode = 0; mode <= 5; mode++)
                    foreach (bool tracksTrue in new[] { false, true })
                    {
                        byte floatMode = (byte)(mode | (tracksTrue ? CompiledForest.MissingGoesTrue : 0));
                        var (integerMode, t) = TreeEnsembleInt8.IntegerBranch(floatMode, threshold, p, missingCoded: true);
                        var node = new TreeNode("n", (TreeNodeMode)mode, 0, threshold, Array.Empty<float>(), tracksTrue);
                        var walked = Walk(integerMode, t);
                        for (int q = -127; q <= 127; q++)
                            Assert.Equal(node.GoesTrue(FixedPoint.Dequantize((sbyte)q, p.Scale, p.ZeroPoint)), walked(q));
                        Assert.Equal(node.GoesTrue(float.NaN), walked(-128));
                        checkedBranches++;
                    }
        }
        Assert.True(checkedBranches > 3 * 12 * 700, $"{checkedBranches} branches");

        // The walk itself, on one branch: its true leaf weighs 1, its false leaf 2.
        static Func<int, bool> Walk(byte mode, sbyte t) => q =>
        {
            var output = new int[2];
            TreeEnsembleInt8.TreeEnsembleInt8Walk(new[] { (sbyte)q }, rows: 1, featureCount: 1, roots: new[] { 0 },
                modes: new[] { mode, (byte)7, (byte)7 }, features: new byte[] { 0, 1, 1 }, thresholds: new[] { t, (sbyte)0, (sbyte)0 },
                links: new byte[] { 2, 0, 1 }, weightTargets: new byte[] { 0, 0 }, indexWidth: 1, linkWidth: 1, weightValues: new[] { 1, 2 },
                targets: 1, aggregate: 1, firstWeightOnly: true, one: 1, missingCode: -128, output: output);
            return output[0] == 1;
        };
    }

    [Fact]
    public void Int8_tree_steps_survive_the_plan_file()
    {
        foreach (string name in new[] { "gb_binary", "classifier_softmax", "rf_regressor" })
        {
            var input = Input(name);
            var plan = Bake(name, input, CodeTarget.Net);
            var bytes = PlanFile.ToBytes(plan);
            var read = PlanFile.Read(bytes);
            Assert.Equal(bytes, PlanFile.ToBytes(read));
            Assert.Equal(ClassEmitter.Emit(plan), ClassEmitter.Emit(read));
            var a = PlanInterpreter.RunTensors(plan, new Array[] { input.Floats! });
            var b = PlanInterpreter.RunTensors(read, new Array[] { input.Floats! });
            for (int o = 0; o < a.Length; o++) Assert.Equal(a[o].Cast<object>(), b[o].Cast<object>());
        }
    }

    [Fact]
    public void Node_arrays_take_the_narrowest_types_and_thresholds_are_bytes()
    {
        var input = Input("rf_classifier");
        var plan = Bake("rf_classifier", input, CodeTarget.NanoFramework);
        var walk = plan.Kernels.OfType<TreeEnsembleInt8>().Single();
        Assert.Equal(1, walk.IndexWidth);
        Assert.Equal(1, walk.LinkWidth);
        string source = ClassEmitter.Emit(plan);
        Assert.Contains("static readonly sbyte[] Step1LabelLeafWeightsThresholds", source);
        Assert.Contains("static readonly byte[] Step1LabelLeafWeightsLinks", source);
    }

    /// <summary>
    /// The agreement docs/classical-ml.md reports: each fixture's int8 plan against ONNX Runtime's float model on the
    /// fixture's own rows (labels: the share equal; scores: the largest difference, and the output's step).
    /// </summary>
    [Fact]
    public void Agreement_with_the_float_model_is_reported()
    {
        int labels = 0, agreeing = 0;
        var lines = new List<string>();
        foreach (string name in Models.Select(m => (string)m[0]))
        {
            var input = Input(name);
            var plan = Bake(name, input, CodeTarget.Net);
            var graph = Load(name, input);
            ShapeInference.Run(graph);
            var reference = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { [graph.Inputs[0]] = input });
            var actual = PlanInterpreter.RunTensors(plan, new[] { (Array)InputArray(input) });
            var parts = new List<string>();
            for (int o = 0; o < plan.Outputs.Count; o++)
            {
                var t = plan.Outputs[o];
                var want = reference[t.Name];
                if (want.Type == ElementType.Int64)
                {
                    int same = want.Int64s!.Where((l, i) => l == ((long[])actual[o])[i]).Count();
                    labels += want.Length;
                    agreeing += same;
                    parts.Add($"labels {same}/{want.Length}");
                    continue;
                }
                var got = (float[])actual[o];
                double worst = want.Floats!.Select((v, i) => float.IsNaN(v) ? 0 : Math.Abs(v - got[i])).Max();
                parts.Add($"'{t.Name}' max |Δ| {worst:G3} (step {t.Scale:G3})");
            }
            lines.Add($"{name}: {string.Join(", ", parts)}{(plan.Kernels.Any(k => k is IFloatOnlyKernel) ? " [float island]" : "")}");
        }
        foreach (string line in lines) _output.WriteLine(line);
        _output.WriteLine($"labels: {agreeing} of {labels} agree");
        Assert.True(agreeing >= labels * 9 / 10, $"{agreeing} of {labels} labels agree with the float model");
    }
}
