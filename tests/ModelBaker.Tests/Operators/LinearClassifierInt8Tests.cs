using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// LinearClassifier and LinearRegressor in int8 plans (docs/classical-ml.md#int8-labels-and-post-transforms): the label by int8 argmax or an integer
/// threshold, the post transforms by tables and the int8 softmax. The interpreter, the .NET code and the nanoFramework code
/// (compiled against nanoFramework's mscorlib) agree bit for bit; labels and scores are measured against the float model on
/// the same rows; the integer label rules decide exactly as the float rules on the dequantized scores.
/// </summary>
public sealed class LinearClassifierInt8Tests
{
    private readonly ITestOutputHelper _output;

    public LinearClassifierInt8Tests(ITestOutputHelper output) => _output = output;

    private const int Rows = 64;

    /// <summary>Rows of features in [−2, 2), the same distribution for calibration and for the rows measured.</summary>
    private static float[] Features(int features, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, Rows * features).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
    }

    private static Attribute Floats(string name, float[] values) => new() { Name = name, Kind = AttributeKind.Floats, Floats = values };
    private static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };
    private static Attribute Text(string name, string value) => new() { Name = name, Kind = AttributeKind.String, String = value };

    private static float[] Coefficients(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>A LinearClassifier of <paramref name="targets"/> coefficient rows over 4 features, both outputs used.</summary>
    private static Graph Classifier(int targets, string transform, long[] labels, string[]? strings = null)
    {
        var b = new GraphBuilder(17).Input("x", Rows, 4);
        var attributes = new List<Attribute>
        {
            Floats("coefficients", Coefficients(4 * targets, targets)), Floats("intercepts", Coefficients(targets, 100 + targets)),
            Text("post_transform", transform),
        };
        attributes.Add(strings != null
            ? new Attribute { Name = "classlabels_strings", Kind = AttributeKind.Strings, Strings = strings }
            : Ints("classlabels_ints", labels));
        b.Node("ai.onnx.ml:LinearClassifier", new[] { "x" }, new[] { "label", "scores" }, attributes.ToArray()).Output("label", "scores");
        return b.Graph;
    }

    private static Graph Regressor(int targets, string transform)
    {
        var b = new GraphBuilder(17).Input("x", Rows, 4);
        b.Node("ai.onnx.ml:LinearRegressor", new[] { "x" }, new[] { "y" }, Floats("coefficients", Coefficients(4 * targets, 7 + targets)),
            Floats("intercepts", Coefficients(targets, 9)), new Attribute { Name = "targets", Kind = AttributeKind.Int, Int = targets }, Text("post_transform", transform)).Output("y");
        return b.Graph;
    }

    /// <summary>Hand-written models: every transform of both operators, binary forms, string labels.</summary>
    public static TheoryData<string> Models => new()
    {
        "multi_none", "multi_logistic", "multi_softmax", "multi_softmax_zero", "multi_probit", "binary_none", "binary_logistic",
        "one_row_one_label", "binary_strings", "regressor_none", "regressor_softmax", "regressor_probit",
    };

    private static Graph Model(string name) => name switch
    {
        "multi_none" => Classifier(3, "NONE", new long[] { 10, 20, 30 }),
        "multi_logistic" => Classifier(4, "LOGISTIC", new long[] { 0, 1, 2, 3 }),
        "multi_softmax" => Classifier(3, "SOFTMAX", new long[] { 5, 6, 7 }),
        "multi_softmax_zero" => Classifier(3, "SOFTMAX_ZERO", new long[] { 1, 2, 3 }),
        "multi_probit" => Classifier(3, "PROBIT", new long[] { 1, 2, 3 }),
        "binary_none" => Classifier(1, "NONE", new long[] { -1, 1 }),
        "binary_logistic" => Classifier(1, "LOGISTIC", new long[] { 3, 4 }),
        "one_row_one_label" => Classifier(1, "NONE", new long[] { 8 }),
        "binary_strings" => Classifier(1, "NONE", Array.Empty<long>(), new[] { "no", "yes" }),
        "regressor_none" => Regressor(2, "NONE"),
        "regressor_softmax" => Regressor(3, "SOFTMAX"),
        "regressor_probit" => Regressor(1, "PROBIT"),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Bakes, calibrated on <paramref name="calibration"/> (one sample: the whole input) when given, and reads the plan back.</summary>
    private static BakedPlan Bake(Graph graph, Precision precision, CodeTarget target, float[]? calibration)
    {
        string? path = null;
        if (calibration != null)
        {
            path = Path.Combine(Path.GetTempPath(), $"modelbaker-linear-{Guid.NewGuid():N}.npy");
            NpyWriter.Write(path, new[] { calibration });
        }
        try
        {
            var options = new BakeOptions("linear.onnx", "Linear", "Tests") { Precision = precision, Target = target, CalibrationPath = path };
            return PlanFile.Read(PlanFile.ToBytes(Baker.Bake(graph, "test", options, new RecordingLog())));
        }
        finally
        {
            if (path != null) File.Delete(path);
        }
    }

    private static object[] NewOutputs(BakedPlan plan) =>
        plan.Outputs.Select(t => (object)Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length)).ToArray();

    private static void AssertSame(Array[] expected, object[] actual, string what)
    {
        for (int o = 0; o < expected.Length; o++)
            Assert.True(expected[o].Cast<object>().SequenceEqual(((Array)actual[o]).Cast<object>()), $"{what}: output {o} differs from the interpreter's");
    }

    /// <summary>
    /// Bakes int8 for .NET and nanoFramework: the int8 interpreter, the .NET class (allocation-free) and the nanoFramework
    /// class agree bit for bit. Returns the outputs and the .NET int8 plan.
    /// </summary>
    private static (Array[] Outputs, BakedPlan Plan) RunEveryWay(Graph graph, float[] x, float[] calibration)
    {
        var plan = Bake(graph, Precision.Int8, CodeTarget.Net, calibration);
        Assert.DoesNotContain(plan.Kernels, k => k is IFloatOnlyKernel);
        var inputs = new Array[] { x };
        var expected = PlanInterpreter.RunTensors(plan, inputs);
        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
        var outputs = NewOutputs(plan);
        var arguments = inputs.Cast<object>().ToArray();
        predict(arguments, outputs);
        AssertSame(expected, outputs, ".NET generated");
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) predict(arguments, outputs);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        var nanoPlan = Bake(graph, Precision.Int8, CodeTarget.NanoFramework, calibration);
        AssertSame(expected, PlanInterpreter.RunTensors(nanoPlan, inputs).Cast<object>().ToArray(), "nanoFramework plan interpreted");
        string source = ClassEmitter.Emit(nanoPlan);
        NanoCompiler.AssertNanoFrameworkClean(source);
        var nano = NanoCompiler.CompileForNet(source, "Tests.Linear");
        var nanoOutputs = NewOutputs(nanoPlan);
        NanoCompiler.Call(nano, "Predict", inputs.Cast<object>().Concat(nanoOutputs).ToArray());
        AssertSame(expected, nanoOutputs, "nanoFramework generated");
        return (expected, plan);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Interpreter_NET_and_nanoFramework_agree_bit_for_bit_and_follow_the_float_model(string name)
    {
        // Calibrated on the rows measured, so no score leaves its calibrated range: the differences are the int8 arithmetic's.
        var graph = Model(name);
        var x = Features(4, 2);
        var calibration = x;
        var (outputs, plan) = RunEveryWay(graph, x, calibration);
        var floatPlan = Bake(Model(name), Precision.Float32, CodeTarget.Net, calibration);
        var reference = PlanInterpreter.RunTensors(floatPlan, new Array[] { x });
        var report = Compare(plan, reference, outputs);
        _output.WriteLine($"{name}: {report.Text}");
        // Labels: int8 scores tie or cross only where the float scores are within an output step of each other.
        Assert.True(report.LabelAgreement >= 0.9, report.Text);
        // Scores: within a few output steps (the product's requantization, then a table's or the softmax's rounding).
        // PROBIT is steep (its slope 1/φ grows without bound toward 0 and 1), so one input step moves it by several output
        // steps: its tables are held to the float function by Each_int8_transform_is_the_float_transform_of_its_dequantized_input.
        if (!name.Contains("probit", StringComparison.Ordinal)) Assert.True(report.WorstSteps <= 3, report.Text);
    }

    private sealed record Comparison(double LabelAgreement, double WorstSteps, string Text);

    /// <summary>Labels equal (fraction of rows) and the largest score difference, also in steps of the output's grid.</summary>
    private static Comparison Compare(BakedPlan plan, Array[] reference, Array[] actual)
    {
        double agreement = 1, worstSteps = 0;
        var text = new List<string>();
        for (int o = 0; o < plan.Outputs.Count; o++)
        {
            var t = plan.Outputs[o];
            if (t.Type == ElementType.Int64)
            {
                var want = (long[])reference[o];
                var got = (long[])actual[o];
                int equal = want.Zip(got).Count(p => p.First == p.Second);
                agreement = Math.Min(agreement, (double)equal / want.Length);
                text.Add($"labels {equal}/{want.Length}");
                continue;
            }
            var wantScores = (float[])reference[o];
            var gotScores = (float[])actual[o];
            double worst = wantScores.Zip(gotScores).Max(p => float.IsFinite(p.First) ? Math.Abs(p.First - p.Second) : 0);
            worstSteps = Math.Max(worstSteps, worst / t.Scale);
            text.Add($"'{t.Name}' largest difference {worst:G3} ({worst / t.Scale:F2} steps of {t.Scale:G3})");
        }
        return new Comparison(agreement, worstSteps, string.Join(", ", text));
    }

    /// <summary>
    /// The exactness claim of the label step: on every rule, random int8 scores under random quantizations, the integer rule
    /// picks the label the float rule picks on the dequantized scores.
    /// </summary>
    [Fact]
    public void Integer_label_rules_decide_as_the_float_rules_on_the_dequantized_scores()
    {
        var rng = new Random(3);
        int decided = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            var p = new QuantizationParameters(Math.Pow(10, rng.NextDouble() * 4 - 3), rng.Next(-128, 128));
            var rule = (LabelRule)(trial % 4);
            int classes = 2 + rng.Next(5);
            int columns = rule == LabelRule.Votes ? classes * (classes - 1) / 2 : rule == LabelRule.Threshold ? 1 : classes;
            var labels = Enumerable.Range(0, rule == LabelRule.Threshold ? 2 : classes).Select(c => 100L + c).ToArray();
            // Thresholds on, between and off the grid.
            float threshold = rule is LabelRule.Threshold or LabelRule.ArgMaxOrSecond
                ? FixedPoint.Dequantize((sbyte)rng.Next(-128, 128), p.Scale, p.ZeroPoint) + (float)(p.Scale * (rng.Next(3) - 1) / 2)
                : 0f;
            bool inclusive = rng.Next(2) == 1;
            const int rows = 16;
            // Few distinct values, so ties and scores at the threshold are common.
            var q = Enumerable.Range(0, rows * columns).Select(_ => (sbyte)(p.ZeroPoint + rng.Next(-3, 4))).ToArray();
            var real = q.Select(v => FixedPoint.Dequantize(v, p.Scale, p.ZeroPoint)).ToArray();
            var floatLabel = new ClassLabelFloat("test", default!, default!, rows, columns, rule, labels, threshold, inclusive, classes);
            var intLabel = new long[rows];
            var want = new long[rows];
            ClassLabelFloat.ClassLabel(real, rows, columns, (int)rule, labels, threshold, inclusive, floatLabel.ClassCount, want);
            float t = rule == LabelRule.Votes ? 0f : threshold;
            ClassLabelInt8.ClassLabel(q, rows, columns, (int)rule,
                labels, ClassLabelInt8.IntegerThreshold(t, inclusive && rule == LabelRule.ArgMaxOrSecond, p), floatLabel.ClassCount, intLabel);
            Assert.Equal(want, intLabel);
            decided += rows;
        }
        Assert.Equal(400 * 16, decided);
    }

    /// <summary>
    /// The int8 form of each post transform, on every int8 input (the element-wise tables and the widening) or on random rows
    /// (the softmaxes), against the float transform of the dequantized input quantized to the output's grid: within one level
    /// (tables are computed in double, the float step in float; the softmax's exp table is rounded to 2⁻²⁰).
    /// </summary>
    [Theory]
    [InlineData(PostTransform.Logistic, SecondClass.None, 1)]
    [InlineData(PostTransform.Probit, SecondClass.None, 1)]
    [InlineData(PostTransform.None, SecondClass.Complement, 1)]
    [InlineData(PostTransform.None, SecondClass.Negation, 1)]
    [InlineData(PostTransform.Logistic, SecondClass.Logistic, 1)]
    [InlineData(PostTransform.Softmax, SecondClass.None, 4)]
    [InlineData(PostTransform.SoftmaxZero, SecondClass.None, 4)]
    public void Each_int8_transform_is_the_float_transform_of_its_dequantized_input(PostTransform transform, SecondClass second, int columns)
    {
        int rows = 256;
        int outColumns = second == SecondClass.None ? columns : 2;
        var input = new ArenaSlice("s", ElementType.Float32, rows * columns, 0, new[] { rows, columns });
        var output = new ArenaSlice("y", ElementType.Float32, rows * outColumns, 0, new[] { rows, outColumns });
        // Probit reads probabilities: an input range around [0, 1] reaches both of its saturations.
        var inputRange = transform == PostTransform.Probit ? (-0.2f, 1.3f) : (-3f, 5f);
        var outputRange = transform switch { PostTransform.Logistic => (0f, 1f), PostTransform.Probit => (-3f, 3f), _ => (-5f, 5f) };
        var context = new QuantizationContext(new Dictionary<ArenaSlice, (float Min, float Max)> { [input] = inputRange, [output] = outputRange });
        var kernel = new ScoreTransformFloat("test", input, output, rows, columns, transform, second).Quantize(context);
        QuantizationParameters pin = context.Parameters(input), pout = context.Parameters(output);
        var rng = new Random(11);
        var q = columns == 1
            ? Enumerable.Range(-128, 256).Select(v => (sbyte)v).ToArray()
            : Enumerable.Range(0, rows * columns).Select(i => (sbyte)(i % 7 == 0 ? pin.ZeroPoint : rng.Next(-128, 128))).ToArray();
        var got = new sbyte[rows * outColumns];
        switch (kernel)
        {
            case LookupInt8 lookup: LookupInt8.Lookup(q, lookup.Table, got); break;
            case WidenedScoresInt8 widen: WidenedScoresInt8.Widen(q, widen.Tables, got); break;
            case SoftmaxInt8 softmax: SoftmaxInt8.Softmax(q, rows, columns, 1, softmax.ExpTable, got); break;
            case SoftmaxZeroInt8 zero: SoftmaxZeroInt8.SoftmaxZero(q, rows, columns, zero.ZeroLow, zero.ZeroHigh, zero.ExpTable, got); break;
            default: throw new InvalidOperationException(kernel.GetType().Name);
        }
        var want = new float[rows * outColumns];
        ScoreTransformFloat.TransformScores(q.Select(v => FixedPoint.Dequantize(v, pin.Scale, pin.ZeroPoint)).ToArray(), rows, columns,
            (int)transform, (int)second, want);
        int saturated = 0;
        for (int i = 0; i < want.Length; i++)
        {
            if (float.IsNaN(want[i]))
            {
                // PROBIT outside (0, 1): the table saturates toward the side the probability left by.
                float p = FixedPoint.Dequantize(q[i], pin.Scale, pin.ZeroPoint);
                Assert.Equal(p <= 0 ? -128 : 127, (int)got[i]);
                saturated++;
                continue;
            }
            Assert.InRange(got[i] - FixedPoint.Quantize(want[i], pout.Scale, pout.ZeroPoint), -1, 1);
        }
        if (transform == PostTransform.Probit) Assert.True(saturated > 10);
    }

    [Fact]
    public void SoftmaxZero_leaves_zeros_out_and_follows_the_float_transform()
    {
        // Scores 1, 0, 0 on a grid of 1/16: [1, 0, 0]; 2, 0, −1: e⁰ / (e⁰ + e⁻³) = 0.953 (244/256), 0, and 0.047 (12/256).
        var p = new QuantizationParameters(1.0 / 16, 0);
        var table = SoftmaxInt8.Tabulate(p.Scale);
        var y = new sbyte[6];
        SoftmaxZeroInt8.SoftmaxZero(new sbyte[] { 16, 0, 0, 32, 0, -16 }, 2, 3, 0, 0, table, y);
        Assert.Equal(new sbyte[] { 127, -128, -128, 116, -128, -116 }, y);
        // A row of zeros (NaN in float) gives zeros.
        SoftmaxZeroInt8.SoftmaxZero(new sbyte[] { 0, 0, 0 }, 1, 3, 0, 0, table, y.AsSpan(0, 3));
        Assert.Equal(new sbyte[] { -128, -128, -128 }, y[..3]);
        // Against the float transform on dequantized random scores: within one output step (1/256).
        var rng = new Random(5);
        for (int trial = 0; trial < 200; trial++)
        {
            var q = Enumerable.Range(0, 5).Select(_ => (sbyte)rng.Next(-20, 21)).ToArray();
            var real = q.Select(v => FixedPoint.Dequantize(v, p.Scale, p.ZeroPoint)).ToArray();
            if (real.All(v => v == 0)) continue;
            var want = new float[5];
            ScoreTransformFloat.TransformScores(real, 1, 5, (int)PostTransform.SoftmaxZero, 0, want);
            var got = new sbyte[5];
            SoftmaxZeroInt8.SoftmaxZero(q, 1, 5, 0, 0, table, got);
            for (int i = 0; i < 5; i++) Assert.InRange((got[i] + 128) / 256.0 - want[i], -1.5 / 256, 1.5 / 256);
        }
    }

    [Fact]
    public void Int8_linear_steps_survive_the_plan_file()
    {
        foreach (string name in new[] { "multi_softmax_zero", "binary_logistic", "binary_strings", "multi_probit" })
        {
            var plan = Bake(Model(name), Precision.Int8, CodeTarget.Net, Features(4, 1));
            Assert.Contains(plan.Kernels, k => k is ClassLabelInt8);
            Assert.Equal(ClassEmitter.Emit(plan), ClassEmitter.Emit(PlanFile.Read(PlanFile.ToBytes(plan))));
        }
        var strings = ClassEmitter.Emit(Bake(Model("binary_strings"), Precision.Int8, CodeTarget.NanoFramework, Features(4, 1)));
        Assert.Contains("LabelClasses", strings);
    }

    /// <summary>The sklearn fixtures (tests/data/classical): agreement with the float model on 64 rows, calibrated on them.</summary>
    public static TheoryData<string> Fixtures => new()
    {
        "logreg_multi", "logreg_binary_strings", "logreg_ovr_normalized", "linear_svc_int_input", "linear_regression_two_targets",
        "linear_regression_probit",
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Fixtures_follow_the_float_model(string name)
    {
        Graph Load()
        {
            var graph = OnnxModelReader.Load(TestData.Path("classical", name + ".onnx"));
            graph[graph.Inputs[0]].Shape = new[] { Rows, graph[graph.Inputs[0]].Shape![^1] };
            return graph;
        }
        var value = Load()[Load().Inputs[0]];
        int features = value.Shape![^1];
        bool integers = value.Type == ElementType.Int64;
        // Integer features in 0…9 (as ClassicalMlTests draws them); calibrated on the rows measured, given as floats.
        var x = integers ? Features(features, 2).Select(v => (float)Math.Floor((v + 2) * 2.5)).ToArray() : Features(features, 2);
        Array input = integers ? x.Select(v => (long)v).ToArray() : x;
        var plan = Bake(Load(), Precision.Int8, CodeTarget.Net, x);
        var floatPlan = Bake(Load(), Precision.Float32, CodeTarget.Net, null);
        var report = Compare(plan, PlanInterpreter.RunTensors(floatPlan, new[] { input }), PlanInterpreter.RunTensors(plan, new[] { input }));
        _output.WriteLine($"{name}: {report.Text}");
        Assert.DoesNotContain(plan.Kernels, k => k is ClassLabelFloat or ScoreTransformFloat);
        Assert.True(report.LabelAgreement >= 0.9, report.Text);
    }
}
