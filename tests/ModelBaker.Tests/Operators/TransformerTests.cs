using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Options;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using static ModelBaker.Tests.Operators.T;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Transformer blocks: LayerNormalization, Gelu (opset 20, com.microsoft Gelu and FastGelu), Erf, Split and MatMul of
/// two run-time tensors. The float reference against ONNX Runtime, float plans against the reference, the generated code
/// of a small attention block equal to the plan with no allocation per call, and the CCT real model through conformance.
/// </summary>
public sealed class TransformerTests
{
    private static Dictionary<string, Tensor> Feeds(Graph graph, int seed, float scale = 2f)
    {
        var rng = new Random(seed);
        return graph.Inputs.ToDictionary(name => name, name => OrtOracle.RandomTensor(rng, graph.Values[name].Shape!, scale));
    }

    /// <summary>Shape inference, the reference against ORT, and a float plan of the same graph against the reference.</summary>
    private static void AssertMatchesOrtAndPlan(Func<Graph> build, string what, int seed = 1, float scale = 2f)
    {
        var graph = build();
        ShapeInference.Run(graph);
        var feeds = Feeds(graph, seed, scale);
        var reference = FloatInterpreter.Run(graph, feeds);
        OrtOracle.AssertMatches(graph, feeds, reference, what);

        var plan = Baker.Bake(build(), "test", new BakeOptions("t.onnx", "T", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var outputs = PlanInterpreter.Run(plan, graph.Inputs.Select(name => feeds[name].AsFloats()).ToArray());
        for (int i = 0; i < graph.Outputs.Count; i++)
            Assert.Equal(reference[graph.Outputs[i]].AsFloats(), outputs[i]);
    }

    // ---- LayerNormalization

    public static IEnumerable<object[]> LayerNormCases => new[]
    {
        new object[] { new[] { 2, 5, 8 }, -1L, new[] { 8 }, true },
        new object[] { new[] { 2, 5, 8 }, 1L, new[] { 5, 8 }, true },
        new object[] { new[] { 2, 5, 8 }, -2L, new[] { 1, 8 }, false },   // scale broadcast over the rows of a row
        new object[] { new[] { 3, 4, 2, 3 }, 0L, new[] { 4, 1, 3 }, true },
        new object[] { new[] { 6 }, 0L, new[] { 6 }, false },
    };

    private static Func<Graph> LayerNormGraph(int[] x, long axis, int[] scale, bool bias, bool statistics, float epsilon = 1e-5f)
    {
        var rng = new Random(3);
        var s = OrtOracle.RandomTensor(rng, scale, 2f);
        var b = OrtOracle.RandomTensor(rng, scale);
        return () =>
        {
            var g = new GraphBuilder(17).Input("x", x).Constant("scale", s);
            if (bias) g.Constant("bias", b);
            var outputs = statistics ? new[] { "y", "mean", "invstd" } : new[] { "y" };
            return g.Node("LayerNormalization", bias ? new[] { "x", "scale", "bias" } : new[] { "x", "scale" }, outputs,
                Int("axis", axis), Float("epsilon", epsilon)).Output(outputs).Graph;
        };
    }

    [Theory]
    [MemberData(nameof(LayerNormCases))]
    public void LayerNormalization_matches_ONNX_Runtime_with_its_mean_and_inverse_deviation(int[] x, long axis, int[] scale, bool bias)
    {
        AssertMatchesOrtAndPlan(LayerNormGraph(x, axis, scale, bias, statistics: true), $"LayerNormalization {ShapeMath.Format(x)} axis {axis}");
        AssertMatchesOrtAndPlan(LayerNormGraph(x, axis, scale, bias, statistics: false, epsilon: 0.1f), $"LayerNormalization {ShapeMath.Format(x)} axis {axis}, epsilon 0.1");
    }

    [Fact]
    public void LayerNormalization_refuses_what_it_cannot_compute_naming_the_node()
    {
        var scale = Assert.Throws<BakeException>(() => ShapeInference.Run(LayerNormGraph(new[] { 2, 4 }, -1, new[] { 3 }, false, false)()));
        Assert.Equal(ErrorCodes.ShapeError, scale.Code);
        Assert.Contains("LayerNormalization_0", scale.Message);
        var stash = new GraphBuilder(17).Input("x", 2, 4).Constant("s", F(S(4), 1, 1, 1, 1))
            .Node("LayerNormalization", new[] { "x", "s" }, new[] { "y" }, Int("stash_type", 11)).Output("y").Graph;
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(stash));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("stash_type", e.Message);
    }

    // ---- Gelu, FastGelu, Erf

    private static Func<Graph> Unary(string opType, long opset, int[] shape, params Attribute[] attributes) =>
        () => new GraphBuilder(opset).Input("x", shape).Node(opType, new[] { "x" }, new[] { "y" }, attributes).Output("y").Graph;

    [Fact]
    public void Gelu_in_every_form_matches_ONNX_Runtime()
    {
        AssertMatchesOrtAndPlan(Unary("Gelu", 20, S(4, 25)), "Gelu", scale: 6f);
        AssertMatchesOrtAndPlan(Unary("Gelu", 20, S(4, 25), new Attribute { Name = "approximate", Kind = AttributeKind.String, String = "tanh" }), "Gelu tanh", scale: 6f);
        AssertMatchesOrtAndPlan(Unary("com.microsoft:Gelu", 13, S(4, 25)), "com.microsoft Gelu", scale: 6f);
        AssertMatchesOrtAndPlan(Unary("com.microsoft:FastGelu", 13, S(4, 25)), "FastGelu", scale: 6f);
        var bias = OrtOracle.RandomTensor(new Random(5), S(25));
        AssertMatchesOrtAndPlan(() => new GraphBuilder(13).Input("x", 2, 3, 25).Constant("b", bias)
            .Node("com.microsoft:FastGelu", new[] { "x", "b" }, new[] { "y" }).Output("y").Graph, "FastGelu with bias", scale: 6f);
    }

    [Fact]
    public void Gelu_refuses_an_unknown_approximation()
    {
        var graph = Unary("Gelu", 20, S(3), new Attribute { Name = "approximate", Kind = AttributeKind.String, String = "sigmoid" })();
        var e = Assert.Throws<BakeException>(() => Baker.Bake(graph, "test", new BakeOptions("t.onnx", "T", "Tests") { Precision = Precision.Float32 }, new RecordingLog()));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("Gelu_0", e.Message);
    }

    [Fact]
    public void Erf_is_within_1e_6_of_ONNX_Runtime_everywhere()
    {
        // −6 … 6 in steps of 1/1024, plus the edges: every branch of the series and the continued fraction.
        var x = Enumerable.Range(-6 * 1024, 12 * 1024 + 1).Select(i => i / 1024f).Concat(new[] { 0f, -0f, 2.5f, -2.5f, 2.4999998f, 9f, -40f, 1e-20f }).ToArray();
        var graph = Unary("Erf", 13, S(x.Length))();
        ShapeInference.Run(graph);
        var feeds = new Dictionary<string, Tensor> { ["x"] = F(S(x.Length), x) };
        var ort = OrtOracle.Run(graph, feeds)["y"].AsFloats();
        var ours = FloatInterpreter.Run(graph, feeds)["y"].AsFloats();
        for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(ort[i] - ours[i]) <= 1e-6f, $"erf({x[i]}): ORT {ort[i]}, ours {ours[i]}");
        Assert.Equal(0.8427007929497149, UnaryFloat.Erf(1.0), 1e-15); // erf(1), from the tables
        Assert.Equal(-0.9999779095030014, UnaryFloat.Erf(-3.0), 1e-15);
    }

