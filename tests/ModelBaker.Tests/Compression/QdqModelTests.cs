using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;

namespace ModelBaker.Tests.Compression;

/// <summary>
/// An int8 bake of a QDQ model (<see cref="QdqCnn"/>) takes the model's own quantization: no calibration, the model's
/// scales and zero points on every tensor, its int8 weights bit for bit; generated code equals the plan interpreter
/// bit for bit, and the outputs agree with ONNX Runtime running the QDQ model within one output quantization step.
/// </summary>
public sealed class QdqModelTests
{
    private static BakedPlan Bake(Graph graph, RecordingLog log, Precision precision = Precision.Int8) =>
        Baker.Bake(graph, "test", new BakeOptions("qdq_cnn.onnx", "QdqCnn", "Tests") { Precision = precision }, log);

    [Fact]
    public void The_int8_bake_uses_the_models_scales_zero_points_and_weights_without_calibrating()
    {
        var model = new QdqCnn(seed: 3);
        var log = new RecordingLog();
        var plan = Bake(model.Graph, log);

        Assert.DoesNotContain(log.Warnings, w => w.Code == ErrorCodes.NoCalibrationData);
        Assert.DoesNotContain(log.Messages, m => m.StartsWith("Calibrating", StringComparison.Ordinal));
        Assert.Equal(Precision.Int8, plan.Header.Precision);
        // uint8 input with zero point 128 is int8 with zero point 0: the same real values.
        Assert.Equal((double)QdqCnn.InputScale, plan.Inputs[0].Scale);
        Assert.Equal(QdqCnn.InputZeroPoint - 128, plan.Inputs[0].ZeroPoint);
        Assert.Equal((double)QdqCnn.OutputScale, plan.Outputs[0].Scale);
        Assert.Equal(QdqCnn.OutputZeroPoint, plan.Outputs[0].ZeroPoint);

        var conv = Assert.Single(plan.Kernels.OfType<ConvInt8ChannelsLast>());
        Assert.Equal(model.ConvWeights, conv.Weights);
        Assert.Equal(QdqCnn.ReluZeroPoint, conv.OutputStage.ZeroPoint);
        for (int m = 0; m < 4; m++)
            AssertMultiplier((double)QdqCnn.InputScale * model.ConvScales[m] / QdqCnn.ReluScale, conv.OutputStage.Multipliers, conv.OutputStage.Shifts, m);

        var layers = plan.Kernels.OfType<FullyConnectedInt8>().ToList();
        Assert.Equal(2, layers.Count);
        Assert.Equal(model.GemmWeights, layers[0].Weights);
        Assert.Equal(QdqCnn.GemmZeroPoint, layers[0].OutputStage.ZeroPoint);
        for (int n = 0; n < 10; n++)
            AssertMultiplier((double)QdqCnn.ReluScale * model.GemmScales[n] / QdqCnn.GemmScale, layers[0].OutputStage.Multipliers, layers[0].OutputStage.Shifts, n);
        // MatMul's B [10 × 5] is stored one row per unit: transposed.
        var transposed = Enumerable.Range(0, 5 * 10).Select(i => model.MatMulWeights[i % 10 * 5 + i / 10]).ToArray();
        Assert.Equal(transposed, layers[1].Weights);
        Assert.Equal(QdqCnn.OutputZeroPoint, layers[1].OutputStage.ZeroPoint);
    }

    /// <summary>Unit n's requantization multiplier is the model's own, to the 12 bits a shared shift keeps (FixedPoint.ShareShift).</summary>
    private static void AssertMultiplier(double real, int[] multipliers, int[] shifts, int n)
    {
        double represented = multipliers[n] / (double)(1L << 31) * Math.Pow(2, shifts[shifts.Length == 1 ? 0 : n]);
        Assert.True(Math.Abs(represented - real) <= real * Math.Pow(2, -12), $"unit {n}: {real} -> {represented}");
    }

