using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Options;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Support;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Models quantized by ONNX Runtime's tools in the QOperator format (com.microsoft QLinearAdd, QLinearMul,
/// QLinearAveragePool, QLinearGlobalAveragePool, QLinearSoftmax, QLinearConcat, QLinearSigmoid, QLinearLeakyRelu, QGemm),
/// built here as ONNX Runtime's quantizer writes them: float x → QuantizeLinear → the quantized operator →
/// DequantizeLinear → float y. Each is run by ONNX Runtime (the oracle), by ModelBaker's reference semantics, by a float
/// plan and by an int8 plan that takes the model's own scales and zero points (no calibration).
/// ONNX Runtime computes these operators with its own float arithmetic (ratios of scales, lookup tables, its own
/// exp and logistic approximations) where ModelBaker dequantizes, runs the float operator and quantizes (float plans),
/// or requantizes in fixed point (int8 plans): outputs agree within one quantization step of the output, most exactly.
/// </summary>
public sealed class QOperatorTests
{
    private const float XScale = 2f / 255;
    private const long XZeroPoint = 128;
    private static readonly int[] X = { 1, 3, 5, 5 };

    private static Tensor Scalar(float v) => Tensor.FromFloats(Array.Empty<int>(), new[] { v });
    private static Tensor OneElement(float v) => Tensor.FromFloats(new[] { 1 }, new[] { v });
    private static Tensor Zp(long v, ElementType type, bool oneElement = false) =>
        Tensor.FromInt64s(oneElement ? new[] { 1 } : Array.Empty<int>(), new[] { v }, type);

    /// <summary>x (and x2) quantized to uint8 (or int8), <paramref name="body"/> from "xq" ("x2q") to "yq", dequantized into y.</summary>
    private static Graph Model(Action<GraphBuilder> body, float yScale, long yZeroPoint, ElementType type = ElementType.UInt8,
        bool twoInputs = false, int[]? shape = null, long opset = 13)
    {
        shape ??= X;
        long shift = type == ElementType.Int8 ? -128 : 0;
        var b = new GraphBuilder(opset).Input("x", shape)
            .Constant("x_scale", Scalar(XScale)).Constant("x_zp", Zp(XZeroPoint + shift, type))
            .Constant("y_scale", Scalar(yScale)).Constant("y_zp", Zp(yZeroPoint + shift, type))
            .Node("QuantizeLinear", new[] { "x", "x_scale", "x_zp" }, new[] { "xq" });
        if (twoInputs)
            b.Input("x2", shape).Constant("x2_scale", Scalar(0.011f)).Constant("x2_zp", Zp(90 + shift, type))
                .Node("QuantizeLinear", new[] { "x2", "x2_scale", "x2_zp" }, new[] { "x2q" });
        body(b);
        b.Node("DequantizeLinear", new[] { "yq", "y_scale", "y_zp" }, new[] { "y" }).Output("y");
        return b.Graph;
    }

    private static Graph Unary(string opType, float yScale, long yZeroPoint, ElementType type = ElementType.UInt8, params Attribute[] attributes) =>
        Model(b => b.Node("com.microsoft:" + opType, new[] { "xq", "x_scale", "x_zp", "y_scale", "y_zp" }, new[] { "yq" }, attributes),
            yScale, yZeroPoint, type);

    private static Graph Binary(string opType, float yScale, long yZeroPoint, ElementType type = ElementType.UInt8, bool broadcast = false) =>
        Model(b =>
        {
            string other = "x2q";
            if (broadcast)
            {
                b.Node("com.microsoft:QLinearGlobalAveragePool", new[] { "x2q", "x2_scale", "x2_zp", "x2_scale", "x2_zp" }, new[] { "x2g" });
                other = "x2g";
            }
            b.Node("com.microsoft:" + opType, new[] { "xq", "x_scale", "x_zp", other, "x2_scale", "x2_zp", "y_scale", "y_zp" }, new[] { "yq" });
        }, yScale, yZeroPoint, type, twoInputs: true);