    [Fact]
    public void The_erf_form_PyTorch_exports_matches_ONNX_Runtime()
    {
        // x · 0.5 · (1 + erf(x / √2)), as torch.nn.GELU() exports at opset < 20.
        AssertMatchesOrtAndPlan(() => new GraphBuilder(13).Input("x", 3, 16)
            .Constant("sqrt2", F(S(), 1.4142135f)).Constant("one", F(S(), 1f)).Constant("half", F(S(), 0.5f))
            .Node("Div", new[] { "x", "sqrt2" }, new[] { "d" })
            .Node("Erf", new[] { "d" }, new[] { "e" })
            .Node("Add", new[] { "e", "one" }, new[] { "a" })
            .Node("Mul", new[] { "x", "a" }, new[] { "m" })
            .Node("Mul", new[] { "m", "half" }, new[] { "y" }).Output("y").Graph, "GELU, erf form", scale: 5f);
    }

    // ---- Split

    [Fact]
    public void Split_reads_its_sizes_from_the_attribute_the_input_or_num_outputs()
    {
        var x = Range(S(2, 5));
        var before13 = Run("Split", new Tensor?[] { x }, new[] { Int("axis", 1), Ints("split", 2, 3) }, opset: 11, outputCount: 2);
        Assert.Equal(new float[] { 0, 1, 5, 6 }, before13[0].AsFloats());
        Assert.Equal(new float[] { 2, 3, 4, 7, 8, 9 }, before13[1].AsFloats());
        var input = OperatorTestRunner.Run("Split", new Tensor?[] { x, I(S(3), 1, 0, 4) }, new[] { Int("axis", -1) }, opset: 13,
            constants: new Dictionary<int, Tensor> { [1] = I(S(3), 1, 0, 4) }, outputCount: 3);
        Assert.Equal(S(2, 0), input[1].Shape);
        Assert.Equal(new float[] { 1, 2, 3, 4, 6, 7, 8, 9 }, input[2].AsFloats());
        // 5 in 3 parts: ⌈5/3⌉ = 2, 2, and the rest, 1.
        var uneven = Run("Split", new Tensor?[] { x }, new[] { Int("axis", 1), Int("num_outputs", 3) }, opset: 18, outputCount: 3);
        Assert.Equal(new[] { S(2, 2), S(2, 2), S(2, 1) }, uneven.Select(t => t.Shape));
        Assert.Equal(new float[] { 4, 9 }, uneven[2].AsFloats());
        var equal = Run("Split", new Tensor?[] { x }, null, opset: 13, outputCount: 2);
        Assert.Equal(new float[] { 5, 6, 7, 8, 9 }, equal[1].AsFloats());
        var e = Assert.Throws<BakeException>(() => Run("Split", new Tensor?[] { x }, new[] { Int("axis", 1) }, opset: 13, outputCount: 2));
        Assert.Equal(ErrorCodes.ShapeError, e.Code);
        Assert.Contains("Split_0", e.Message);
    }

