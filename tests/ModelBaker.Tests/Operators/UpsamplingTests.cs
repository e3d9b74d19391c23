using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Options;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// DepthToSpace and SpaceToDepth (one Remap step over a six-axis view): hand-computed layouts, the reference and the
/// float plan against ONNX Runtime, int8 and nanoFramework plans. ConvTranspose: the reference and the float plan
/// against ONNX Runtime over every attribute, a hand-computed case, int8 as one integer step on .NET and nanoFramework. Resize and Upsample
/// (nearest, one Remap step): against ONNX Runtime over the coordinate transformations and rounding modes.
/// </summary>
public sealed class UpsamplingTests
{
    private static Attribute Str(string name, string value) => new() { Name = name, Kind = AttributeKind.String, String = value };

    private static Graph Graph(string op, int[] x, params Attribute[] attributes) =>
        new GraphBuilder(13).Input("x", x).Node(op, new[] { "x" }, new[] { "y" }, attributes).Output("y").Graph;

    private static float[] RunPlan(string op, int[] x, Attribute[] attributes, float[] input, Precision precision = Precision.Float32) =>
        PlanInterpreter.Run(Baker.Bake(Graph(op, x, attributes), "test",
            new BakeOptions("d2s.onnx", "D2s", "Tests") { Precision = precision }, new RecordingLog()), new[] { input })[0];