    public static IEnumerable<object[]> Cases()
    {
        foreach (var type in new[] { ElementType.UInt8, ElementType.Int8 })
        {
            string t = type.ToString();
            yield return new object[] { "QLinearAdd " + t, (Func<Graph>)(() => Binary("QLinearAdd", 0.015f, 120, type)), 0.015f };
            yield return new object[] { "QLinearAdd broadcast " + t, (Func<Graph>)(() => Binary("QLinearAdd", 0.015f, 120, type, broadcast: true)), 0.015f };
            yield return new object[] { "QLinearMul " + t, (Func<Graph>)(() => Binary("QLinearMul", 0.004f, 130, type)), 0.004f };
            yield return new object[] { "QLinearSigmoid " + t, (Func<Graph>)(() => Unary("QLinearSigmoid", 1f / 256, 0, type)), 1f / 256 };
            yield return new object[] { "QLinearSigmoid calibrated scale " + t, (Func<Graph>)(() => Unary("QLinearSigmoid", 0.0031f, 20, type)), 0.0031f };
            yield return new object[] { "QLinearLeakyRelu " + t, (Func<Graph>)(() => Unary("QLinearLeakyRelu", 0.006f, 40, type, GraphBuilder.Float("alpha", 0.1f))), 0.006f };
            yield return new object[] { "QLinearAveragePool " + t, (Func<Graph>)(() => Unary("QLinearAveragePool", 0.005f, 125, type,
                GraphBuilder.Ints("kernel_shape", 3, 3), GraphBuilder.Ints("pads", 1, 1, 1, 1), GraphBuilder.Ints("strides", 2, 2))), 0.005f };
            yield return new object[] { "QLinearAveragePool count_include_pad " + t, (Func<Graph>)(() => Unary("QLinearAveragePool", 0.005f, 125, type,
                GraphBuilder.Ints("kernel_shape", 2, 2), GraphBuilder.Ints("pads", 1, 1, 0, 0), GraphBuilder.Int("count_include_pad", 1))), 0.005f };
            yield return new object[] { "QLinearGlobalAveragePool " + t, (Func<Graph>)(() => Unary("QLinearGlobalAveragePool", 0.002f, 128, type)), 0.002f };
            yield return new object[] { "QLinearSoftmax " + t, (Func<Graph>)(() => Unary("QLinearSoftmax", 1f / 256, 0, type,
                GraphBuilder.Int("axis", -1), GraphBuilder.Int("opset", 13))), 1f / 256 };
            yield return new object[] { "QLinearConcat " + t, (Func<Graph>)(() => Model(b => b.Node("com.microsoft:QLinearConcat",
                new[] { "y_scale", "y_zp", "xq", "x_scale", "x_zp", "x2q", "x2_scale", "x2_zp" }, new[] { "yq" },
                GraphBuilder.Int("axis", 1)), 0.009f, 110, type, twoInputs: true)), 0.009f };
            yield return new object[] { "QGemm " + t, (Func<Graph>)(() => QGemmModel(type, transB: true, alpha: 1f)), QGemmYScale };
        }
        yield return new object[] { "QLinearConv", (Func<Graph>)(() => QLinearConvModel()), 0.02f };
        yield return new object[] { "QLinearMatMul", (Func<Graph>)(() => QLinearMatMulModel()), 0.01f };
        yield return new object[] { "QGemm B [K × N], alpha 0.5", (Func<Graph>)(() => QGemmModel(ElementType.UInt8, transB: false, alpha: 0.5f)), QGemmYScale };
        yield return new object[] { "QLinearSoftmax opset 1 axis 1", (Func<Graph>)(() => Unary("QLinearSoftmax", 1f / 256, 0, ElementType.UInt8,
            GraphBuilder.Int("axis", 1), GraphBuilder.Int("opset", 1))), 1f / 256 };
    }

    private const float QGemmYScale = 0.02f;

    /// <summary>x [2 × 12] → QGemm (int8 B per column, int32 C) → y [2 × 5].</summary>
    private static Graph QGemmModel(ElementType type, bool transB, float alpha)
    {
        var rng = new Random(5);
        var b = Enumerable.Range(0, 60).Select(_ => (long)rng.Next(-127, 128)).ToArray();
        var bScale = Enumerable.Range(0, 5).Select(i => 0.002f + 0.001f * i).ToArray();
        var c = Enumerable.Range(0, 5).Select(_ => (long)rng.Next(-3000, 3000)).ToArray();
        return Model(g => g
            .Constant("b", Tensor.FromInt64s(transB ? new[] { 5, 12 } : new[] { 12, 5 }, b, ElementType.Int8))
            .Constant("b_scale", Tensor.FromFloats(new[] { 5 }, bScale))
            .Constant("b_zp", Tensor.FromInt64s(new[] { 5 }, new long[5], ElementType.Int8))
            .Constant("c", Tensor.FromInt64s(new[] { 5 }, c, ElementType.Int32))
            .Node("com.microsoft:QGemm", new[] { "xq", "x_scale", "x_zp", "b", "b_scale", "b_zp", "c", "y_scale", "y_zp" }, new[] { "yq" },
                GraphBuilder.Int("transB", transB ? 1 : 0), GraphBuilder.Float("alpha", alpha)),
            QGemmYScale, 100, type, shape: new[] { 2, 12 });
    }

