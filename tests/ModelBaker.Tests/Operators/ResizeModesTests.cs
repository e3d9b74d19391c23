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
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Resize beyond nearest and plain linear: cubic (cubic_coeff_a, exclude_outside), antialias, tf_crop_and_resize (roi,
/// extrapolation_value), half_pixel_symmetric, tf_half_pixel_for_nn, align_corners with fractional scales. Hand-computed
/// 1-D values, the reference and the float plan against ONNX Runtime, the generated code bit for bit against the plan
/// interpreter, int8 as one integer step (UpsamplingTests holds it to the .NET and nanoFramework classes), and the
/// refusals that remain.
/// </summary>
public sealed class ResizeModesTests
{
    private static Attribute Str(string name, string value) => new() { Name = name, Kind = AttributeKind.String, String = value };

    private static Graph ResizeGraph(int[] x, float[]? roi, float[]? scales, long[]? sizes, Attribute[] attributes, long opset = 19)
    {
        var builder = new GraphBuilder(opset).Input("x", x);
        var inputs = new List<string> { "x", roi != null ? "roi" : "" };
        if (roi != null) builder.Constant("roi", T.F(new[] { roi.Length }, roi));
        if (scales != null) { builder.Constant("scales", T.F(new[] { scales.Length }, scales)); inputs.Add("scales"); }
        else { inputs.Add(""); builder.Constant("sizes", Tensor.FromInt64s(new[] { sizes!.Length }, sizes)); inputs.Add("sizes"); }
        return builder.Node("Resize", inputs.ToArray(), new[] { "y" }, attributes).Output("y").Graph;
    }

    private static BakeOptions Options(Precision precision = Precision.Float32, CodeTarget target = CodeTarget.Net) =>
        new("r.onnx", "R", "Tests") { Precision = precision, Target = target };

    private static float[] Reference(Graph graph, float[] input)
    {
        ShapeInference.Run(graph);
        return FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = T.F(graph.Values["x"].Shape!, input) })["y"].AsFloats();
    }

    public static IEnumerable<object[]> HandCases => new[]
    {
        // x = [1, 2, 4, 8]. Cubic ×2, half_pixel: output 1 sits at 0.25, taps at −1 (edge: 1), 0, 1, 2 with Keys' weights
        // (A = −0.75) −0.10546875, 0.87890625, 0.26171875, −0.03515625 → 1.15625.
        new object[] { "cubic ×2", null!, new[] { 2f }, null!, new[] { Str("mode", "cubic") }, 1, 1.15625f },
        // Linear antialias ×0.5: the triangle widened to 4 taps, weights 1/8, 3/8, 3/8, 1/8 about 0.5 and 2.5 → 1.75, 5.75.
        new object[] { "linear antialias", null!, null!, new long[] { 2 }, new[] { Str("mode", "linear"), Int("antialias", 1) }, 0, 1.75f },
        new object[] { "linear antialias", null!, null!, new long[] { 2 }, new[] { Str("mode", "linear"), Int("antialias", 1) }, 1, 5.75f },
        // tf_crop_and_resize over roi [0.5, 1.5] into 3: positions 1.5, 3, 4.5 → 3, 8, and the extrapolation value 10.
        new object[] { "crop", new[] { 0.5f, 1.5f }, null!, new long[] { 3 },
            new[] { Str("mode", "linear"), Str("coordinate_transformation_mode", "tf_crop_and_resize"), Float("extrapolation_value", 10) }, 0, 3f },
        new object[] { "crop", new[] { 0.5f, 1.5f }, null!, new long[] { 3 },
            new[] { Str("mode", "linear"), Str("coordinate_transformation_mode", "tf_crop_and_resize"), Float("extrapolation_value", 10) }, 1, 8f },
        new object[] { "crop", new[] { 0.5f, 1.5f }, null!, new long[] { 3 },
            new[] { Str("mode", "nearest"), Str("coordinate_transformation_mode", "tf_crop_and_resize"), Float("extrapolation_value", 10) }, 2, 10f },
        // align_corners, scale 0.6 (output 2): ONNX places output 1 at 1 · 3 / (4 · 0.6 − 1) = 2.142857… → 4 + 0.142857… · 4.
        new object[] { "align_corners 0.6", null!, new[] { 0.6f }, null!, new[] { Str("mode", "linear"), Str("coordinate_transformation_mode", "align_corners") },
            1, 4f + 4f * (3f / 1.4f - 2f) },
    };

    [Theory]
    [MemberData(nameof(HandCases))]
    public void One_dimensional_cases_match_hand_computed_values(string what, float[]? roi, float[]? scales, long[]? sizes, Attribute[] attributes,
        int element, float expected)
    {
        float[] x = { 1, 2, 4, 8 };
        float reference = Reference(ResizeGraph(new[] { 4 }, roi, scales, sizes, attributes), x)[element];
        Assert.True(Math.Abs(reference - expected) <= 1e-6f, $"{what}: reference {reference}, expected {expected}");
        var plan = Baker.Bake(ResizeGraph(new[] { 4 }, roi, scales, sizes, attributes), "test", Options(), new RecordingLog());
        float planned = PlanInterpreter.Run(plan, new[] { x })[0][element];
        Assert.True(Math.Abs(planned - expected) <= 1e-6f, $"{what}: plan {planned}, expected {expected}");
    }

    public static IEnumerable<object[]> OrtCases()
    {
        var cubic = new[] { Str("mode", "cubic") };
        yield return new object[] { "cubic up", new[] { 1, 2, 4, 5 }, null!, new[] { 1f, 1f, 1.5f, 2.2f }, null!, cubic };
        yield return new object[] { "cubic down", new[] { 1, 2, 7, 6 }, null!, null!, new long[] { 1, 2, 3, 4 }, cubic };
        yield return new object[] { "cubic A −0.5 exclude_outside", new[] { 1, 1, 5, 5 }, null!, new[] { 1f, 1f, 1.6f, 0.8f }, null!,
            new[] { Str("mode", "cubic"), Float("cubic_coeff_a", -0.5f), Int("exclude_outside", 1) } };
        yield return new object[] { "cubic align_corners", new[] { 1, 1, 4, 4 }, null!, null!, new long[] { 1, 1, 7, 3 },
            new[] { Str("mode", "cubic"), Str("coordinate_transformation_mode", "align_corners") } };
        yield return new object[] { "cubic asymmetric", new[] { 2, 3, 1, 5 }, null!, new[] { 1f, 1f, 1f, 2.5f }, null!,
            new[] { Str("mode", "cubic"), Str("coordinate_transformation_mode", "asymmetric") } };
        yield return new object[] { "linear half_pixel_symmetric", new[] { 1, 1, 4, 5 }, null!, new[] { 1f, 1f, 1.7f, 0.7f }, null!,
            new[] { Str("mode", "linear"), Str("coordinate_transformation_mode", "half_pixel_symmetric") } };
        yield return new object[] { "nearest half_pixel_symmetric", new[] { 1, 1, 4, 5 }, null!, new[] { 1f, 1f, 1.7f, 0.7f }, null!,
            new[] { Str("mode", "nearest"), Str("coordinate_transformation_mode", "half_pixel_symmetric") } };
        yield return new object[] { "cubic half_pixel_symmetric", new[] { 1, 1, 4, 5 }, null!, new[] { 1f, 1f, 1.7f, 0.7f }, null!,
            new[] { Str("mode", "cubic"), Str("coordinate_transformation_mode", "half_pixel_symmetric") } };
        yield return new object[] { "linear antialias up", new[] { 1, 1, 3, 4 }, null!, new[] { 1f, 1f, 2f, 1.5f }, null!,
            new[] { Str("mode", "linear"), Int("antialias", 1) } };
        yield return new object[] { "linear antialias down", new[] { 1, 1, 8, 9 }, null!, null!, new long[] { 1, 1, 3, 4 },
            new[] { Str("mode", "linear"), Int("antialias", 1) } };
        yield return new object[] { "cubic antialias down", new[] { 1, 1, 8, 9 }, null!, null!, new long[] { 1, 1, 3, 4 },
            new[] { Str("mode", "cubic"), Int("antialias", 1) } };
        var crop = new[] { 0f, 0f, 0.2f, -0.3f, 1f, 1f, 0.9f, 1.2f };
        yield return new object[] { "linear crop", new[] { 1, 2, 5, 6 }, crop, null!, new long[] { 1, 2, 4, 7 },
            new[] { Str("mode", "linear"), Str("coordinate_transformation_mode", "tf_crop_and_resize"), Float("extrapolation_value", 3.5f) } };
        yield return new object[] { "nearest crop", new[] { 1, 2, 5, 6 }, crop, null!, new long[] { 1, 2, 4, 7 },
            new[] { Str("mode", "nearest"), Str("coordinate_transformation_mode", "tf_crop_and_resize"), Float("extrapolation_value", -2f) } };
        yield return new object[] { "cubic crop by scales", new[] { 1, 1, 5, 6 }, crop, new[] { 1f, 1f, 0.8f, 1.5f }, null!,
            new[] { Str("mode", "cubic"), Str("coordinate_transformation_mode", "tf_crop_and_resize") } };
    }

    [Theory]
    [MemberData(nameof(OrtCases))]
    public void Reference_and_float_plan_match_ONNX_Runtime(string what, int[] x, float[]? roi, float[]? scales, long[]? sizes, Attribute[] attributes)
    {
        var graph = ResizeGraph(x, roi, scales, sizes, attributes);
        ShapeInference.Run(graph);
        var feeds = new Dictionary<string, Tensor> { ["x"] = OrtOracle.RandomTensor(new Random(x.Sum()), x, 2f) };
        var reference = FloatInterpreter.Run(graph, feeds);
        OrtOracle.AssertMatches(graph, feeds, reference, what);
        var plan = Baker.Bake(ResizeGraph(x, roi, scales, sizes, attributes), "test", Options(), new RecordingLog());
        var actual = Tensor.FromFloats(reference["y"].Shape, PlanInterpreter.Run(plan, new[] { feeds["x"].AsFloats() })[0]);
        Assert.True(OrtOracle.MaxError(reference["y"], actual, what) <= 1e-5, what);
    }

    [Fact]
    public void Tf_half_pixel_for_nn_matches_ONNX_Runtime_at_opset_11()
    {
        var roi = new[] { 0f, 0f, 0f, 0f, 1f, 1f, 1f, 1f }; // opset 11 requires the roi input; only tf_crop_and_resize reads it
        var graph = ResizeGraph(new[] { 1, 1, 3, 5 }, roi, new[] { 1f, 1f, 2.5f, 0.6f }, null,
            new[] { Str("mode", "nearest"), Str("coordinate_transformation_mode", "tf_half_pixel_for_nn") }, opset: 11);
        ShapeInference.Run(graph);
        var feeds = new Dictionary<string, Tensor> { ["x"] = T.Range(new[] { 1, 1, 3, 5 }) };
        var reference = FloatInterpreter.Run(graph, feeds);
        OrtOracle.AssertMatches(graph, feeds, reference, "tf_half_pixel_for_nn");
        // Output row 1 sits at 1.5 / 2.5 = 0.6 and rounds to input row 1; output column 1 at 1.5 / 0.6 = 2.5 and rounds down to 2.
        Assert.Equal(5 + 2, reference["y"].AsFloats()[3 + 1]);
    }

    [Fact]
    public void Antialias_reads_the_edge_element_for_taps_before_the_input_as_ONNX_Runtime_does()
    {
        // The 1-D hand case above (taps at −1 read element 0, weights kept), in the 2-D form ONNX Runtime accepts.
        var attributes = new[] { Str("mode", "linear"), Int("antialias", 1) };
        var graph = ResizeGraph(new[] { 1, 4 }, null, null, new long[] { 1, 2 }, attributes);
        float[] ours = Reference(graph, new float[] { 1, 2, 4, 8 });
        Assert.Equal(new[] { 1.75f, 5.75f }, ours);
        var ort = OrtOracle.Run(graph, new Dictionary<string, Tensor> { ["x"] = T.F(new[] { 1, 4 }, 1, 2, 4, 8) })["y"].AsFloats();
        Assert.Equal(ours, ort);
    }

    [Fact]
    public void Taps_step_is_one_integer_step_in_int8_and_its_float_generated_code_equals_the_plan_allocating_nothing()
    {
        Graph Make() => ResizeGraph(new[] { 1, 2, 6, 5 }, null, new[] { 1f, 1f, 0.5f, 1.4f }, null,
            new[] { Str("mode", "cubic"), Int("antialias", 1), Int("exclude_outside", 1) });
        var int8 = Baker.Bake(Make(), "test", Options(Precision.Int8), new RecordingLog());
        Assert.Equal(new[] { KernelKind.ResizeTapsInt8 }, int8.Kernels.Select(k => k.Kind));
        var read = Assert.IsType<Core.Kernels.ResizeTapsInt8>(PlanFile.Read(PlanFile.ToBytes(int8)).Kernels.Single());
        var step = (Core.Kernels.ResizeTapsInt8)int8.Kernels[0];
        Assert.Equal(step.Weights, read.Weights);
        Assert.Equal(step.First, read.First);
        Assert.Equal((step.Multiplier, step.Shift, step.Extrapolation), (read.Multiplier, read.Shift, read.Extrapolation));
        Assert.Single(Baker.Bake(Make(), "test", Options(Precision.Int8, CodeTarget.NanoFramework), new RecordingLog()).Kernels, k => k.Kind == KernelKind.ResizeTapsInt8);

        var plan = Baker.Bake(Make(), "tests", Options(), new RecordingLog());
        string source = ClassEmitter.Emit(plan);
        Assert.Equal(source, ClassEmitter.Emit(PlanFile.Read(PlanFile.ToBytes(plan))));
        var assembly = GeneratedAssembly.Compile(source, $"{plan.Header.Namespace}.{plan.Header.ClassName}");
        var input = OrtOracle.RandomTensor(new Random(4), new[] { 1, 2, 6, 5 }).AsFloats();
        var output = new float[plan.Outputs[0].Length];
        Assert.Equal(0, assembly.AllocatedBytes(input, output, 100));
        Assert.Equal(PlanInterpreter.Run(plan, new[] { input })[0], assembly.Predict(input, output.Length));
    }

    [Fact]
    public void Linear_crop_in_int8_pads_with_the_quantized_extrapolation_value_in_both_flavours()
    {
        Graph Make() => ResizeGraph(new[] { 1, 1, 4, 4 }, new[] { 0f, 0f, -0.5f, 0f, 1f, 1f, 1f, 1f }, null, new long[] { 1, 1, 3, 4 },
            new[] { Str("mode", "linear"), Str("coordinate_transformation_mode", "tf_crop_and_resize"), Float("extrapolation_value", 0.5f) });
        var plan = Baker.Bake(Make(), "test", Options(Precision.Int8), new RecordingLog());
        Assert.Equal(new[] { KernelKind.ResizeTapsInt8 }, plan.Kernels.Select(k => k.Kind));
        float[] input = Enumerable.Range(0, 16).Select(i => i / 8f - 1f).ToArray();
        float[] expected = Reference(Make(), input), actual = PlanInterpreter.Run(plan, new[] { input })[0];
        Assert.Equal(0.5f, expected[0]); // row −1.5 lies above the input
        double step = plan.Outputs[0].Scale;
        Assert.Equal(Core.Kernels.FixedPoint.Dequantize(Core.Kernels.FixedPoint.Quantize(0.5f, step, plan.Outputs[0].ZeroPoint), step, plan.Outputs[0].ZeroPoint), actual[0]);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 2 * step, $"element {i}: {actual[i]} vs {expected[i]}");
        var nano = Baker.Bake(Make(), "test", Options(Precision.Int8, CodeTarget.NanoFramework), new RecordingLog());
        Assert.Equal(actual, PlanInterpreter.Run(nano, new[] { input })[0]);
    }

    [Fact]
    public void Nearest_crop_moves_int8_values_and_pads_with_the_quantized_extrapolation_value()
    {
        Graph Make() => ResizeGraph(new[] { 1, 1, 4, 4 }, new[] { 0f, 0f, -0.5f, 0f, 1f, 1f, 1f, 1f }, null, new long[] { 1, 1, 3, 4 },
            new[] { Str("coordinate_transformation_mode", "tf_crop_and_resize"), Float("extrapolation_value", 0.5f) });
        var plan = Baker.Bake(Make(), "test", Options(Precision.Int8), new RecordingLog());
        Assert.DoesNotContain(KernelKind.FloatIslandEntry, plan.Kernels.Select(k => k.Kind));
        float[] input = Enumerable.Range(0, 16).Select(i => i / 8f - 1f).ToArray();
        float[] expected = Reference(Make(), input), actual = PlanInterpreter.Run(plan, new[] { input })[0];
        Assert.Equal(0.5f, expected[0]); // row −1.5 lies above the input
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 0.01f, $"element {i}: {actual[i]} vs {expected[i]}");
        Baker.Bake(Make(), "test", Options(Precision.Int8, CodeTarget.NanoFramework), new RecordingLog());
    }

    [Fact]
    public void What_stays_refused_is_refused_with_exact_codes()
    {
        BakeException Refusal(Graph graph) => Assert.Throws<BakeException>(() => ShapeInference.Run(graph));
        var x = new[] { 1, 1, 2, 2 };
        var unknownMode = Refusal(ResizeGraph(x, null, new[] { 1f, 1f, 2f, 2f }, null, new[] { Str("mode", "bicubic") }));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, unknownMode.Code);
        Assert.Contains("Resize_0", unknownMode.Message);
        var transform = Refusal(ResizeGraph(x, null, new[] { 1f, 1f, 2f, 2f }, null, new[] { Str("coordinate_transformation_mode", "tf_half_pixel") }));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, transform.Code);
        var noRoi = Refusal(ResizeGraph(x, null, new[] { 1f, 1f, 2f, 2f }, null, new[] { Str("coordinate_transformation_mode", "tf_crop_and_resize") }));
        Assert.Equal(ErrorCodes.ShapeError, noRoi.Code);
        Assert.Contains("roi", noRoi.Message);
        var upsampleCubic = Refusal(new GraphBuilder(9).Input("x", x).Constant("scales", T.F(new[] { 4 }, 1, 1, 2, 2))
            .Node("Upsample", new[] { "x", "scales" }, new[] { "y" }, Str("mode", "cubic")).Output("y").Graph);
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, upsampleCubic.Code);
        var runTimeRoi = new GraphBuilder(19).Input("x", x).Input("roi", 8).Constant("sizes", T.I(new[] { 4 }, 1, 1, 3, 3))
            .Node("Resize", new[] { "x", "roi", "", "sizes" }, new[] { "y" }, Str("coordinate_transformation_mode", "tf_crop_and_resize")).Output("y").Graph;
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, Refusal(runTimeRoi).Code);
    }
}