    private static float[] Reference(string op, int[] x, Attribute[] attributes, float[] input)
    {
        var graph = Graph(op, x, attributes);
        ShapeInference.Run(graph);
        return FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = T.F(x, input) })["y"].AsFloats();
    }

    public static IEnumerable<object[]> HandCases => new[]
    {
        // x = 0..7 as [1, 8, 1, 1], blocksize 2, depth 2. DCR: y[d, i, j] = x[(i·2 + j)·2 + d]; CRD: y[d, i, j] = x[d·4 + i·2 + j].
        new object[] { "DepthToSpace", new[] { 1, 8, 1, 1 }, "DCR", new float[] { 0, 2, 4, 6, 1, 3, 5, 7 } },
        new object[] { "DepthToSpace", new[] { 1, 8, 1, 1 }, "CRD", new float[] { 0, 1, 2, 3, 4, 5, 6, 7 } },
        // x = 0..7 as [1, 2, 2, 2]: y channel (i·2 + j)·2 + c = x[c, i, j].
        new object[] { "SpaceToDepth", new[] { 1, 2, 2, 2 }, "", new float[] { 0, 4, 1, 5, 2, 6, 3, 7 } },
    };

    [Theory]
    [MemberData(nameof(HandCases))]
    public void Layouts_match_hand_computed_values(string op, int[] x, string mode, float[] expected)
    {
        var attributes = mode.Length == 0 ? new[] { Int("blocksize", 2) } : new[] { Int("blocksize", 2), Str("mode", mode) };
        float[] input = Enumerable.Range(0, 8).Select(i => (float)i).ToArray();
        Assert.Equal(expected, Reference(op, x, attributes, input));
        Assert.Equal(expected, RunPlan(op, x, attributes, input));
    }

    public static IEnumerable<object[]> OrtCases => new[]
    {
        new object[] { "DepthToSpace", new[] { 2, 18, 2, 3 }, 3, "DCR" },
        new object[] { "DepthToSpace", new[] { 1, 8, 3, 2 }, 2, "CRD" },
        new object[] { "DepthToSpace", new[] { 1, 3, 2, 2 }, 1, "DCR" },
        new object[] { "SpaceToDepth", new[] { 2, 3, 6, 4 }, 2, "" },
        new object[] { "SpaceToDepth", new[] { 1, 2, 3, 6 }, 3, "" },
    };

    [Theory]
    [MemberData(nameof(OrtCases))]
    public void Reference_and_float_plan_match_ONNX_Runtime(string op, int[] x, int blocksize, string mode)
    {
        var attributes = mode.Length == 0 ? new[] { Int("blocksize", blocksize) } : new[] { Int("blocksize", blocksize), Str("mode", mode) };
        var graph = Graph(op, x, attributes);
        ShapeInference.Run(graph);
        var feeds = new Dictionary<string, Tensor> { ["x"] = OrtOracle.RandomTensor(new Random(blocksize), x, 3f) };
        var reference = FloatInterpreter.Run(graph, feeds);
        OrtOracle.AssertMatches(graph, feeds, reference, $"{op} {ShapeMath.Format(x)} b {blocksize} {mode}");
        // A pure copy: the plan must give the reference's numbers exactly.
        Assert.Equal(reference["y"].AsFloats(), RunPlan(op, x, attributes, feeds["x"].AsFloats()));
    }

    [Fact]
    public void int8_and_nanoFramework_plans_copy_without_a_float_island()
    {
        var x = new[] { 1, 8, 2, 2 };
        var attributes = new[] { Int("blocksize", 2), Str("mode", "CRD") };
        var plan = Baker.Bake(Graph("DepthToSpace", x, attributes), "test",
            new BakeOptions("d2s.onnx", "D2s", "Tests") { Precision = Precision.Int8 }, new RecordingLog());
        Assert.Contains(KernelKind.Remap, plan.Kernels.Select(k => k.Kind));
        Assert.DoesNotContain(KernelKind.FloatIslandEntry, plan.Kernels.Select(k => k.Kind));
        float[] input = Enumerable.Range(0, 32).Select(i => i / 16f - 1f).ToArray(); // inside the default calibration range
        float[] expected = Reference("DepthToSpace", x, attributes, input);
        float[] actual = PlanInterpreter.Run(plan, new[] { input })[0];
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 0.01f, $"element {i}: {actual[i]} vs {expected[i]}");
        Baker.Bake(Graph("SpaceToDepth", new[] { 1, 2, 4, 4 }, Int("blocksize", 2)), "test",
            new BakeOptions("s2d.onnx", "S2d", "Tests") { Precision = Precision.Int8, Target = CodeTarget.NanoFramework }, new RecordingLog());
    }

    [Fact]
    public void Bad_shapes_and_modes_are_refused_with_codes()
    {
        var channels = Assert.Throws<BakeException>(() => ShapeInference.Run(Graph("DepthToSpace", new[] { 1, 6, 2, 2 }, Int("blocksize", 2))));
        Assert.Equal(ErrorCodes.ShapeError, channels.Code);
        Assert.Contains("DepthToSpace_0", channels.Message);
        var spatial = Assert.Throws<BakeException>(() => ShapeInference.Run(Graph("SpaceToDepth", new[] { 1, 1, 3, 4 }, Int("blocksize", 2))));
        Assert.Equal(ErrorCodes.ShapeError, spatial.Code);
        var rank = Assert.Throws<BakeException>(() => ShapeInference.Run(Graph("SpaceToDepth", new[] { 4, 4, 4 }, Int("blocksize", 2))));
        Assert.Equal(ErrorCodes.ShapeError, rank.Code);
        var mode = Assert.Throws<BakeException>(() => ShapeInference.Run(Graph("DepthToSpace", new[] { 1, 4, 2, 2 }, Int("blocksize", 2), Str("mode", "RDC"))));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, mode.Code);
    }

    private static Graph ConvTransposeGraph(int[] x, Tensor w, Tensor? b, Attribute[] attributes)
    {
        var builder = new GraphBuilder(13).Input("x", x).Constant("w", w);
        if (b != null) builder.Constant("b", b);
        return builder.Node("ConvTranspose", b != null ? new[] { "x", "w", "b" } : new[] { "x", "w" }, new[] { "y" }, attributes).Output("y").Graph;
    }

    public static IEnumerable<object[]> ConvTransposeCases => new[]
    {
        // x shape, w shape, bias, attributes (name=values;…)
        new object[] { new[] { 1, 2, 3, 3 }, new[] { 2, 3, 3, 3 }, true, "" },
        new object[] { new[] { 2, 4, 3, 4 }, new[] { 4, 2, 2, 3 }, true, "group=2;strides=2,3;pads=1,0,0,2" },
        new object[] { new[] { 1, 3, 4, 3 }, new[] { 3, 2, 3, 2 }, false, "strides=2,2;dilations=2,1;output_padding=1,1" },
        new object[] { new[] { 1, 2, 3, 3 }, new[] { 2, 1, 3, 3 }, true, "strides=2,2;output_shape=6,7" },           // odd total padding
        new object[] { new[] { 1, 2, 3, 3 }, new[] { 2, 1, 3, 3 }, true, "strides=2,2;auto_pad=SAME_LOWER" },
        new object[] { new[] { 1, 2, 3, 3 }, new[] { 2, 1, 4, 4 }, true, "strides=2,2;auto_pad=SAME_UPPER" },
        new object[] { new[] { 1, 2, 2, 3 }, new[] { 2, 2, 3, 3 }, false, "strides=3,2;auto_pad=VALID" },
        new object[] { new[] { 2, 3, 5 }, new[] { 3, 2, 3 }, true, "strides=2;pads=1,2;dilations=2" },                 // 1-D
        new object[] { new[] { 1, 6, 7 }, new[] { 6, 1, 4 }, true, "group=6;strides=3;output_padding=2" },             // 1-D depthwise
    };

    private static Attribute[] ParseAttributes(string text) => text.Length == 0 ? Array.Empty<Attribute>() : text.Split(';').Select(part =>
    {
        string[] kv = part.Split('=');
        return kv[0] == "auto_pad" ? Str(kv[0], kv[1])
            : kv[0] == "group" ? Int(kv[0], long.Parse(kv[1], System.Globalization.CultureInfo.InvariantCulture))
            : Ints(kv[0], kv[1].Split(',').Select(v => long.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }).ToArray();

    [Theory]
    [MemberData(nameof(ConvTransposeCases))]
    public void ConvTranspose_reference_and_float_plan_match_ONNX_Runtime(int[] x, int[] w, bool hasBias, string attributes)
    {
        var rng = new Random(x.Sum() + w.Sum());
        var weights = OrtOracle.RandomTensor(rng, w);
        var bias = hasBias ? OrtOracle.RandomTensor(rng, new[] { w[1] * (int)(ParseAttributes(attributes).FirstOrDefault(a => a.Name == "group")?.Int ?? 1) }) : null;
        var graph = ConvTransposeGraph(x, weights, bias, ParseAttributes(attributes));
        ShapeInference.Run(graph);
        var feeds = new Dictionary<string, Tensor> { ["x"] = OrtOracle.RandomTensor(rng, x, 2f) };
        var reference = FloatInterpreter.Run(graph, feeds);
        OrtOracle.AssertMatches(graph, feeds, reference, $"ConvTranspose {ShapeMath.Format(x)} {attributes}");

        var plan = Baker.Bake(ConvTransposeGraph(x, weights, bias, ParseAttributes(attributes)), "test",
            new BakeOptions("ct.onnx", "Ct", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var actual = Tensor.FromFloats(reference["y"].Shape, PlanInterpreter.Run(plan, new[] { feeds["x"].AsFloats() })[0]);
        Assert.True(OrtOracle.MaxError(reference["y"], actual, "ConvTranspose plan") <= 1e-5);
    }

    [Fact]
    public void ConvTranspose_spreads_each_input_over_the_kernel_by_hand()
    {
        // 1-D, x = [1, 2], w = [1, 10, 100], stride 2, bias 0.5: y[i·2 + k] += x[i]·w[k] → [1, 10, 102, 20, 200] + 0.5.
        var graph = ConvTransposeGraph(new[] { 1, 1, 2 }, T.F(new[] { 1, 1, 3 }, 1, 10, 100), T.F(new[] { 1 }, 0.5f), new[] { Ints("strides", 2) });
        ShapeInference.Run(graph);
        float[] expected = { 1.5f, 10.5f, 102.5f, 20.5f, 200.5f };
        Assert.Equal(expected, FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = T.F(new[] { 1, 1, 2 }, 1, 2) })["y"].AsFloats());
        var plan = Baker.Bake(ConvTransposeGraph(new[] { 1, 1, 2 }, T.F(new[] { 1, 1, 3 }, 1, 10, 100), T.F(new[] { 1 }, 0.5f), new[] { Ints("strides", 2) }),
            "test", new BakeOptions("ct.onnx", "Ct", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        Assert.Equal(expected, PlanInterpreter.Run(plan, new[] { new[] { 1f, 2f } })[0]);
    }

    /// <summary>
    /// Int8, every geometry above: one integer step (no float island), calibrated on the 40 random inputs it is then run on (so no output is clipped); the interpreter,
    /// the .NET class and the nanoFramework class (compiled against nanoFramework's mscorlib, inside its limits) equal
    /// bit for bit, and the int8 output stays within a few output steps of the float model's — a tap read from the
    /// wrong place or a zero point folded where it cannot be (border outputs get fewer taps) is many steps off.
    /// </summary>
    [Theory]
    [MemberData(nameof(ConvTransposeCases))]
    public void ConvTranspose_int8_is_one_integer_step_and_the_interpreter_NET_and_nanoFramework_agree(int[] x, int[] w, bool hasBias, string attributes)
    {
        var rng = new Random(x.Sum() * 7 + w.Sum());
        var weights = OrtOracle.RandomTensor(rng, w);
        int group = (int)(ParseAttributes(attributes).FirstOrDefault(a => a.Name == "group")?.Int ?? 1);
        var bias = hasBias ? OrtOracle.RandomTensor(rng, new[] { w[1] * group }) : null;
        Graph Make() => ConvTransposeGraph(x, weights, bias, ParseAttributes(attributes));
        AssertInt8IsOneIntegerStepEqualEverywhereAndCloseToFloat(Make, x, KernelKind.ConvTransposeInt8, rng);
    }

    /// <summary>
    /// The int8 bake of <paramref name="make"/>'s graph (input "x" of shape <paramref name="x"/>, output "y"), calibrated on
    /// the 40 random inputs it is then run on (so no output is clipped): one <paramref name="kind"/> step and no float
    /// island for .NET and nanoFramework; the interpreter, the .NET class and the nanoFramework class (compiled against
    /// nanoFramework's mscorlib, inside its limits) equal bit for bit; the output within 2 output steps of the float
    /// model's; nothing allocated per call.
    /// </summary>
    private static void AssertInt8IsOneIntegerStepEqualEverywhereAndCloseToFloat(Func<Graph> make, int[] x, KernelKind kind, Random rng)
    {
        float[][] inputs = Enumerable.Range(0, 40).Select(_ => OrtOracle.RandomTensor(rng, x, 2f).AsFloats()).ToArray();
        using var temp = new TempFolder();
        string calibration = temp.Path("calibration.npy");
        Npy.Write(calibration, inputs);
        BakedPlan Bake(CodeTarget target) => Baker.Bake(make(), "test",
            new BakeOptions("up.onnx", "Up", "Tests") { Precision = Precision.Int8, CalibrationPath = calibration, Target = target }, new RecordingLog());
        var net = Bake(CodeTarget.Net);
        var nano = Bake(CodeTarget.NanoFramework);
        foreach (var plan in new[] { net, nano })
        {
            Assert.DoesNotContain(plan.Kernels, k => k is IFloatOnlyKernel || k is Core.Kernels.FloatIslandBoundary);
            Assert.Single(plan.Kernels, k => k.Kind == kind);
        }
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(net), "Tests.Up");
        string nanoSource = ClassEmitter.Emit(nano);
        NanoCompiler.AssertNanoFrameworkClean(nanoSource);
        var nanoClass = NanoCompiler.CompileForNet(nanoSource, "Tests.Up");
        var graph = make();
        ShapeInference.Run(graph);
        int outputs = net.Outputs[0].Length;
        double step = net.Outputs[0].Scale, worst = 0;
        foreach (var input in inputs)
        {
            float[] expected = PlanInterpreter.Run(net, new[] { input })[0];
            Assert.Equal(expected, generated.Predict(input, outputs));
            Assert.Equal(expected, PlanInterpreter.Run(nano, new[] { input })[0]);
            Assert.Equal(expected, NanoCompiler.Predict(nanoClass, input, outputs));
            float[] real = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = T.F(x, input) })["y"].AsFloats();
            for (int i = 0; i < outputs; i++) worst = Math.Max(worst, Math.Abs(real[i] - expected[i]) / step);
        }
        Assert.True(worst <= 2, $"int8 output off the float model's by {worst:F2} output steps");
        Assert.Equal(0, generated.AllocatedBytes(inputs[0], new float[outputs], 50));
    }

    [Fact]
    public void ConvTranspose_bad_shapes_and_attributes_are_refused_with_codes()
    {
        var channels = Assert.Throws<BakeException>(() => ShapeInference.Run(ConvTransposeGraph(new[] { 1, 3, 2, 2 }, T.F(new[] { 2, 1, 1, 1 }, 1, 1), null, Array.Empty<Attribute>())));
        Assert.Equal(ErrorCodes.ShapeError, channels.Code);
        Assert.Contains("ConvTranspose_0", channels.Message);
        var padding = Assert.Throws<BakeException>(() => ShapeInference.Run(ConvTransposeGraph(new[] { 1, 1, 2, 2 }, T.F(new[] { 1, 1, 1, 1 }, 1), null, new[] { Ints("output_padding", 1, 1) })));
        Assert.Equal(ErrorCodes.ShapeError, padding.Code);
        var autoPad = Assert.Throws<BakeException>(() => ShapeInference.Run(ConvTransposeGraph(new[] { 1, 1, 2, 2 }, T.F(new[] { 1, 1, 1, 1 }, 1), null, new[] { Str("auto_pad", "SAME") })));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, autoPad.Code);
    }

    [Fact]
    public void ConvTranspose_generated_code_allocates_nothing_and_survives_the_plan_file()
    {
        var rng = new Random(5);
        var graph = ConvTransposeGraph(new[] { 1, 4, 3, 3 }, OrtOracle.RandomTensor(rng, new[] { 4, 3, 3, 3 }), OrtOracle.RandomTensor(rng, new[] { 6 }),
            new[] { Int("group", 2), Ints("strides", 2, 2), Ints("pads", 1, 1, 0, 0) });
        var plan = Baker.Bake(graph, "tests", new BakeOptions("ct.onnx", "Ct", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        string source = ClassEmitter.Emit(plan);
        Assert.Equal(source, ClassEmitter.Emit(PlanFile.Read(PlanFile.ToBytes(plan))));
        var assembly = GeneratedAssembly.Compile(source, $"{plan.Header.Namespace}.{plan.Header.ClassName}");
        var input = OrtOracle.RandomTensor(rng, new[] { 1, 4, 3, 3 }).AsFloats();
        var output = new float[plan.Outputs[0].Length];
        Assert.Equal(0, assembly.AllocatedBytes(input, output, 100));
        Assert.Equal(PlanInterpreter.Run(plan, new[] { input })[0], assembly.Predict(input, output.Length));
    }

    private static Graph ResizeGraph(long opset, int[] x, float[]? scales, long[]? sizes, params Attribute[] attributes)
    {
        var builder = new GraphBuilder(opset).Input("x", x);
        var inputs = new List<string> { "x", "" };
        if (scales != null) { builder.Constant("scales", T.F(new[] { scales.Length }, scales)); inputs.Add("scales"); }
        else { inputs.Add(""); builder.Constant("sizes", Tensor.FromInt64s(new[] { sizes!.Length }, sizes)); inputs.Add("sizes"); }
        return builder.Node("Resize", inputs.ToArray(), new[] { "y" }, attributes).Output("y").Graph;
    }

    /// <summary>
    /// Align_corners with scales whose input size × scale is fractional is left out: ONNX divides by input × scale − 1,
    /// ONNX Runtime by the output size − 1, and ModelBaker follows ONNX (ResizeModesTests checks it by hand).
    /// </summary>
    public static IEnumerable<object[]> ResizeCases() => AllResizeCases().Where(c =>
        (string)c[3] != "align_corners" || ((float[])c[1]).Select((s, a) => ((int[])c[0])[a] * s).All(v => v == Math.Floor(v)));

    private static IEnumerable<object[]> AllResizeCases()
    {
        string[] transforms = { "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric" };
        string[] roundings = { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" };
        foreach (string transform in transforms)
            foreach (string rounding in roundings)
            {
                yield return new object[] { new[] { 1, 2, 3, 4 }, new[] { 1f, 1f, 2.5f, 1.5f }, Array.Empty<long>(), transform, rounding, "nearest" };
                yield return new object[] { new[] { 2, 1, 7, 5 }, Array.Empty<float>(), new long[] { 2, 1, 3, 9 }, transform, rounding, "nearest" };
            }
        yield return new object[] { new[] { 1, 1, 6, 6 }, new[] { 1f, 1f, 0.5f, 0.6f }, Array.Empty<long>(), "half_pixel", "round_prefer_floor", "nearest" };
        foreach (string transform in transforms)
        {
            yield return new object[] { new[] { 1, 2, 3, 4 }, new[] { 1f, 1f, 2.5f, 1.5f }, Array.Empty<long>(), transform, "", "linear" };
            yield return new object[] { new[] { 2, 1, 7, 5 }, Array.Empty<float>(), new long[] { 2, 1, 3, 9 }, transform, "", "linear" };
            yield return new object[] { new[] { 1, 1, 6, 6 }, new[] { 1f, 1f, 0.5f, 0.6f }, Array.Empty<long>(), transform, "", "linear" };
            yield return new object[] { new[] { 1, 3, 5 }, Array.Empty<float>(), new long[] { 1, 3, 1 }, transform, "", "linear" };
        }
    }

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void Resize_reference_and_plan_match_ONNX_Runtime(int[] x, float[] scales, long[] sizes, string transform, string rounding, string mode)
    {
        Graph Make() => ResizeGraph(13, x, scales.Length > 0 ? scales : null, sizes.Length > 0 ? sizes : null,
            mode == "nearest" ? new[] { Str("mode", mode), Str("coordinate_transformation_mode", transform), Str("nearest_mode", rounding) }
                : new[] { Str("mode", mode), Str("coordinate_transformation_mode", transform) });
        var graph = Make();
        ShapeInference.Run(graph);
        var feeds = new Dictionary<string, Tensor> { ["x"] = OrtOracle.RandomTensor(new Random(3), x) };
        var reference = FloatInterpreter.Run(graph, feeds);
        OrtOracle.AssertMatches(graph, feeds, reference, $"Resize {ShapeMath.Format(x)} {mode} {transform} {rounding}");
        var plan = Baker.Bake(Make(), "test", new BakeOptions("r.onnx", "R", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var actual = Tensor.FromFloats(reference["y"].Shape, PlanInterpreter.Run(plan, new[] { feeds["x"].AsFloats() })[0]);
        if (mode == "nearest") Assert.Equal(reference["y"].AsFloats(), actual.AsFloats()); // a copy: exact
        else Assert.True(OrtOracle.MaxError(reference["y"], actual, "Resize plan") <= 1e-5);
    }

    [Fact]
    public void Upsample_repeats_elements_by_hand_and_int8_and_nano_plans_copy()
    {
        // Upsample-9, scales [1, 1, 2, 3]: output (h, w) reads input (⌊h / 2⌋, ⌊w / 3⌋).
        Graph Make() => new GraphBuilder(9).Input("x", 1, 1, 2, 2).Constant("scales", T.F(new[] { 4 }, 1, 1, 2, 3))
            .Node("Upsample", new[] { "x", "scales" }, new[] { "y" }, Str("mode", "nearest")).Output("y").Graph;
        var graph = Make();
        ShapeInference.Run(graph);
        float[] expected = { 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4 };
        var input = new Dictionary<string, Tensor> { ["x"] = T.F(new[] { 1, 1, 2, 2 }, 1, 2, 3, 4) };
        Assert.Equal(expected, FloatInterpreter.Run(graph, input)["y"].AsFloats());
        OrtOracle.AssertMatches(graph, input, FloatInterpreter.Run(graph, input), "Upsample-9");
        var plan = Baker.Bake(Make(), "test", new BakeOptions("u.onnx", "U", "Tests") { Precision = Precision.Int8 }, new RecordingLog());
        Assert.Equal(new[] { KernelKind.Remap }, plan.Kernels.Select(k => k.Kind).Where(k => k == KernelKind.Remap || k == KernelKind.FloatIslandEntry));
        Baker.Bake(Make(), "test", new BakeOptions("u.onnx", "U", "Tests") { Precision = Precision.Int8, Target = CodeTarget.NanoFramework }, new RecordingLog());
    }

    [Fact]
    public void Resize_refuses_scales_computed_at_run_time_with_MB1104()
    {
        var runTime = new GraphBuilder(13).Input("x", 1, 1, 2, 2).Input("scales", 4)
            .Node("Resize", new[] { "x", "", "scales" }, new[] { "y" }).Output("y").Graph;
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(runTime));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("Resize_0", e.Message);
    }

    /// <summary>Interpolating resizes in int8: (opset, input shape, scales, sizes, attributes as "name=value;…").</summary>
    public static IEnumerable<object[]> InterpolatingCases => new[]
    {
        new object[] { 13, new[] { 1, 2, 3, 3 }, new[] { 1f, 1f, 2f, 2f }, "mode=linear" },
        new object[] { 13, new[] { 1, 2, 3, 4 }, new[] { 1f, 1f, 2.5f, 1.5f }, "mode=linear;coordinate_transformation_mode=align_corners" },
        new object[] { 13, new[] { 2, 1, 7, 5 }, new[] { 1f, 1f, 0.5f, 0.6f }, "mode=linear;coordinate_transformation_mode=pytorch_half_pixel" },
        new object[] { 13, new[] { 1, 3, 5 }, new[] { 1f, 1f, 2f }, "mode=linear;coordinate_transformation_mode=asymmetric" },
        new object[] { 13, new[] { 1, 1, 3, 4, 4 }, new[] { 1f, 1f, 2f, 1.5f, 0.75f }, "mode=linear" },
        new object[] { 13, new[] { 1, 2, 4, 4 }, new[] { 1f, 1f, 1.75f, 2f }, "mode=cubic" },
        new object[] { 13, new[] { 1, 2, 4, 5 }, new[] { 1f, 1f, 2f, 1.5f }, "mode=cubic;cubic_coeff_a=-0.5;exclude_outside=1" },
        new object[] { 19, new[] { 1, 2, 6, 5 }, new[] { 1f, 1f, 0.5f, 1.4f }, "mode=cubic;antialias=1;exclude_outside=1" },
        new object[] { 19, new[] { 1, 1, 8, 8 }, new[] { 1f, 1f, 0.375f, 0.5f }, "mode=linear;antialias=1" },
    };

    /// <summary>Linear, cubic and antialiased resizes over 3 to 5 axes and every tap layout: one integer step, as the other int8 steps here.</summary>
    [Theory]
    [MemberData(nameof(InterpolatingCases))]
    public void Interpolating_resize_int8_is_one_integer_step_and_the_interpreter_NET_and_nanoFramework_agree(int opset, int[] x, float[] scales, string attributes)
    {
        var parsed = attributes.Split(';').Select(a => a.Split('=')).Select(p =>
            p[1].Any(char.IsLetter) ? Str(p[0], p[1]) : p[1].Contains('.') ? new Attribute { Name = p[0], Kind = AttributeKind.Float, Float = float.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture) }
            : new Attribute { Name = p[0], Kind = AttributeKind.Int, Int = long.Parse(p[1]) }).ToArray();
        AssertInt8IsOneIntegerStepEqualEverywhereAndCloseToFloat(() => ResizeGraph(opset, x, scales, null, parsed), x, KernelKind.ResizeTapsInt8,
            new Random(x.Sum() + (int)(scales.Sum() * 8)));
    }

    [Fact]
    public void Upsample_linear_int8_is_one_integer_step_and_the_interpreter_NET_and_nanoFramework_agree()
    {
        Graph Make() => new GraphBuilder(9).Input("x", new[] { 1, 2, 3, 3 }).Constant("scales", T.F(new[] { 4 }, 1f, 1f, 2f, 1.5f))
            .Node("Upsample", new[] { "x", "scales" }, new[] { "y" }, Str("mode", "linear")).Output("y").Graph;
        AssertInt8IsOneIntegerStepEqualEverywhereAndCloseToFloat(Make, new[] { 1, 2, 3, 3 }, KernelKind.ResizeTapsInt8, new Random(9));
    }

    [Fact]
    public void Linear_resize_generated_float_code_survives_the_plan_file_and_allocates_nothing()
    {
        Graph Make() => ResizeGraph(13, new[] { 1, 2, 3, 3 }, new[] { 1f, 1f, 2f, 2f }, null, Str("mode", "linear"));
        var plan = Baker.Bake(Make(), "tests", new BakeOptions("r.onnx", "R", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        string source = ClassEmitter.Emit(plan);
        Assert.Equal(source, ClassEmitter.Emit(PlanFile.Read(PlanFile.ToBytes(plan))));
        var assembly = GeneratedAssembly.Compile(source, $"{plan.Header.Namespace}.{plan.Header.ClassName}");
        var input = OrtOracle.RandomTensor(new Random(2), new[] { 1, 2, 3, 3 }).AsFloats();
        var output = new float[plan.Outputs[0].Length];
        Assert.Equal(0, assembly.AllocatedBytes(input, output, 100));
        Assert.Equal(PlanInterpreter.Run(plan, new[] { input })[0], assembly.Predict(input, output.Length));
    }
}