    /// <summary>x [1,3,5,5] → QLinearConv 3×3 pad 1 (4 channels, int8 weights per channel, int32 bias) → y.</summary>
    private static Graph QLinearConvModel()
    {
        var rng = new Random(7);
        var w = Enumerable.Range(0, 4 * 27).Select(_ => (long)rng.Next(-127, 128)).ToArray();
        var ws = new[] { 0.002f, 0.003f, 0.0015f, 0.004f };
        var bias = Enumerable.Range(0, 4).Select(_ => (long)rng.Next(-2000, 2000)).ToArray();
        return Model(g => g
            .Constant("w", Tensor.FromInt64s(new[] { 4, 3, 3, 3 }, w, ElementType.Int8))
            .Constant("w_scale", Tensor.FromFloats(new[] { 4 }, ws))
            .Constant("w_zp", Tensor.FromInt64s(new[] { 4 }, new long[4], ElementType.Int8))
            .Constant("bias", Tensor.FromInt64s(new[] { 4 }, bias, ElementType.Int32))
            .Node("QLinearConv", new[] { "xq", "x_scale", "x_zp", "w", "w_scale", "w_zp", "y_scale", "y_zp", "bias" }, new[] { "yq" },
                GraphBuilder.Ints("pads", 1, 1, 1, 1)),
            0.02f, 120);
    }

    /// <summary>x [2 × 12] → QLinearMatMul (int8 b [12 × 5], one scale per column) → y.</summary>
    private static Graph QLinearMatMulModel()
    {
        var rng = new Random(8);
        var b = Enumerable.Range(0, 60).Select(_ => (long)rng.Next(-127, 128)).ToArray();
        return Model(g => g
            .Constant("b", Tensor.FromInt64s(new[] { 12, 5 }, b, ElementType.Int8))
            .Constant("b_scale", Tensor.FromFloats(new[] { 5 }, new[] { 0.002f, 0.003f, 0.0025f, 0.001f, 0.004f }))
            .Constant("b_zp", Tensor.FromInt64s(new[] { 5 }, new long[5], ElementType.Int8))
            .Node("QLinearMatMul", new[] { "xq", "x_scale", "x_zp", "b", "b_scale", "b_zp", "y_scale", "y_zp" }, new[] { "yq" }),
            0.01f, 128, shape: new[] { 2, 12 });
    }

