using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;
using ModelBaker.Core.Options;
using ModelBaker.Core.Serialization;

namespace ModelBaker.Tests.Kernels;

/// <summary>
/// Weights filled with one value (ConstantOfShape, as the light real-architecture models make them): they fold to a
/// uniform tensor that stores the value once, Conv and Gemm lower to the uniform kernels (one weight per output channel,
/// also after a BatchNormalization fold), and those compute what the written-out weights would.
/// </summary>
public sealed class UniformWeightsTests
{
    private static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };
    private static Attribute Fill(float value) => new() { Name = "value", Kind = AttributeKind.Tensor, Tensor = T.F(T.S(1), value) };

    [Fact]
    public void ConstantOfShape_folds_to_a_uniform_tensor_that_keeps_one_value()
    {
        var node = new Node("fill", "ConstantOfShape", new[] { "shape" }, new[] { "w" }, new Dictionary<string, Attribute> { ["value"] = Fill(0.25f) });
        var w = new ConstantOfShape().Evaluate(node, new[] { T.I(T.S(2), 4096, 25088) }, 9)[0];
        Assert.True(w.IsUniform);
        Assert.Equal(4096 * 25088, w.Length);
        Assert.Equal(0.25f, w.UniformFloat);
        Assert.Equal(new[] { 0.25f, 0.25f }, Tensor.UniformFloats(T.S(2), 0.25f).Floats); // written out only on request
    }

    /// <summary>VGG-19 has 143 M weights (574 MB as floats); its bake must not write them out.</summary>
    [Fact]
    public void VGG19_bakes_without_writing_out_its_weights()
    {
        string path = TestData.Path("onnx", "light", "light_vgg19.onnx");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var plan = Baker.Bake(new BakeOptions(path, "Vgg", "Light") { Precision = Precision.Float32 }, new RecordingLog());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64L << 20, $"the bake allocated {allocated >> 20} MB");
        Assert.Equal(16, plan.Kernels.OfType<ConvFloat>().Count(c => c.StoredWeights.UnitValues != null));
        Assert.Equal(3, plan.Kernels.OfType<FullyConnectedFloat>().Count(fc => fc.StoredWeights.UnitValues != null));
        Assert.True(plan.WeightBytes < 200_000, $"{plan.WeightBytes} bytes of weights");
    }

    /// <summary>A random Conv (groups, strides, dilations, pads) with W a ConstantOfShape fill, sometimes followed by a BatchNormalization and a Relu.</summary>
    private static Graph ConvGraph(int seed, out int[] inputShape, bool denseEqualWeights = false)
    {
        var rng = new Random(seed);
        int group = new[] { 1, 1, 2, 3 }[rng.Next(4)], channels = group * rng.Next(1, 4), outputs = group * rng.Next(1, 4);
        int[] kernel = { rng.Next(1, 4), rng.Next(1, 4) };
        long[] dilations = { rng.Next(1, 3), rng.Next(1, 3) };
        int[] spatial = { rng.Next((kernel[0] - 1) * (int)dilations[0] + 1, 10), rng.Next((kernel[1] - 1) * (int)dilations[1] + 1, 10) };
        inputShape = new[] { rng.Next(1, 3), channels, spatial[0], spatial[1] };
        float value = (float)(rng.NextDouble() - 0.5);
        int[] wShape = { outputs, channels / group, kernel[0], kernel[1] };
        var builder = new GraphBuilder(9).Input("x", inputShape);
        if (denseEqualWeights) builder.Constant("w", T.F(wShape, Enumerable.Repeat(value, ShapeMath.Length(wShape)).ToArray()));
        else builder.Constant("wShape", T.I(T.S(4), wShape.Select(d => (long)d).ToArray()))
            .Node("ConstantOfShape", new[] { "wShape" }, new[] { "w" }, Fill(value));
        builder.Constant("b", OrtOracle.RandomTensor(rng, new[] { outputs }))
            .Node("Conv", new[] { "x", "w", "b" }, new[] { "y" }, Ints("strides", rng.Next(1, 3), rng.Next(1, 3)), Ints("dilations", dilations),
                Ints("pads", rng.Next(0, 3), rng.Next(0, 3), rng.Next(0, 3), rng.Next(0, 3)), Int("group", group));
        string last = "y";
        if (rng.Next(2) == 0)
        {
            builder.Constant("scale", OrtOracle.RandomTensor(rng, new[] { outputs })).Constant("shift", OrtOracle.RandomTensor(rng, new[] { outputs }))
                .Constant("mean", OrtOracle.RandomTensor(rng, new[] { outputs }))
                .Constant("var", Tensor.FromFloats(new[] { outputs }, Enumerable.Range(0, outputs).Select(_ => (float)rng.NextDouble() + 0.5f).ToArray()))
                .Node("BatchNormalization", new[] { "y", "scale", "shift", "mean", "var" }, new[] { "bn" });
            last = "bn";
        }
        if (rng.Next(2) == 0)
        {
            builder.Node("Relu", new[] { last }, new[] { "relu" });
            last = "relu";
        }
        return builder.Output(last).Graph;
    }

    private static BakedPlan BakeFloat(Graph graph) =>
        Baker.Bake(graph, "test", new BakeOptions("uniform.onnx", "Uniform", "Tests") { Precision = Precision.Float32 }, new RecordingLog());

    /// <summary>The plan against the float reference, which multiplies every written-out weight.</summary>
    private static void AssertPlanMatchesReference(Func<Graph> build, int[] inputShape, int seed)
    {
        var x = OrtOracle.RandomTensor(new Random(seed + 1000), inputShape, 3f);
        var reference = build();
        var expected = FloatInterpreter.Run(reference, new Dictionary<string, Tensor> { ["x"] = x })[reference.Outputs[0]].AsFloats();
        var actual = PlanInterpreter.Run(BakeFloat(build()), new[] { x.AsFloats() })[0];
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"seed {seed}, element {i}: {actual[i]} vs {expected[i]}");
    }

    public static IEnumerable<object[]> Seeds => Enumerable.Range(0, 16).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Uniform_convolution_matches_the_written_out_weights(int seed)
    {
        ConvGraph(seed, out int[] inputShape);
        Assert.Single(BakeFloat(ConvGraph(seed, out _)).Kernels.OfType<ConvFloat>(), c => c.StoredWeights.UnitValues != null);
        AssertPlanMatchesReference(() => ConvGraph(seed, out _), inputShape, seed);
    }

    [Fact]
    public void An_initializer_of_one_repeated_value_also_becomes_a_uniform_convolution()
    {
        Assert.Single(BakeFloat(ConvGraph(3, out _, denseEqualWeights: true)).Kernels.OfType<ConvFloat>(), c => c.StoredWeights.UnitValues != null);
        var graph = ConvGraph(3, out _, denseEqualWeights: true);
        graph["w"].Constant!.Floats![1] += 1f; // one different weight: written out as before
        Assert.Single(BakeFloat(graph).Kernels.OfType<ConvFloat>(), c => c.StoredWeights.UnitValues == null);
    }

    private static Graph GemmGraph(int transA, int transB, out int[] inputShape)
    {
        const int m = 3, k = 5, n = 4;
        inputShape = transA == 1 ? new[] { k, m } : new[] { m, k };
        return new GraphBuilder(9).Input("x", inputShape)
            .Constant("bShape", T.I(T.S(2), transB == 1 ? new long[] { n, k } : new long[] { k, n }))
            .Node("ConstantOfShape", new[] { "bShape" }, new[] { "w" }, Fill(-0.375f))
            .Constant("c", T.F(T.S(n), 0.5f, -1f, 2f, 0f))
            .Node("Gemm", new[] { "x", "w", "c" }, new[] { "y" }, Int("transA", transA), Int("transB", transB),
                GraphBuilder.Float("alpha", 1.5f), GraphBuilder.Float("beta", 0.75f))
            .Output("y").Graph;
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    public void Uniform_fully_connected_matches_the_written_out_weights(int transA, int transB)
    {
        GemmGraph(transA, transB, out int[] inputShape);
        Assert.Single(BakeFloat(GemmGraph(transA, transB, out _)).Kernels.OfType<FullyConnectedFloat>(), fc => fc.StoredWeights.UnitValues != null);
        AssertPlanMatchesReference(() => GemmGraph(transA, transB, out _), inputShape, 10 * transA + transB);
    }

    /// <summary>Magnitude cannot rank a fill's equal weights: pruning leaves it one value per channel, and the bake goes on.</summary>
    [Fact]
    public void Pruning_leaves_a_fill_whole()
    {
        var plan = Baker.Bake(ConvGraph(4, out _), "test", new BakeOptions("uniform.onnx", "Uniform", "Tests") { Precision = Precision.Float32, Sparsity = 0.5f },
            new RecordingLog());
        var conv = Assert.Single(plan.Kernels.OfType<ConvFloat>());
        Assert.True(conv.StoredWeights.IsFill);
        Assert.Equal(0, conv.ZeroParameters);
    }

    /// <summary>The plan file keeps one weight per channel and reads back to the same plan.</summary>
    [Fact]
    public void Uniform_kernels_round_trip_through_the_plan_file()
    {
        var plan = BakeFloat(ConvGraph(5, out _));
        var bytes = PlanFile.ToBytes(plan);
        Assert.Equal(bytes, PlanFile.ToBytes(PlanFile.Read(bytes)));
    }

    /// <summary>
    /// Int8 quantizes weights element by element, so a uniform convolution is written out first; quantized per channel,
    /// each channel is one int8 value again, stored as such (the uniform int8 encoding), and generated code decodes it
    /// to what the interpreter computes.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void Uniform_convolution_quantizes_to_int8_and_stays_one_value_per_channel(int seed)
    {
        var plan = Baker.Bake(ConvGraph(seed, out int[] inputShape), "test", new BakeOptions("uniform.onnx", "Uniform", "Tests"), new RecordingLog());
        var conv = Assert.Single(plan.Kernels.OfType<ConvInt8>());
        Assert.Equal(WeightEncoding.Uniform, conv.Encoded.Encoding);
        Assert.Equal(conv.Geometry.OutputChannels, conv.Encoded.Bytes);
        var input = OrtOracle.RandomTensor(new Random(seed), inputShape).AsFloats();
        var expected = PlanInterpreter.Run(plan, new[] { input })[0];
        var actual = new float[expected.Length];
        GeneratedAssembly.Compile(Core.Generation.ClassEmitter.Emit(plan), "Tests.Uniform").Predict(input, actual);
        Assert.Equal(expected, actual);
    }

    /// <summary>Generated code that decodes uniform float weights compiles and computes what the plan does.</summary>
    [Fact]
    public void Generated_code_matches_the_plan()
    {
        var plan = BakeFloat(ConvGraph(7, out int[] inputShape));
        var input = OrtOracle.RandomTensor(new Random(7), inputShape).AsFloats();
        var expected = PlanInterpreter.Run(plan, new[] { input })[0];
        var actual = new float[expected.Length];
        GeneratedAssembly.Compile(Core.Generation.ClassEmitter.Emit(plan), "Tests.Uniform").Predict(input, actual);
        Assert.Equal(expected, actual);
    }
}