    private static Tensor[] Run(string opType, Tensor?[] inputs, Attribute[]? attributes, long opset, int outputCount) =>
        OperatorTestRunner.Run(opType, inputs, attributes, opset, outputCount: outputCount);

    [Fact]
    public void Split_parts_in_a_float_plan_match_ONNX_Runtime()
    {
        AssertMatchesOrtAndPlan(() => new GraphBuilder(18).Input("x", 2, 7, 3)
            .Node("Split", new[] { "x" }, new[] { "a", "b", "c" }, Int("axis", 1), Int("num_outputs", 3)).Output("a", "b", "c").Graph, "Split num_outputs");
    }

    // ---- MatMul of two run-time tensors

    public static IEnumerable<object[]> MatMulCases => new[]
    {
        new object[] { new[] { 4, 3 }, new[] { 3, 5 } },
        new object[] { new[] { 2, 1, 3, 4 }, new[] { 3, 4, 5 } },   // batch broadcast both ways
        new object[] { new[] { 2, 4, 6, 8 }, new[] { 2, 4, 8, 6 } }, // attention scores
        new object[] { new[] { 3 }, new[] { 2, 3, 4 } },            // 1-D A
        new object[] { new[] { 2, 3, 4 }, new[] { 4 } },            // 1-D B
    };

    [Theory]
    [MemberData(nameof(MatMulCases))]
    public void MatMul_of_two_run_time_tensors_matches_ONNX_Runtime(int[] a, int[] b)
    {
        AssertMatchesOrtAndPlan(() => new GraphBuilder(13).Input("a", a).Input("b", b).Node("MatMul", new[] { "a", "b" }, new[] { "y" }).Output("y").Graph,
            $"MatMul {ShapeMath.Format(a)} × {ShapeMath.Format(b)}");
    }

