using ModelBaker.Core.Codegen;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using Attribute = ModelBaker.Core.Ir.Attribute;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Codegen;

/// <summary>
/// Random CNNs (<see cref="RandomCnn"/>) baked end to end, fixed seeds: the float plan matches the float interpreter
/// (itself checked against ONNX Runtime); the int8 generated code, scalar and vectorised, matches the int8 interpreter
/// bit for bit; and the int8 result stays within quantization error of the float one.
/// </summary>
public sealed class RandomCnnTests
{
    public static IEnumerable<object[]> Seeds => Enumerable.Range(0, 30).Select(seed => new object[] { seed });

    private static (BakedPlan Float, BakedPlan Int8) Bake(Graph graph)
    {
        using var folder = new TempFolder();
        string path = folder.Path("cnn.onnx");
        OnnxModelWriter.Save(graph, path);
        return (Baker.Bake(new BakeOptions(path, "RandomCnn", "Tests") { Precision = Precision.Float32 }, new RecordingLog()),
            Baker.Bake(new BakeOptions(path, "RandomCnn", "Tests"), new RecordingLog()));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Float_plan_matches_the_interpreter_and_int8_generated_code_matches_bit_for_bit(int seed)
    {
        var cnn = new RandomCnn(seed);
        string what = string.Join("; ", cnn.Description);
        var (floatPlan, int8Plan) = Bake(cnn.Graph);
        float[] input = cnn.Input.Floats!;

        var expected = FloatInterpreter.Run(cnn.Graph, new Dictionary<string, Tensor> { ["x"] = cnn.Input })[cnn.Graph.Outputs[0]].Floats!;
        var actual = PlanInterpreter.Run(floatPlan, new[] { input })[0];
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])),
                $"{what}: output {i} float plan {actual[i]} vs interpreter {expected[i]}");

        var reference = PlanInterpreter.Run(int8Plan, new[] { input })[0];
        foreach (bool vectorized in new[] { true, false })
        {
            var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(int8Plan), "Tests.RandomCnn", vectorized);
            Assert.Equal(reference, generated.Predict(input, reference.Length));
        }

        // Int8 within quantization error: a few output steps plus a few percent of the output's range.
        var output = int8Plan.Outputs[0];
        double range = expected.Max() - expected.Min();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - reference[i]) <= 4 * output.Scale + 0.06 * Math.Max(range, Math.Abs(expected[i])),
                $"{what}: output {i} int8 {reference[i]} vs float {expected[i]} (output scale {output.Scale})");
    }

    [Fact]
    public void Int8_kernels_of_every_kind_appear_in_the_random_cnns()
    {
        var kinds = new HashSet<KernelKind>();
        foreach (int seed in Enumerable.Range(0, 30))
            kinds.UnionWith(Bake(new RandomCnn(seed).Graph).Int8.Kernels.Select(k => k.Kind));
        Assert.Contains(KernelKind.ConvInt8, kinds); // dilated and grouped convolutions keep the model's order
        Assert.Contains(KernelKind.ConvInt8ChannelsLast, kinds);
        Assert.Contains(KernelKind.PoolInt8ChannelsLast, kinds);
        Assert.Contains(KernelKind.ChannelsLastTranspose, kinds);
    }

    /// <summary>Conv → BatchNormalization → Relu bakes to one convolution step with the same float results.</summary>
    [Theory]
    [InlineData(new[] { 1, 3, 6, 5 })]
    [InlineData(new[] { 1, 2, 9 })]
    public void BatchNormalization_folds_into_the_convolution(int[] shape)
    {
        var rng = new Random(shape.Length);
        int c = shape[1], outputs = 4;
        int[] kernel = shape.Skip(2).Select(_ => 3).ToArray();
        var graph = new GraphBuilder(15).Input("x", shape)
            .Constant("w", OrtOracle.RandomTensor(rng, new[] { outputs, c }.Concat(kernel).ToArray()))
            .Constant("b", OrtOracle.RandomTensor(rng, new[] { outputs }))
            .Constant("scale", OrtOracle.RandomTensor(rng, new[] { outputs }, 2f))
            .Constant("shift", OrtOracle.RandomTensor(rng, new[] { outputs }))
            .Constant("mean", OrtOracle.RandomTensor(rng, new[] { outputs }))
            .Constant("var", Tensor.FromFloats(new[] { outputs }, new[] { 0.5f, 1.5f, 0.01f, 3f }))
            .Node("Conv", new[] { "x", "w", "b" }, new[] { "conv" }, new Attribute { Name = "pads", Kind = AttributeKind.Ints, Ints = kernel.SelectMany(_ => new long[] { 1, 1 }).ToArray() })
            .Node("BatchNormalization", new[] { "conv", "scale", "shift", "mean", "var" }, new[] { "bn" })
            .Node("Relu", new[] { "bn" }, new[] { "y" })
            .Output("y").Graph;
        var (floatPlan, int8Plan) = Bake(graph);
        Assert.Equal(new[] { KernelKind.ConvFloat }, floatPlan.Kernels.Select(k => k.Kind));
        Assert.Equal(new[] { KernelKind.ConvInt8ChannelsLast }, int8Plan.Kernels.Select(k => k.Kind).Where(k => k != KernelKind.ChannelsLastTranspose));

        var input = OrtOracle.RandomTensor(rng, shape);
        var expected = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = input })["y"].Floats!;
        var actual = PlanInterpreter.Run(floatPlan, new[] { input.Floats! })[0];
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: folded {actual[i]} vs {expected[i]}");
    }

    /// <summary>A BatchNormalization with nothing to fold into (after a graph input, or after a clamped step) is its own step.</summary>
    [Fact]
    public void BatchNormalization_that_cannot_fold_is_a_channel_affine_step()
    {
        var rng = new Random(5);
        int[] shape = { 2, 3, 4, 2 };
        var graph = new GraphBuilder(9).Input("x", shape)
            .Constant("scale", OrtOracle.RandomTensor(rng, new[] { 3 }, 2f)).Constant("shift", OrtOracle.RandomTensor(rng, new[] { 3 }))
            .Constant("mean", OrtOracle.RandomTensor(rng, new[] { 3 })).Constant("var", Tensor.FromFloats(new[] { 3 }, new[] { 0.3f, 1f, 2f }))
            .Node("BatchNormalization", new[] { "x", "scale", "shift", "mean", "var" }, new[] { "y" }, GraphBuilder.Float("epsilon", 1e-3f))
            .Node("Relu", new[] { "y" }, new[] { "z" })
            .Output("z").Graph;
        var (floatPlan, int8Plan) = Bake(graph);
        Assert.Equal(new[] { KernelKind.ChannelAffineFloat }, floatPlan.Kernels.Select(k => k.Kind));

        var input = OrtOracle.RandomTensor(rng, shape);
        var expected = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = input })["z"].Floats!;
        var actual = PlanInterpreter.Run(floatPlan, new[] { input.Floats! })[0];
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: {actual[i]} vs {expected[i]}");

        Assert.Equal(new[] { KernelKind.ChannelAffineInt8 }, int8Plan.Kernels.Select(k => k.Kind));
        var reference = PlanInterpreter.Run(int8Plan, new[] { input.Floats! })[0];
        Assert.Equal(reference, GeneratedAssembly.Compile(ClassEmitter.Emit(int8Plan), "Tests.RandomCnn").Predict(input.Floats!, reference.Length));
        double scale = int8Plan.Outputs[0].Scale;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - reference[i]) <= 3 * scale, $"output {i}: int8 {reference[i]} vs float {expected[i]} (scale {scale})");
    }

    /// <summary>Conv → Relu → BatchNormalization must not fold (the clamp sits between them).</summary>
    [Fact]
    public void BatchNormalization_after_a_fused_relu_does_not_fold()
    {
        var rng = new Random(9);
        var graph = new GraphBuilder(13).Input("x", 1, 2, 5, 5)
            .Constant("w", OrtOracle.RandomTensor(rng, new[] { 3, 2, 3, 3 }))
            .Constant("scale", Tensor.FromFloats(new[] { 3 }, new[] { -1f, 2f, 0.5f })).Constant("shift", OrtOracle.RandomTensor(rng, new[] { 3 }))
            .Constant("mean", OrtOracle.RandomTensor(rng, new[] { 3 })).Constant("var", Tensor.FromFloats(new[] { 3 }, new[] { 1f, 1f, 1f }))
            .Node("Conv", new[] { "x", "w" }, new[] { "conv" })
            .Node("Relu", new[] { "conv" }, new[] { "relu" })
            .Node("BatchNormalization", new[] { "relu", "scale", "shift", "mean", "var" }, new[] { "y" })
            .Output("y").Graph;
        var floatPlan = Bake(graph).Float;
        Assert.Equal(new[] { KernelKind.ConvFloat, KernelKind.ChannelAffineFloat }, floatPlan.Kernels.Select(k => k.Kind));
        var input = OrtOracle.RandomTensor(rng, new[] { 1, 2, 5, 5 });
        var expected = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = input })["y"].Floats!;
        var actual = PlanInterpreter.Run(floatPlan, new[] { input.Floats! })[0];
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: {actual[i]} vs {expected[i]}");
    }
}
