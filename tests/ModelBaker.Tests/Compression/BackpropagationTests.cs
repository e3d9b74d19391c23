using ModelBaker.Core.Compression;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Compression;

/// <summary>
/// The gradients network distillation follows, checked against finite differences of the plan's own forward pass:
/// a convolution with Relu, a depthwise convolution clamped to [0, 0.8] (both bounds active), a residual Add, max and
/// average pooling, and a fully connected head.
/// </summary>
public sealed class BackpropagationTests
{
    private static float[] Random(int count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    private static Graph Network() => new GraphBuilder()
        .Input("x", 1, 2, 6, 6)
        .Constant("c1_w", T.F(T.S(4, 2, 3, 3), Random(72, 1, 0.5f))).Constant("c1_b", T.F(T.S(4), Random(4, 2, 0.1f)))
        .Constant("dw_w", T.F(T.S(4, 1, 3, 3), Random(36, 3))).Constant("dw_b", T.F(T.S(4), Random(4, 4, 0.1f)))
        .Constant("lo", T.F(T.S(), 0f)).Constant("hi", T.F(T.S(), 0.8f))
        .Constant("fc_w", T.F(T.S(3, 16), Random(48, 5))).Constant("fc_b", T.F(T.S(3), Random(3, 6)))
        .Node("Conv", new[] { "x", "c1_w", "c1_b" }, new[] { "c1" }, GraphBuilder.Ints("pads", 1, 1, 1, 1))
        .Node("Relu", new[] { "c1" }, new[] { "r1" })
        .Node("Conv", new[] { "r1", "dw_w", "dw_b" }, new[] { "dw" }, GraphBuilder.Ints("pads", 1, 1, 1, 1), GraphBuilder.Int("group", 4))
        .Node("Clip", new[] { "dw", "lo", "hi" }, new[] { "clipped" })
        .Node("Add", new[] { "r1", "clipped" }, new[] { "sum" })
        .Node("MaxPool", new[] { "sum" }, new[] { "max" }, GraphBuilder.Ints("kernel_shape", 2, 2), GraphBuilder.Ints("strides", 2, 2))
        .Node("AveragePool", new[] { "max" }, new[] { "avg" }, GraphBuilder.Ints("kernel_shape", 2, 2), GraphBuilder.Ints("strides", 1, 1))
        .Node("Flatten", new[] { "avg" }, new[] { "flat" })
        .Node("Gemm", new[] { "flat", "fc_w", "fc_b" }, new[] { "y" }, GraphBuilder.Int("transB", 1))
        .Output("y").Graph;

    private static BakedPlan FloatPlan(Graph graph) =>
        Baker.Bake(graph, "0", new BakeOptions("test.onnx", "Test", "Tests") { Precision = Precision.Float32 }, new RecordingLog());

    [Fact]
    public void Weight_and_bias_gradients_match_finite_differences_through_every_kind_of_step()
    {
        var plan = FloatPlan(Network());
        Assert.Contains(plan.Kernels, k => k is BinaryFloat);
        Assert.Contains(plan.Kernels, k => k is PoolFloat { Pooling: PoolKind.Max });
        Assert.Contains(plan.Kernels, k => k is PoolFloat { Pooling: PoolKind.Average });
        Assert.Contains(plan.Kernels, k => k is ConvFloat { Groups: 4, ActivationMax: 0.8f });
        int head = plan.Kernels.Count - 1;
        Assert.Null(Backpropagation.Unsupported(plan, head));

        var sample = new Array[] { Random(72, 7).Select(Math.Abs).ToArray() };
        var gradients = AssertGradientsMatchFiniteDifferences(plan, sample);

        // Both clamp bounds of the depthwise layer are hit, so its gradient mask is exercised.
        var depthwise = plan.Kernels.OfType<ConvFloat>().Single(c => c.Groups == 4);
        var clamped = new Backpropagation(plan, head).Forward(sample).Outputs[depthwise];
        Assert.Contains(0f, clamped);
        Assert.Contains(0.8f, clamped);
        Assert.Contains(gradients.Of[depthwise].Bias, g => g != 0); // gradients reach the clamped layer
    }

    /// <summary>
    /// With L = Σ direction · (the last step's output), every 12th weight and bias of every layer: the gradient equals
    /// the central difference of the plan's own forward pass. Returns the gradients.
    /// </summary>
    private static Backpropagation.LayerGradients AssertGradientsMatchFiniteDifferences(BakedPlan plan, Array[] sample)
    {
        var network = new Backpropagation(plan, plan.Kernels.Count - 1);
        var direction = Random(plan.Kernels[^1].Output.Length, 8);
        double Loss() => network.Forward(sample).Result.Select((y, i) => (double)y * direction[i]).Sum();

        var gradients = network.NewGradients();
        network.Backward(network.Forward(sample), direction, gradients);
        int checkedCount = 0;
        foreach (var (layer, (weightGradients, biasGradients)) in gradients.Of)
        {
            foreach (var (values, analytic) in new[] { (layer.Weights, weightGradients), (layer.Bias, biasGradients) })
                for (int i = 0; i < values.Length; i += Math.Max(1, values.Length / 12))
                {
                    float original = values[i];
                    const float h = 2e-4f; // small enough that no clamp, kink or max changes sides
                    values[i] = original + h;
                    double up = Loss();
                    values[i] = original - h;
                    double down = Loss();
                    values[i] = original;
                    double numeric = (up - down) / (2 * h);
                    Assert.True(Math.Abs(numeric - analytic[i]) <= 2e-3 + 1e-2 * Math.Abs(numeric),
                        $"{layer.Source} [{i}]: finite difference {numeric}, gradient {analytic[i]}");
                    checkedCount++;
                }
        }
        Assert.True(checkedCount > 20);
        return gradients;
    }

    /// <summary>Two fully connected branches, concatenated, through an element-wise function the branches cannot absorb, into a head.</summary>
    [Theory]
    [InlineData("Relu")]
    [InlineData("Sigmoid")]
    [InlineData("Tanh")]
    [InlineData("LeakyRelu")]
    [InlineData("HardSigmoid")]
    [InlineData("HardSwish")]
    [InlineData("Elu")]
    [InlineData("Selu")]
    [InlineData("Softplus")]
    [InlineData("Exp")]
    [InlineData("Neg")]
    [InlineData("Abs")]
    [InlineData("Clip")]
    public void Gradients_pass_through_concat_and_every_element_wise_function(string function)
    {
        var builder = new GraphBuilder()
            .Input("x", 1, 4)
            .Constant("wa", T.F(T.S(4, 5), Random(20, 1))).Constant("wb", T.F(T.S(4, 3), Random(12, 2)))
            .Constant("wh", T.F(T.S(8, 3), Random(24, 3)))
            .Constant("lo", T.F(T.S(), -0.3f)).Constant("hi", T.F(T.S(), 0.4f))
            .Node("MatMul", new[] { "x", "wa" }, new[] { "a" })
            .Node("MatMul", new[] { "x", "wb" }, new[] { "b" })
            .Node("Concat", new[] { "a", "b" }, new[] { "c" }, GraphBuilder.Int("axis", 1));
        builder = function == "Clip"
            ? builder.Node("Clip", new[] { "c", "lo", "hi" }, new[] { "f" })
            : builder.Node(function, new[] { "c" }, new[] { "f" });
        var plan = FloatPlan(builder.Node("MatMul", new[] { "f", "wh" }, new[] { "y" }).Output("y").Graph);
        Assert.Contains(plan.Kernels, k => k is Concat);
        Assert.Contains(plan.Kernels, k => k is UnaryFloat);

        var gradients = AssertGradientsMatchFiniteDifferences(plan, new Array[] { Random(4, 9) });

        Assert.All(plan.Kernels.OfType<IWeightedKernel>(), layer => Assert.Contains(gradients.Of[layer].Weights, g => g != 0));
    }

    [Fact]
    public void Pruned_weights_get_no_gradient()
    {
        var plan = FloatPlan(Network());
        var first = plan.Kernels.OfType<ConvFloat>().First();
        for (int i = 0; i < first.Weights.Length; i += 2) first.Weights[i] = 0f;
        var network = new Backpropagation(plan, plan.Kernels.Count - 1);
        var gradients = network.NewGradients();
        network.Backward(network.Forward(new Array[] { Random(72, 7).Select(Math.Abs).ToArray() }), new[] { 1f, -1f, 0.5f }, gradients);
        var weightGradients = gradients.Of[first].Weights;
        Assert.All(Enumerable.Range(0, first.Weights.Length).Where(i => i % 2 == 0), i => Assert.Equal(0, weightGradients[i]));
        Assert.Contains(Enumerable.Range(0, first.Weights.Length).Where(i => i % 2 == 1), i => weightGradients[i] != 0);
    }

    [Fact]
    public void A_step_without_a_gradient_is_named()
    {
        var graph = new GraphBuilder()
            .Input("x", 1, 4)
            .Constant("w1", T.F(T.S(4, 4), Random(16, 1))).Constant("w2", T.F(T.S(4, 3), Random(12, 2)))
            .Node("MatMul", new[] { "x", "w1" }, new[] { "h" })
            .Node("Softmax", new[] { "h" }, new[] { "p" })
            .Node("MatMul", new[] { "p", "w2" }, new[] { "y" })
            .Output("y").Graph;
        var plan = FloatPlan(graph);
        var step = Backpropagation.Unsupported(plan, plan.Kernels.Count - 1);
        Assert.IsType<SoftmaxFloat>(step!.Value.Step);
        Assert.Equal("SoftmaxFloat steps have no backward pass", step.Value.Reason);
        Assert.Contains("no gradient through", NetworkDistillation.Refusal(plan, plan));
    }
}