    [Fact]
    public void LayerNormalization_quantizes_its_Y_and_its_statistics_to_integer_steps()
    {
        var x = new ArenaSlice("x", ElementType.Float32, 4);
        var context = new Core.Quantization.QuantizationContext(new Dictionary<ArenaSlice, (float Min, float Max)>());
        context.Fix(x, new Core.Quantization.QuantizationParameters(0.01, 0));
        foreach (var result in new[] { LayerNormResult.Normalized, LayerNormResult.Mean, LayerNormResult.InverseStandardDeviation })
        {
            var output = new ArenaSlice("o", ElementType.Float32, result == LayerNormResult.Normalized ? 4 : 1);
            context.Fix(output, new Core.Quantization.QuantizationParameters(0.05, -10));
            var step = LayerNormFloat.For("'n' (LayerNormalization)", x, output, 1, 4, new float[4], new float[0], 1e-5f, result);
            Assert.IsNotAssignableFrom<IFloatOnlyKernel>(step);
            Assert.Equal(result == LayerNormResult.Normalized ? KernelKind.LayerNormFloat : KernelKind.LayerNormStatisticsFloat, step.Kind);
            Assert.Equal(result == LayerNormResult.Normalized ? KernelKind.LayerNormInt8 : KernelKind.LayerNormStatisticsInt8, step.Quantize(context).Kind);
        }
    }

    // ---- Int8 attention scores: MatMul of two run-time int8 tensors

    /// <summary>x [1, 6, 8] → q = x·Wq, k = x·Wk → scores q·kᵀ [1, 6, 6]: the product of two int8 tensors computed at run time.</summary>
    private static Graph Scores()
    {
        var rng = new Random(31);
        return new GraphBuilder(13).Input("x", 1, 6, 8)
            .Constant("wq", OrtOracle.RandomTensor(rng, S(8, 8), 0.5f)).Constant("wk", OrtOracle.RandomTensor(rng, S(8, 8), 0.5f))
            .Node("MatMul", new[] { "x", "wq" }, new[] { "q" })
            .Node("MatMul", new[] { "x", "wk" }, new[] { "k" })
            .Node("Transpose", new[] { "k" }, new[] { "kt" }, Ints("perm", 0, 2, 1))
            .Node("MatMul", new[] { "q", "kt" }, new[] { "y" })
            .Output("y").Graph;
    }

    private static float[][] Samples(int count, int seed) =>
        Enumerable.Range(0, count).Select(i => OrtOracle.RandomTensor(new Random(seed + i), S(1, 6, 8), 2f).AsFloats()).ToArray();

    private static BakedPlan BakeScores(TempFolder folder, CodeTarget target)
    {
        string path = folder.Path("scores.onnx");
        Core.Onnx.OnnxModelWriter.Save(Scores(), path);
        string calibration = folder.Path("calibration.npy");
        Npy.Write(calibration, Samples(64, 100));
        return Baker.Bake(new BakeOptions(path, "Scores", "Tests") { Precision = Precision.Int8, CalibrationPath = calibration, Target = target }, new RecordingLog());
    }

