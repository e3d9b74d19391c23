using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Compression;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;
using ModelBaker.Core.Interpreter;

namespace ModelBaker.Tests.Compression;

/// <summary>
/// Pruning="Structured": whole filters go and so do their consumers' input channels. The graphs below give some filters
/// all-zero weights and biases, so removing them must not change a single output — which checks that every consumer
/// (through Relu, a residual Add, a Concat, pooling, Flatten and Gemm) dropped exactly the matching channels.
/// </summary>
public sealed class StructuredPruningTests
{
    private static float[] Filters(int count, int depth, int seed, params int[] zero)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, count * depth).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        foreach (int f in zero) Array.Clear(data, f * depth, depth);
        return data;
    }

    private static float[] Biases(int count, int seed, params int[] zero)
    {
        var biases = Filters(count, 1, seed);
        foreach (int f in zero) biases[f] = 0f;
        return biases;
    }

    /// <summary>stem 1→4 (3×3), Relu, conv 4→4 (1×1), Add with the stem (residual), Relu, GlobalAveragePool, Flatten, Gemm 4→3.</summary>
    private static Graph Residual(params int[] deadChannels) => Residual(Filters(4, 9, 1, deadChannels), Biases(4, 2, deadChannels),
        Filters(4, 4, 3, deadChannels), Biases(4, 4, deadChannels));

    private static Graph Residual(float[] stemWeights, float[] stemBias, float[] pointwiseWeights, float[] pointwiseBias) => new GraphBuilder()
        .Input("x", 1, 1, 6, 6)
        .Constant("stem_w", T.F(T.S(4, 1, 3, 3), stemWeights)).Constant("stem_b", T.F(T.S(4), stemBias))
        .Constant("pw_w", T.F(T.S(4, 4, 1, 1), pointwiseWeights)).Constant("pw_b", T.F(T.S(4), pointwiseBias))
        .Constant("fc_w", T.F(T.S(3, 4), Filters(3, 4, 5))).Constant("fc_b", T.F(T.S(3), Biases(3, 6)))
        .Node("Conv", new[] { "x", "stem_w", "stem_b" }, new[] { "stem" }, GraphBuilder.Ints("pads", 1, 1, 1, 1))
        .Node("Relu", new[] { "stem" }, new[] { "stem_relu" })
        .Node("Conv", new[] { "stem_relu", "pw_w", "pw_b" }, new[] { "pw" })
        .Node("Add", new[] { "stem_relu", "pw" }, new[] { "sum" })
        .Node("Relu", new[] { "sum" }, new[] { "block" })
        .Node("GlobalAveragePool", new[] { "block" }, new[] { "pool" })
        .Node("Flatten", new[] { "pool" }, new[] { "flat" })
        .Node("Gemm", new[] { "flat", "fc_w", "fc_b" }, new[] { "y" }, GraphBuilder.Int("transB", 1))
        .Output("y").Graph;

    private static BakeOptions Structured(float sparsity) =>
        new("test.onnx", "Test", "Tests") { Sparsity = sparsity, Pruning = PruningMode.Structured, Precision = Precision.Float32 };

    /// <summary>A calibration file of inputs uniform in [0, 1).</summary>
    private static string UniformCalibration(TempFolder folder, int seed, int samples, int length)
    {
        var random = new Random(seed);
        string path = folder.Path("calibration.npy");
        Npy.Write(path, Enumerable.Range(0, samples).Select(_ => Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray()).ToArray());
        return path;
    }

    private static void AssertSameOutputs(Graph original, BakedPlan pruned, int inputLength)
    {
        var unpruned = Baker.Bake(original, "0", Structured(0f), new RecordingLog());
        var random = new Random(9);
        for (int s = 0; s < 20; s++)
        {
            var input = Enumerable.Range(0, inputLength).Select(_ => (float)random.NextDouble()).ToArray();
            var expected = PlanInterpreter.Run(unpruned, new[] { input })[0];
            var actual = PlanInterpreter.Run(pruned, new[] { input })[0];
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        }
    }

    [Fact]
    public void Coupled_filters_of_a_residual_block_are_removed_together_and_the_outputs_stay()
    {
        var graph = Residual(deadChannels: 2);
        ConstantFolding.Run(graph);
        var result = StructuredPruning.Apply(graph, 0.25f);

        // The stem and the 1×1 conv feed the same Add: one decision for both, channel 2 (zero norm in both) goes.
        Assert.Equal(new[] { 0, 1, 3 }, result.KeptChannels["Conv_0"]);
        Assert.Equal(new[] { 0, 1, 3 }, result.KeptChannels["Conv_2"]);
        Assert.Equal((2, 11), (result.RemovedFilters, result.Filters)); // of 4 + 4 filters and 3 classifier neurons (which stay)
        Assert.Equal(new[] { 3, 1, 3, 3 }, graph[graph.Nodes[0].Inputs[1]].Shape);
        Assert.Equal(new[] { 3, 3, 1, 1 }, graph[graph.Nodes[2].Inputs[1]].Shape);
        Assert.Equal(new[] { 3, 3 }, graph[graph.Nodes[7].Inputs[1]].Shape);
        Assert.Equal(new[] { 1, 3 }, graph["flat"].Shape);

        var plan = Baker.Bake(Residual(deadChannels: 2), "0", Structured(0.25f), new RecordingLog());
        Assert.Equal(9 * 3 + 3 * 3 + 3 * 3, plan.Kernels.Sum(k => k.Parameters));
        AssertSameOutputs(Residual(deadChannels: 2), plan, 36);
    }

    /// <summary>
    /// The residual block of <see cref="Residual"/> whose channel 0 has the largest filters on both branches and yet is
    /// always 0 after the block: the stem's filter sits below zero (bias −100) before its Relu, the 1×1 conv's row is
    /// all negative with bias −100, so their sum is negative and the block's Relu zeroes it.
    /// </summary>
    private static Graph DeadResidualChannel() => Residual(
        Enumerable.Repeat(2f, 9).Concat(Filters(3, 9, 11).Select(w => w / 4)).ToArray(), new[] { -100f, 0.1f, 0.2f, 0.3f },
        Enumerable.Repeat(-2f, 4).Concat(Filters(3, 4, 12).Select(w => w / 4)).ToArray(), new[] { -100f, 0f, 0f, 0f });

    [Fact]
    public void With_calibration_data_coupled_channels_are_ranked_by_what_their_readers_get_not_by_filter_norms()
    {
        using var folder = new TempFolder();
        string calibration = UniformCalibration(folder, seed: 13, samples: 50, length: 36);

        // By filter norms, channel 0 is the last to go; by what the classifier reads from the block, the first — and
        // removing it changes no output. Sparsity 0.25 of the 64 weights is one coupled channel (9 + 7 + 3 weights).
        var log = new RecordingLog();
        var plan = Baker.Bake(DeadResidualChannel(), "0", Structured(0.25f) with { CalibrationPath = calibration }, log);
        Assert.Contains(log.Messages, m => m.Contains("structured pruning removed 2 of 11 filters and neurons, 19 of 64 weights"));
        AssertSameOutputs(DeadResidualChannel(), plan, 36);

        // Without calibration data the filter norms rank, and channel 0 stays (a live channel goes).
        var graph = DeadResidualChannel();
        ConstantFolding.Run(graph);
        Assert.Contains(0, StructuredPruning.Apply(graph, 0.25f).KeptChannels["Conv_0"]);
    }

    /// <summary>
    /// x[6] → Gemm 6→8, Relu → Gemm 8→8, Relu → Gemm 8→3. Hidden neurons 2–7 of the second layer are the weakest of their
    /// layer and the classifier reads nothing from them (zero columns).
    /// </summary>
    private static Graph UnreadNeurons()
    {
        var second = Filters(8, 8, 22);
        for (int n = 2; n < 8; n++) for (int k = 0; k < 8; k++) second[n * 8 + k] /= 10;
        var classifier = Filters(3, 8, 23);
        for (int o = 0; o < 3; o++) Array.Clear(classifier, o * 8 + 2, 6);
        return new GraphBuilder()
            .Input("x", 1, 6)
            .Constant("w1", T.F(T.S(8, 6), Filters(8, 6, 21))).Constant("b1", T.F(T.S(8), Biases(8, 24)))
            .Constant("w2", T.F(T.S(8, 8), second)).Constant("b2", T.F(T.S(8), Biases(8, 25)))
            .Constant("w3", T.F(T.S(3, 8), classifier))
            .Node("Gemm", new[] { "x", "w1", "b1" }, new[] { "h1" }, GraphBuilder.Int("transB", 1))
            .Node("Relu", new[] { "h1" }, new[] { "r1" })
            .Node("Gemm", new[] { "r1", "w2", "b2" }, new[] { "h2" }, GraphBuilder.Int("transB", 1))
            .Node("Relu", new[] { "h2" }, new[] { "r2" })
            .Node("Gemm", new[] { "r2", "w3" }, new[] { "y" }, GraphBuilder.Int("transB", 1))
            .Output("y").Graph;
    }

    [Fact]
    public void With_calibration_data_each_layer_loses_what_costs_the_least_error()
    {
        using var folder = new TempFolder();
        string calibration = UniformCalibration(folder, seed: 26, samples: 64, length: 6);

        // 136 weights; a second-layer neuron takes 8 + 3 of them, a first-layer one 6 + 8. Sparsity 66/136: the six
        // unread neurons, all from the second layer, and no output changes.
        var log = new RecordingLog();
        var plan = Baker.Bake(UnreadNeurons(), "0", Structured(66f / 136) with { CalibrationPath = calibration }, log);
        Assert.Contains(log.Messages, m => m.Contains("structured pruning removed 6 of 19 filters and neurons, 66 of 136 weights"));
        AssertSameOutputs(UnreadNeurons(), plan, 6);

        // Without calibration data both layers lose the same fraction, and live neurons of the first go.
        var graph = UnreadNeurons();
        ConstantFolding.Run(graph);
        Assert.True(StructuredPruning.Apply(graph, 66f / 136).KeptChannels["Gemm_0"].Length < 8);
    }

    [Fact]
    public void Concatenated_channels_are_removed_from_the_right_place_of_the_consumer()
    {
        // Two 1×1 convs (2→4 each) concatenated to 8 channels, then a 1×1 conv 8→2 that is the output.
        Graph Build() => new GraphBuilder()
            .Input("x", 1, 2, 3, 3)
            .Constant("a_w", T.F(T.S(4, 2, 1, 1), Filters(4, 2, 1, 1, 3))).Constant("a_b", T.F(T.S(4), Biases(4, 2, 1, 3)))
            .Constant("b_w", T.F(T.S(4, 2, 1, 1), Filters(4, 2, 3, 0, 2))).Constant("b_b", T.F(T.S(4), Biases(4, 4, 0, 2)))
            .Constant("c_w", T.F(T.S(2, 8, 1, 1), Filters(2, 8, 5)))
            .Node("Conv", new[] { "x", "a_w", "a_b" }, new[] { "a" })
            .Node("Conv", new[] { "x", "b_w", "b_b" }, new[] { "b" })
            .Node("Concat", new[] { "a", "b" }, new[] { "ab" }, GraphBuilder.Int("axis", 1))
            .Node("Conv", new[] { "ab", "c_w" }, new[] { "y" })
            .Output("y").Graph;
        var graph = Build();
        ConstantFolding.Run(graph);
        var result = StructuredPruning.Apply(graph, 0.5f);
        Assert.Equal(new[] { 0, 2 }, result.KeptChannels["Conv_0"]);
        Assert.Equal(new[] { 1, 3 }, result.KeptChannels["Conv_1"]);
        Assert.Equal(new[] { 2, 4, 1, 1 }, graph[graph.Nodes[3].Inputs[1]].Shape);

        AssertSameOutputs(Build(), Baker.Bake(Build(), "0", Structured(0.5f), new RecordingLog()), 18);
    }

    [Fact]
    public void The_depthwise_separable_CNN_loses_the_same_channels_on_both_sides_of_its_residual_add()
    {
        var graph = OnnxModelReader.Load(TestData.Path("sample", "models", "digits_dscnn.onnx"));
        ShapeInference.Run(graph);
        ConstantFolding.Run(graph);
        var result = StructuredPruning.Apply(graph, 0.5f);
        var kept = result.KeptChannels;
        // stem → depthwise → pointwise → Add(stem): the stem, both ends of the block and the next depthwise share channels.
        // One filter fraction for both families: 11 of the 32 coupled channels and 23 of block 2's 64 remove 2,297 of the
        // 4,576 weights (round(0.5 × 4,576) = 2,288).
        Assert.Equal((2297L, 4576L), (result.RemovedWeights, result.Weights));
        Assert.Equal(21, kept["/stem/stem.0/stem.0.0/Conv"].Length);
        Assert.Equal(kept["/stem/stem.0/stem.0.0/Conv"], kept["/block1/pw/pw.0/Conv"]);
        Assert.Equal(kept["/stem/stem.0/stem.0.0/Conv"], kept["/block1/dw/dw.0/Conv"]);
        Assert.Equal(kept["/stem/stem.0/stem.0.0/Conv"], kept["/block2/dw/dw.0/Conv"]);
        Assert.Equal(41, kept["/block2/pw/pw.0/Conv"].Length);
        Assert.Equal(21, graph.Nodes.Single(n => n.Name == "/block1/dw/dw.0/Conv").GetInt("group", 1));
        Assert.Equal(new[] { 10, 41 }, graph[graph.Nodes.Single(n => n.OpType == "Gemm").Inputs[1]].Shape);
    }

    [Fact]
    public void Sparsity_is_the_fraction_of_weights_removed_not_of_filters()
    {
        // The digits MLP, 64 → 128 → 64 → 10 (17,024 weights). A neuron of the first layer takes its 64 weights and a
        // column of the second layer with it, so half the weights go long before half the neurons: 49 of 128 and
        // 25 of 64 neurons (the classifier's 10 stay: they are the output) remove 8,497 weights, the closest the
        // shared filter fraction comes to round(0.5 × 17,024) = 8,512.
        var graph = OnnxModelReader.Load(TestData.Path("sample", "models", "digits_mlp.onnx"));
        ShapeInference.Run(graph);
        ConstantFolding.Run(graph);
        var result = StructuredPruning.Apply(graph, 0.5f);
        Assert.Equal((49 + 25, 128 + 64 + 10), (result.RemovedFilters, result.Filters));
        Assert.Equal((17024L - (79 * 64 + 39 * 79 + 10 * 39), 17024L), (result.RemovedWeights, result.Weights));
    }

    [Fact]
    public void The_structurally_pruned_digits_MLP_shrinks_its_layers_and_their_inputs()
    {
        var plan = Baker.Bake(SampleModels.DigitsOptions(0.5f) with { Pruning = PruningMode.Structured }, new RecordingLog());
        var layers = plan.Kernels.OfType<FullyConnectedInt8>().ToList();
        // With the calibration digits the two hidden layers lose what costs the least error: 53 of 128 and 20 of 64.
        Assert.Equal(new[] { (75, 64), (44, 75), (10, 44) }, layers.Select(l => (l.Units, l.Depth)));
        Assert.Equal(75 * 64 + 44 * 75 + 10 * 44, plan.Kernels.Sum(k => k.Parameters));
    }

    [Fact]
    public void Structured_pruning_of_the_digits_MLP_at_half_keeps_top_one_within_half_a_point_in_a_sixth_of_the_bytes()
    {
        var options = SampleModels.DigitsOptions(0.5f) with
        {
            Pruning = PruningMode.Structured,
            ValidationPath = TestData.Path("sample", "data", "digits_test_x.npy"),
            ValidationLabelsPath = TestData.Path("sample", "data", "digits_test_y.npy"),
        };
        var report = Baker.BakeWithReport(options, new RecordingLog()).Report;
        Assert.True(report.Validation!.Drop <= 0.5, $"float {report.Validation.FloatTop1:F2}% vs baked {report.Validation.BakedTop1:F2}%");
        Assert.True(6 * report.BakedWeightBytes <= report.FloatWeightBytes, $"{report.FloatWeightBytes} -> {report.BakedWeightBytes} bytes");
        // 75·64 + 44·75 + 10·44 weights remain of 64·128 + 128·64 + 64·10 (plus the few kept weights that round to int8 zero).
        Assert.InRange(report.AchievedSparsity, 1 - (75 * 64 + 44 * 75 + 10 * 44) / 17024.0, 1 - (75 * 64 + 44 * 75 + 10 * 44) / 17024.0 + 0.01);
    }

    [Fact]
    public void A_node_without_a_channel_mapping_keeps_its_channels_and_the_bake_warns_MB1218_naming_it()
    {
        // A Softmax over the channels between the two convolutions: it declares no IChannelMapping, so the stem's
        // filters stay; the last layer's filters are the graph's output, so nothing else can go either.
        Graph Build() => new GraphBuilder()
            .Input("x", 1, 1, 4, 4)
            .Constant("stem_w", T.F(T.S(4, 1, 3, 3), Filters(4, 9, 1))).Constant("head_w", T.F(T.S(2, 4, 1, 1), Filters(2, 4, 2)))
            .Node("Conv", new[] { "x", "stem_w" }, new[] { "stem" }, GraphBuilder.Ints("pads", 1, 1, 1, 1))
            .Node("Softmax", new[] { "stem" }, new[] { "mixed" }, GraphBuilder.Int("axis", 1))
            .Node("Conv", new[] { "mixed", "head_w" }, new[] { "y" })
            .Output("y").Graph;
        var graph = Build();
        ConstantFolding.Run(graph);
        var result = StructuredPruning.Apply(graph, 0.5f);
        Assert.Equal(0, result.RemovedFilters);
        var blocked = Assert.Single(result.Blocked);
        Assert.Equal("'Softmax_1' (Softmax): Softmax declares no channel mapping (IChannelMapping)", blocked);

        var log = new RecordingLog();
        Baker.Bake(Build(), "0", Structured(0.5f), log);
        var warning = Assert.Single(log.Warnings, w => w.Code == ErrorCodes.StructuredPruningBlocked);
        Assert.Contains("'Softmax_1' (Softmax)", warning.Message);
    }
}