    [Fact]
    public void Generated_code_matches_the_interpreter_bit_for_bit_and_ONNX_Runtime_within_one_step()
    {
        var model = new QdqCnn(seed: 5);
        var plan = Bake(new QdqCnn(seed: 5).Graph, new RecordingLog());
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), "Tests.QdqCnn");
        var rng = new Random(11);
        double worst = 0;
        int differing = 0, total = 0;
        var distinct = new HashSet<float>();
        for (int sample = 0; sample < 20; sample++)
        {
            var x = OrtOracle.RandomTensor(rng, new[] { 1, 2, 6, 6 });
            var interpreted = PlanInterpreter.Run(plan, new[] { x.AsFloats() })[0];
            Assert.Equal(interpreted, generated.Predict(x.AsFloats(), interpreted.Length));
            distinct.UnionWith(interpreted);

            var ort = OrtOracle.RunQuantized(model.Graph, new Dictionary<string, Tensor> { ["x"] = x })["y"].AsFloats();
            for (int i = 0; i < ort.Length; i++)
            {
                double steps = Math.Abs(ort[i] - interpreted[i]) / QdqCnn.OutputScale;
                worst = Math.Max(worst, steps);
                if (steps > 0.5) differing++;
                total++;
            }
        }
        Assert.True(distinct.Count > 20, $"only {distinct.Count} distinct outputs: the model saturates, the comparison would say little");
        Assert.True(worst <= 1.0001, $"baked output differs from ONNX Runtime's by {worst:0.00} quantization steps");
        // Mostly identical: ONNX Runtime rounds in float32 where ModelBaker uses a fixed-point multiplier.
        Assert.True(differing <= total / 4, $"{differing} of {total} outputs differ from ONNX Runtime's by a step");
    }

    [Fact]
    public void Pruning_and_distillation_keep_the_models_own_int8_weights_and_only_zero_some_of_them()
    {
        var model = new QdqCnn(seed: 3);
        using var folder = new TempFolder();
        var random = new Random(4);
        string calibration = folder.Path("calibration.npy");
        Npy.Write(calibration, Enumerable.Range(0, 32).Select(_ => Enumerable.Range(0, 72).Select(_ => (float)random.NextDouble()).ToArray()).ToArray());
        var log = new RecordingLog();

        var plan = Baker.Bake(model.Graph, "test", new BakeOptions("qdq_cnn.onnx", "QdqCnn", "Tests")
        {
            Sparsity = 0.5f, CalibrationPath = calibration, Distillation = DistillationScope.Network,
        }, log);

        var conv = Assert.Single(plan.Kernels.OfType<ConvInt8ChannelsLast>());
        Assert.Contains(conv.Weights, w => w == 0);
        Assert.All(conv.Weights.Zip(model.ConvWeights), pair => Assert.True(pair.First == 0 || pair.First == pair.Second));
        Assert.Contains(log.Messages, m => m.Contains("keeps its own int8 weights, so pruned layers are not reconstructed"));
        Assert.Contains(log.Messages, m => m.Contains("keeps its own int8 weights, so the network is not distilled"));
    }

    [Fact]
    public void A_float_bake_of_the_QDQ_model_runs_its_quantize_and_dequantize_steps()
    {
        var model = new QdqCnn(seed: 7);
        var plan = Bake(model.Graph, new RecordingLog(), Precision.Float32);
        Assert.Contains(plan.Kernels, k => k is LinearQuantization);
        Assert.Contains(plan.Kernels, k => k is LinearDequantization);
        var x = OrtOracle.RandomTensor(new Random(2), new[] { 1, 2, 6, 6 });
        var ours = PlanInterpreter.Run(plan, new[] { x.AsFloats() })[0];
        var ort = OrtOracle.RunQuantized(model.Graph, new Dictionary<string, Tensor> { ["x"] = x })["y"].AsFloats();
        // Float emulation of the quantized model: every output on the output grid, within a step of ORT's.
        for (int i = 0; i < ort.Length; i++)
        {
            double q = ours[i] / QdqCnn.OutputScale + QdqCnn.OutputZeroPoint;
            Assert.True(Math.Abs(q - Math.Round(q)) < 1e-3, $"output {i} = {ours[i]} is not on the output grid");
            Assert.True(Math.Abs(ort[i] - ours[i]) <= QdqCnn.OutputScale * 1.0001, $"output {i}: {ours[i]} vs ORT {ort[i]}");
        }
    }

    [Fact]
    public void Asymmetric_weights_are_refused_naming_the_DequantizeLinear()
    {
        var e = Assert.Throws<BakeException>(() => Bake(new QdqCnn(seed: 3, asymmetricConvWeights: true).Graph, new RecordingLog()));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("'DequantizeLinear_2' (DequantizeLinear)", e.Message);
        Assert.Contains("asymmetric", e.Message);
    }

    [Fact]
    public void QLinear_operators_bake_int8_with_the_models_weights_and_parameters()
    {
        // x → QuantizeLinear → QLinearMatMul → DequantizeLinear: the QOperator format, read as its QDQ form.
        static Graph Model() => new GraphBuilder(13).Input("x", 2, 4)
            .Constant("s", Tensor.FromFloats(Array.Empty<int>(), new[] { 0.05f }))
            .Constant("z", Tensor.FromInt64s(Array.Empty<int>(), new[] { 0L }, ElementType.Int8))
            .Constant("b", Tensor.FromInt64s(new[] { 4, 3 }, Enumerable.Range(0, 12).Select(i => (long)(i - 6)).ToArray(), ElementType.Int8))
            .Node("QuantizeLinear", new[] { "x", "s", "z" }, new[] { "xq" })
            .Node("QLinearMatMul", new[] { "xq", "s", "z", "b", "s", "z", "s", "z" }, new[] { "yq" })
            .Node("DequantizeLinear", new[] { "yq", "s", "z" }, new[] { "y" })
            .Output("y").Graph;
        var log = new RecordingLog();
        var plan = Bake(Model(), log);
        Assert.DoesNotContain(log.Messages, m => m.StartsWith("Calibrating", StringComparison.Ordinal));
        var layer = Assert.Single(plan.Kernels.OfType<FullyConnectedInt8>());
        // B [4 × 3] stored one row per output unit: transposed, the model's integers.
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (sbyte)(i % 4 * 3 + i / 4 - 6)).ToArray(), layer.Weights);
        Assert.Equal(0.05, plan.Outputs[0].Scale, 6);
        // The same model bakes in float mode, running its integer operators exactly.
        var floatPlan = Bake(Model(), new RecordingLog(), Precision.Float32);
        Assert.Contains(floatPlan.Kernels, k => k is IntegerMatMul);
    }
}