    [Fact]
    public void An_int8_product_of_two_run_time_tensors_follows_the_float_model_and_the_generated_code_equals_the_plan()
    {
        using var folder = new TempFolder();
        var plan = BakeScores(folder, CodeTarget.Net);
        Assert.Contains(plan.Kernels, k => k is MatMulInt8);
        double step = plan.Outputs[0].Scale;
        var graph = Scores();
        ShapeInference.Run(graph);
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), "Tests.Scores");
        double worst = 0, range = 0;
        foreach (var sample in Samples(16, 7))
        {
            var expected = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = F(S(1, 6, 8), sample) })["y"].AsFloats();
            var ours = PlanInterpreter.Run(plan, new[] { sample })[0];
            worst = Math.Max(worst, expected.Zip(ours, (e, o) => Math.Abs(e - o)).Max());
            range = Math.Max(range, expected.Max(Math.Abs));
            Assert.Equal(ours, generated.Predict(sample, ours.Length));
        }
        // Three int8 roundings on the way (q, k, the scores): a few output steps, a few percent of the range.
        Assert.True(worst <= 6 * step && worst <= 0.05 * range, $"int8 scores off by {worst} (output step {step}, range {range})");
        var output = new float[36];
        Assert.Equal(0, generated.AllocatedBytes(Samples(1, 7)[0], output, 100));
    }

    [Fact]
    public void The_nanoFramework_flavour_of_the_int8_product_equals_the_plan()
    {
        using var folder = new TempFolder();
        var plan = BakeScores(folder, CodeTarget.NanoFramework);
        string source = ClassEmitter.Emit(plan);
        NanoFramework.NanoCompiler.AssertNanoFrameworkClean(source);
        var nano = NanoFramework.NanoCompiler.CompileForNet(source, "Tests.Scores");
        foreach (var sample in Samples(8, 3))
            Assert.Equal(PlanInterpreter.Run(plan, new[] { sample })[0], NanoFramework.NanoCompiler.Predict(nano, sample, 36));
    }

    // ---- A whole block through generated code

    /// <summary>
    /// One attention block on x [1, 6, 8]: LayerNormalization, Q/K/V projections, Q·Kᵀ (two run-time tensors), scaled Softmax,
    /// ·V, a residual, Gelu, a Split of the features into 3 and 5, the mean of the 5 (ReduceMean, axes an input) added to the 3.
    /// One input, one output.
    /// </summary>
    private static Graph Block()
    {
        var rng = new Random(21);
        Tensor W(params int[] shape) => OrtOracle.RandomTensor(rng, shape, 0.5f);
        return new GraphBuilder(20).Input("x", 1, 6, 8)
            .Constant("g", W(8)).Constant("beta", W(8)).Constant("wq", W(8, 8)).Constant("wk", W(8, 8)).Constant("wv", W(8, 8))
            .Constant("scale", F(S(), 0.35f)).Constant("split", I(S(2), 3, 5)).Constant("axes", I(S(1), 2))
            .Node("LayerNormalization", new[] { "x", "g", "beta" }, new[] { "n" }, Float("epsilon", 1e-5f))
            .Node("MatMul", new[] { "n", "wq" }, new[] { "q" })
            .Node("MatMul", new[] { "n", "wk" }, new[] { "k" })
            .Node("MatMul", new[] { "n", "wv" }, new[] { "v" })
            .Node("Transpose", new[] { "k" }, new[] { "kt" }, Ints("perm", 0, 2, 1))
            .Node("MatMul", new[] { "q", "kt" }, new[] { "s" })
            .Node("Mul", new[] { "s", "scale" }, new[] { "ss" })
            .Node("Softmax", new[] { "ss" }, new[] { "p" }, Int("axis", -1))
            .Node("MatMul", new[] { "p", "v" }, new[] { "o" })
            .Node("Add", new[] { "o", "x" }, new[] { "r" })
            .Node("Gelu", new[] { "r" }, new[] { "h" })
            .Node("Split", new[] { "h", "split" }, new[] { "h1", "h2" }, Int("axis", 2))
            .Node("ReduceMean", new[] { "h2", "axes" }, new[] { "m2" })
            .Node("Add", new[] { "h1", "m2" }, new[] { "y" })
            .Output("y").Graph;
    }

    [Fact]
    public void An_attention_block_matches_ONNX_Runtime_and_its_generated_code_equals_the_plan_allocating_nothing()
    {
        static Graph Build() => Block();
        var graph = Build();
        ShapeInference.Run(graph);
        var reference = FloatInterpreter.Run(graph, Feeds(graph, 4));
        OrtOracle.AssertMatches(graph, Feeds(graph, 4), reference, "attention block");

        var plan = Baker.Bake(Build(), "test", new BakeOptions("block.onnx", "Block", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        Assert.Contains(plan.Kernels, k => k is MatMulFloat);
        Assert.Contains(plan.Kernels, k => k is LayerNormFloat);
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), "Tests.Block");
        var input = Feeds(graph, 4)["x"].AsFloats();
        var expected = PlanInterpreter.Run(plan, new[] { input })[0];
        Assert.Equal(reference["y"].AsFloats(), expected);
        var output = new float[expected.Length];
        generated.Predict(input, output);
        Assert.Equal(expected, output);
        Assert.Equal(0, generated.AllocatedBytes(input, output, 100));
    }

    // ---- The real model

    [Fact]
    public void The_compact_convolutional_transformer_passes_conformance()
    {
        var testCase = ConformanceCase.Find(TestData.Path("realmodels")).Single(c => c.Name == "deeploy_CCT_FP32_CCT_1_16_16_8");
        var result = ConformanceRunner.Run(testCase);
        Assert.True(result.Outcome == Outcome.Pass, result.ToString());
    }
}