    /// <summary>
    /// The integer-operator form: x → QuantizeLinear → ConvInteger (or MatMulInteger) → Cast to float → Mul by
    /// x_scale · w_scale (per output channel) → Relu → y.
    /// </summary>
    internal static Graph IntegerForm(bool conv, bool perChannel)
    {
        var rng = new Random(conv ? 21 : 22);
        int channels = conv ? 4 : 5;
        var w = Enumerable.Range(0, conv ? 4 * 27 : 60).Select(_ => (long)rng.Next(-127, 128)).ToArray();
        var wScales = Enumerable.Range(0, channels).Select(m => perChannel ? 0.002f + 0.0005f * m : 0.003f).ToArray();
        var factors = wScales.Select(s => XScale * s).ToArray();
        var b = new GraphBuilder(13).Input("x", conv ? X : new[] { 2, 12 })
            .Constant("x_scale", Scalar(XScale)).Constant("x_zp", Zp(XZeroPoint, ElementType.UInt8))
            .Constant("w", Tensor.FromInt64s(conv ? new[] { 4, 3, 3, 3 } : new[] { 12, 5 }, w, ElementType.Int8))
            .Constant("w_zp", Zp(0, ElementType.Int8))
            .Constant("factor", perChannel
                ? Tensor.FromFloats(conv ? new[] { 1, channels, 1, 1 } : new[] { channels }, factors)
                : Scalar(factors[0]))
            .Node("QuantizeLinear", new[] { "x", "x_scale", "x_zp" }, new[] { "xq" });
        if (conv) b.Node("ConvInteger", new[] { "xq", "w", "x_zp", "w_zp" }, new[] { "acc" }, GraphBuilder.Ints("pads", 1, 1, 1, 1));
        else b.Node("MatMulInteger", new[] { "xq", "w", "x_zp", "w_zp" }, new[] { "acc" });
        return b.Node("Cast", new[] { "acc" }, new[] { "accf" }, GraphBuilder.Int("to", (long)ElementType.Float32))
            .Node("Mul", new[] { "accf", "factor" }, new[] { "m" })
            .Node("Relu", new[] { "m" }, new[] { "y" })
            .Output("y").Graph;
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void The_integer_operator_form_bakes_int8_with_the_models_weights_and_zero_points(bool conv, bool perChannel)
    {
        var samples = Enumerable.Range(0, 8).Select(i => Inputs(IntegerForm(conv, perChannel), 60 + i)["x"]).ToList();
        using var folder = new TempFolder();
        string calibration = folder.Path("calibration.npy");
        Npy.Write(calibration, samples.Select(t => t.AsFloats()).ToArray());
        var log = new RecordingLog();
        var plan = Baker.Bake(IntegerForm(conv, perChannel), "test",
            new BakeOptions("integer_form.onnx", "IntegerForm", "Tests") { CalibrationPath = calibration }, log);

        // The input has the QuantizeLinear's parameters (uint8 zero point 128 is int8 0); the weights are the model's integers.
        Assert.Equal((double)XScale, plan.Inputs[0].Scale);
        Assert.Equal(0, plan.Inputs[0].ZeroPoint);
        var rng = new Random(conv ? 21 : 22);
        var w = Enumerable.Range(0, conv ? 4 * 27 : 60).Select(_ => (sbyte)rng.Next(-127, 128)).ToArray();
        if (conv)
        {
            var layer = Assert.Single(plan.Kernels.OfType<ConvInt8ChannelsLast>());
            Assert.Equal(w, layer.Weights);
        }
        else
        {
            var layer = Assert.Single(plan.Kernels.OfType<FullyConnectedInt8>());
            Assert.Equal(Enumerable.Range(0, 60).Select(i => w[i % 12 * 5 + i / 12]).ToArray(), layer.Weights); // one row per unit
        }
        Assert.DoesNotContain(plan.Kernels, k => k is IntegerConv or IntegerMatMul or LinearQuantization);

        // The sums are ONNX Runtime's exactly; only the output's own rounding (half a step) and the Q15 multiplier differ.
        double step = plan.Outputs[0].Scale;
        foreach (var x in samples)
        {
            var ort = OrtOracle.RunQuantized(IntegerForm(conv, perChannel), new Dictionary<string, Tensor> { ["x"] = x })["y"].AsFloats();
            var ours = PlanInterpreter.Run(plan, new[] { x.AsFloats() })[0];
            for (int i = 0; i < ort.Length; i++)
                Assert.True(Math.Abs(ort[i] - ours[i]) <= 0.51 * step + 1e-3 * Math.Abs(ort[i]), $"output {i}: {ours[i]} vs ONNX Runtime's {ort[i]} (step {step})");
        }
    }

    [Fact]
    public void An_integer_operator_not_followed_by_a_constant_rescale_is_refused_in_int8_naming_it()
    {
        var graph = IntegerForm(conv: false, perChannel: true);
        int mul = graph.Nodes.FindIndex(n => n.OpType == "Mul");
        graph.Nodes[mul] = new Node(graph.Nodes[mul].Name, "Add", graph.Nodes[mul].Inputs, graph.Nodes[mul].Outputs, new Dictionary<string, Attribute>());
        var e = Assert.Throws<BakeException>(() => Bake(graph, Precision.Int8));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("(MatMulInteger)", e.Message);
        Assert.Contains("Cast to float and then one Mul", e.Message);
        // In float it runs as ONNX specifies.
        Assert.Contains(Bake(IntegerForm(conv: false, perChannel: true), Precision.Float32).Kernels, k => k is IntegerMatMul);
    }

    private static Dictionary<string, Tensor> Inputs(Graph graph, int seed)
    {
        var rng = new Random(seed);
        return graph.Inputs.ToDictionary(name => name, name => OrtOracle.RandomTensor(rng, graph[name].Shape!));
    }

    private static BakedPlan Bake(Graph graph, Precision precision, RecordingLog? log = null) =>
        Baker.Bake(graph, "test", new BakeOptions("qoperator.onnx", "QOperatorModel", "Tests") { Precision = precision }, log ?? new RecordingLog());

    /// <summary>|ours − ORT| in output steps: at most one, and on at most a quarter of the outputs.</summary>
    private static void WithinOneStep(string what, float[] ort, float[] ours, float yScale, ref int differing, ref int total)
    {
        Assert.Equal(ort.Length, ours.Length);
        for (int i = 0; i < ort.Length; i++)
        {
            double steps = Math.Abs(ort[i] - ours[i]) / yScale;
            Assert.True(steps <= 1.0001, $"{what}, output {i}: {ours[i]} vs ONNX Runtime's {ort[i]} ({steps:0.00} steps)");
            if (steps > 0.5) differing++;
            total++;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float_and_int8_plans_agree_with_ONNX_Runtime_within_one_output_step(string name, Func<Graph> model, float yScale)
    {
        var floatPlan = Bake(model(), Precision.Float32);
        var log = new RecordingLog();
        var int8Plan = Bake(model(), Precision.Int8, log);
        // Every tensor has the model's parameters: nothing to calibrate, and no QuantizeLinear left to run.
        Assert.DoesNotContain(log.Messages, m => m.StartsWith("Calibrating", StringComparison.Ordinal));
        Assert.DoesNotContain(int8Plan.Kernels, k => k is LinearQuantization or LinearDequantization or IFloatOnlyKernel);

        int floatDiffering = 0, int8Differing = 0, total = 0, totalInt8 = 0;
        var distinct = new HashSet<float>();
        for (int sample = 0; sample < 8; sample++)
        {
            var graph = model();
            var inputs = Inputs(graph, 100 + sample);
            var ort = OrtOracle.RunQuantized(graph, inputs)["y"].AsFloats();
            distinct.UnionWith(ort);
            var feeds = graph.Inputs.Select(n => inputs[n].AsFloats()).ToArray();

            var reference = FloatInterpreter.Run(Shaped(model()), inputs)["y"].AsFloats();
            WithinOneStep($"{name}, reference", ort, reference, yScale, ref floatDiffering, ref total);
            var floats = PlanInterpreter.Run(floatPlan, feeds)[0];
            Assert.Equal(reference, floats); // the float plan is the reference semantics, bit for bit
            var int8 = PlanInterpreter.Run(int8Plan, feeds)[0];
            WithinOneStep($"{name}, int8 plan", ort, int8, yScale, ref int8Differing, ref totalInt8);
        }
        Assert.True(distinct.Count > 5, $"{name}: ONNX Runtime gives only {distinct.Count} distinct outputs, the comparison would say little");
        Assert.True(floatDiffering <= total / 4, $"{name}: {floatDiffering} of {total} float outputs differ from ONNX Runtime's by a step");
        Assert.True(int8Differing <= totalInt8 / 4, $"{name}: {int8Differing} of {totalInt8} int8 outputs differ from ONNX Runtime's by a step");
    }

    private static Graph Shaped(Graph graph)
    {
        ShapeInference.Run(graph);
        return graph;
    }

    [Fact]
    public void Int8_plans_use_the_existing_int8_steps_with_the_models_parameters()
    {
        var add = Bake(Binary("QLinearAdd", 0.015f, 120), Precision.Int8);
        Assert.Contains(add.Kernels, k => k is BinaryInt8);
        Assert.Equal((double)XScale, add.Inputs[0].Scale);
        Assert.Equal((int)XZeroPoint - 128, add.Inputs[0].ZeroPoint);
        Assert.Equal(0.015, add.Outputs[0].Scale, 6);
        Assert.Equal(120 - 128, add.Outputs[0].ZeroPoint);

        var sigmoid = Bake(Unary("QLinearSigmoid", 0.0031f, 20), Precision.Int8);
        var table = Assert.Single(sigmoid.Kernels.OfType<LookupInt8>());
        // The table maps the model's input grid to the model's output grid: q → round(sigmoid(s_x (q − z_x)) / s_y) + z_y.
        for (int q = -128; q < 128; q++)
        {
            double y = 1 / (1 + Math.Exp(-XScale * (q - 0)));
            Assert.Equal((sbyte)Math.Clamp(Math.Round(y / 0.0031f) + 20 - 128, -128, 127), table.Table[q + 128]);
        }

        var gemm = Bake(QGemmModel(ElementType.UInt8, transB: true, alpha: 1f), Precision.Int8);
        var fc = Assert.Single(gemm.Kernels.OfType<FullyConnectedInt8>());
        var rng = new Random(5);
        var b = Enumerable.Range(0, 60).Select(_ => (sbyte)rng.Next(-127, 128)).ToArray();
        Assert.Equal(b, fc.Weights); // the model's int8 weights, bit for bit

        Assert.Contains(Bake(Unary("QLinearAveragePool", 0.005f, 125, ElementType.UInt8, GraphBuilder.Ints("kernel_shape", 3, 3)), Precision.Int8).Kernels,
            k => k is AveragePoolInt8); // its own output parameters: the average requantizes as it divides
        Assert.Contains(Bake(Unary("QLinearSoftmax", 1f / 256, 0, ElementType.UInt8, GraphBuilder.Int("opset", 13)), Precision.Int8).Kernels, k => k is SoftmaxInt8);
    }

    // x → LeakyRelu → Add(·, x) → AveragePool → Concat(·, GlobalAveragePool·Mul) → Flatten (uint8) → QGemm → Softmax.
    private static Graph Chain()
    {
        var rng = new Random(9);
        var b = Enumerable.Range(0, 5 * 54).Select(_ => (long)rng.Next(-127, 128)).ToArray();
        return Model(g => g
            .Constant("l_s", Scalar(0.006f)).Constant("l_z", Zp(40, ElementType.UInt8))
            .Constant("a_s", Scalar(0.012f)).Constant("a_z", Zp(100, ElementType.UInt8))
            .Constant("p_s", Scalar(0.01f)).Constant("p_z", Zp(110, ElementType.UInt8))
            .Constant("g_s", Scalar(0.004f)).Constant("g_z", Zp(120, ElementType.UInt8))
            .Constant("m_s", Scalar(0.0015f)).Constant("m_z", Zp(128, ElementType.UInt8))
            .Constant("c_s", Scalar(0.01f)).Constant("c_z", Zp(110, ElementType.UInt8))
            .Constant("q_s", Scalar(0.05f)).Constant("q_z", Zp(128, ElementType.UInt8))
            .Constant("b", Tensor.FromInt64s(new[] { 5, 54 }, b, ElementType.Int8)).Constant("b_s", Scalar(0.003f)).Constant("b_z", Zp(0, ElementType.Int8))
            .Node("com.microsoft:QLinearLeakyRelu", new[] { "xq", "x_scale", "x_zp", "l_s", "l_z" }, new[] { "l" }, GraphBuilder.Float("alpha", 0.2f))
            .Node("com.microsoft:QLinearAdd", new[] { "l", "l_s", "l_z", "xq", "x_scale", "x_zp", "a_s", "a_z" }, new[] { "a" })
            .Node("com.microsoft:QLinearAveragePool", new[] { "a", "a_s", "a_z", "p_s", "p_z" }, new[] { "p" },
                GraphBuilder.Ints("kernel_shape", 3, 3), GraphBuilder.Ints("pads", 1, 1, 1, 1), GraphBuilder.Ints("strides", 2, 2))
            .Node("com.microsoft:QLinearGlobalAveragePool", new[] { "a", "a_s", "a_z", "g_s", "g_z" }, new[] { "g" })
            .Node("com.microsoft:QLinearMul", new[] { "p", "p_s", "p_z", "g", "g_s", "g_z", "m_s", "m_z" }, new[] { "m" })
            .Node("com.microsoft:QLinearConcat", new[] { "c_s", "c_z", "p", "p_s", "p_z", "m", "m_s", "m_z" }, new[] { "c" }, GraphBuilder.Int("axis", 1))
            .Node("Flatten", new[] { "c" }, new[] { "f" })
            .Node("com.microsoft:QGemm", new[] { "f", "c_s", "c_z", "b", "b_s", "b_z", "", "q_s", "q_z" }, new[] { "q" }, GraphBuilder.Int("transB", 1))
            .Node("com.microsoft:QLinearSoftmax", new[] { "q", "q_s", "q_z", "y_scale", "y_zp" }, new[] { "yq" }, GraphBuilder.Int("opset", 13)),
            1f / 256, 0);
    }

    [Fact]
    public void A_chain_of_quantized_operators_bakes_int8_without_calibration_and_generated_code_equals_the_interpreter()
    {
        var log = new RecordingLog();
        var plan = Bake(Chain(), Precision.Int8, log);
        Assert.Contains(log.Messages, m => m.Contains("its own scales and zero points are used, no calibration"));
        // The plan file keeps every step (AveragePoolInt8's parameters too): the same bytes after a round trip.
        Assert.Equal(PlanFile.ToBytes(plan), PlanFile.ToBytes(PlanFile.Read(PlanFile.ToBytes(plan))));
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), "Tests.QOperatorModel");
        var floatPlan = Bake(Chain(), Precision.Float32);
        int distinct = 0;
        double worst = 0;
        for (int sample = 0; sample < 10; sample++)
        {
            var inputs = Inputs(Chain(), 40 + sample);
            var x = inputs["x"].AsFloats();
            var int8 = PlanInterpreter.Run(plan, new[] { x })[0];
            Assert.Equal(int8, generated.Predict(x, int8.Length));
            var ort = OrtOracle.RunQuantized(Chain(), inputs)["y"].AsFloats();
            Assert.Equal(FloatInterpreter.Run(Shaped(Chain()), inputs)["y"].AsFloats(), PlanInterpreter.Run(floatPlan, new[] { x })[0]);
            distinct = Math.Max(distinct, ort.Distinct().Count());
            for (int i = 0; i < ort.Length; i++) worst = Math.Max(worst, Math.Abs(ort[i] - int8[i]) * 256);
        }
        Assert.True(distinct >= 3, $"only {distinct} distinct outputs");
        // Seven quantized operators in a row, each within a step of ONNX Runtime's: the softmax output within a few steps.
        Assert.True(worst <= 4.0001, $"the int8 chain differs from ONNX Runtime by {worst:0.00} output steps");
    }

    [Fact]
    public void The_chain_in_nanoFramework_code_equals_the_int8_interpreter_bit_for_bit()
    {
        var plan = ModelBaker.Tests.NanoFramework.NanoGraphTests.BakeNano(Chain());
        Assert.Contains(plan.Kernels, k => k is AveragePoolInt8);
        string source = ClassEmitter.Emit(plan);
        ModelBaker.Tests.NanoFramework.NanoCompiler.AssertNanoFrameworkClean(source);
        var nano = ModelBaker.Tests.NanoFramework.NanoCompiler.CompileForNet(source, "Tests.Net");
        for (int sample = 0; sample < 5; sample++)
        {
            var x = Inputs(Chain(), 80 + sample)["x"].AsFloats();
            var expected = PlanInterpreter.Run(plan, new[] { x })[0];
            Assert.Equal(expected, ModelBaker.Tests.NanoFramework.NanoCompiler.Predict(nano, x, expected.Length));
        }
    }

    public static IEnumerable<object[]> WeightedForms() => new[]
    {
        new object[] { "QLinearConv" }, new object[] { "QLinearMatMul" }, new object[] { "ConvInteger form" }, new object[] { "MatMulInteger form" },
    };

    private static Graph WeightedForm(string name) => name switch
    {
        "QLinearConv" => QLinearConvModel(),
        "QLinearMatMul" => QLinearMatMulModel(),
        "ConvInteger form" => IntegerForm(conv: true, perChannel: true),
        _ => IntegerForm(conv: false, perChannel: false),
    };

    /// <summary>
    /// A float model quantized by ONNX Runtime's tools (QOperator or integer-operator form) becomes int8 convolution or
    /// fully connected steps with the model's own weights, which the nanoFramework flavour runs: the nano class equals
    /// the int8 interpreter bit for bit.
    /// </summary>
    [Theory]
    [MemberData(nameof(WeightedForms))]
    public void Quantized_convolutions_and_matrix_products_bake_for_nanoFramework_and_equal_the_interpreter(string name)
    {
        var plan = ModelBaker.Tests.NanoFramework.NanoGraphTests.BakeNano(WeightedForm(name));
        Assert.Contains(plan.Kernels, k => k is ConvInt8 or FullyConnectedInt8);
        string source = ClassEmitter.Emit(plan);
        ModelBaker.Tests.NanoFramework.NanoCompiler.AssertNanoFrameworkClean(source);
        var nano = ModelBaker.Tests.NanoFramework.NanoCompiler.CompileForNet(source, "Tests.Net");
        for (int sample = 0; sample < 5; sample++)
        {
            var x = Inputs(WeightedForm(name), 90 + sample)["x"].AsFloats();
            var expected = PlanInterpreter.Run(plan, new[] { x })[0];
            Assert.Equal(expected, ModelBaker.Tests.NanoFramework.NanoCompiler.Predict(nano, x, expected.Length));
        }
    }

    [Fact]
    public void An_int8_average_into_other_parameters_rounds_the_exact_quotient()
    {
        // zero point + round(sum · (s_in / s_out) / count), halves away from zero: against the same in double, on
        // multipliers below and above 1 (the Q31 multiplier's own error, ≤ 2^-31 relative, never reaches a half).
        var rng = new Random(3);
        foreach (double ratio in new[] { 0.37, 0.5, 0.9999, 1.0, 1.7, 3.25, 0.0123 })
        {
            var (multiplier, shift) = FixedPoint.QuantizeMultiplier(ratio);
            double represented = multiplier * Math.Pow(2, shift - 31);
            for (int trial = 0; trial < 2000; trial++)
            {
                int count = rng.Next(1, 50), sum = rng.Next(-255 * count, 255 * count + 1), zeroPoint = rng.Next(-20, 20);
                double exact = sum * represented / count;
                double rounded = Math.Sign(exact) * Math.Floor(Math.Abs(exact) + 0.5);
                if (Math.Abs(Math.Abs(exact) % 1 - 0.5) < 1e-6) continue; // a tie within the quotient's own rounding
                int expected = (int)Math.Clamp(rounded + zeroPoint, -128, 127);
                Assert.Equal(expected, AveragePoolInt8.ScaledMean(sum, count, multiplier, shift, zeroPoint));
                Assert.Equal(expected, AveragePoolInt8.NanoScaledMean(sum, count, multiplier, shift, zeroPoint));
            }
        }
    }

    [Fact]
    public void A_one_element_scale_with_a_scalar_zero_point_is_per_tensor()
    {
        // onnxruntime.quantization writes scales as [1] tensors and zero points as scalars in some versions: both are one
        // parameter for the whole tensor (MB1103 refused the pair before).
        var graph = new GraphBuilder(13).Input("x", 2, 3)
            .Constant("s", OneElement(0.05f)).Constant("z", Zp(3, ElementType.Int8))
            .Constant("s2", Scalar(0.05f)).Constant("z2", Zp(3, ElementType.Int8, oneElement: true))
            .Node("QuantizeLinear", new[] { "x", "s", "z" }, new[] { "q" }, GraphBuilder.Int("axis", 1))
            .Node("DequantizeLinear", new[] { "q", "s2", "z2" }, new[] { "d" })
            .Node("Relu", new[] { "d" }, new[] { "r" })
            .Node("QuantizeLinear", new[] { "r", "s2", "z" }, new[] { "rq" })
            .Node("DequantizeLinear", new[] { "rq", "s", "z2" }, new[] { "y" }, GraphBuilder.Int("axis", 0))
            .Output("y").Graph;
        var inputs = new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new[] { 2, 3 }, new[] { -1f, -0.07f, 0.025f, 0.075f, 0.3f, 7f }) };
        var ort = OrtOracle.RunQuantized(graph, inputs)["y"].AsFloats();
        Assert.Equal(new[] { 0f, 0f, 0f, 0.1f, 0.3f, 6.2f }, ort.Select(v => (float)Math.Round(v, 4)).ToArray());
        foreach (var precision in new[] { Precision.Float32, Precision.Int8 })
        {
            var log = new RecordingLog();
            var plan = Bake(graph, precision, log);
            var ours = PlanInterpreter.Run(plan, new[] { inputs["x"].AsFloats() })[0];
            Assert.Equal(ort, ours);
            if (precision == Precision.Int8)
            {
                Assert.Equal(0.05, plan.Inputs[0].Scale, 6);
                Assert.Equal(3, plan.Inputs[0].ZeroPoint);
                Assert.DoesNotContain(log.Messages, m => m.StartsWith("Calibrating", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void Unsupported_attributes_are_refused_naming_the_node()
    {
        var e = Assert.Throws<BakeException>(() => Bake(Unary("QLinearGlobalAveragePool", 0.002f, 128, ElementType.UInt8, GraphBuilder.Int("channels_last", 1)), Precision.Float32));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("(com.microsoft:QLinearGlobalAveragePool)", e.Message);
        Assert.Contains("channels_last", e.Message);
    }
}
