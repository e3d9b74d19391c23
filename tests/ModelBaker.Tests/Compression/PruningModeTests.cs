using ModelBaker.Core.Compression;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Compression;

public sealed class PruningModeTests
{
    private static TestLayer RandomLayer(int seed, int count, float scale, int units = 1)
    {
        var random = new Random(seed);
        return new TestLayer(Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray(), units);
    }

    [Fact]
    public void Unstructured_pruning_spreads_the_sparsity_by_Erdos_Renyi_and_hits_the_total_exactly()
    {
        // A 3×3 stem on one channel (32 units × 9), a 1×1 layer (64 × 32), a wide layer (64 × 256), a classifier (10 × 64).
        var layers = new[] { RandomLayer(1, 32 * 9, 1f, 32), RandomLayer(2, 64 * 32, 1f, 64), RandomLayer(3, 64 * 256, 1f, 64), RandomLayer(4, 10 * 64, 1f, 10) };
        var before = layers.Select(l => (float[])l.Weights.Clone()).ToArray();
        MagnitudePruning.Apply(layers, new BakeOptions("m.onnx", "M", "N") { Sparsity = 0.9f });

        int total = layers.Sum(l => l.Weights.Length);
        var zeros = layers.Select(l => l.Weights.Count(w => w == 0f)).ToArray();
        Assert.Equal((int)Math.Round(0.9 * total, MidpointRounding.AwayFromZero), zeros.Sum());
        // Density ∝ (fan-in + fan-out) / (fan-in · fan-out): the stem keeps 7× the share the wide layer keeps.
        var density = layers.Select((l, i) => 1 - zeros[i] / (double)l.Weights.Length).ToArray();
        double Ratio(int i) => (layers[i].WeightsPerUnit + layers[i].Units) / (double)(layers[i].WeightsPerUnit * layers[i].Units);
        for (int i = 0; i < 3; i++) Assert.Equal(Ratio(i) / Ratio(2), density[i] / density[2], 1);
        Assert.Equal(Ratio(3) / Ratio(2), density[3] / density[2], 1);
        // Within a layer, the smallest magnitudes go.
        for (int l = 0; l < layers.Length; l++)
        {
            float largestPruned = before[l].Where((_, i) => layers[l].Weights[i] == 0f).Select(Math.Abs).DefaultIfEmpty(0f).Max();
            float smallestKept = layers[l].Weights.Where(w => w != 0f).Select(Math.Abs).Min();
            Assert.True(largestPruned <= smallestKept);
        }
    }

    [Fact]
    public void A_layer_whose_share_would_pass_one_is_kept_whole_and_the_others_make_up_for_it()
    {
        var layers = new[] { RandomLayer(1, 32 * 9, 1f, 32), RandomLayer(3, 64 * 256, 1f, 64) };
        MagnitudePruning.Apply(layers, new BakeOptions("m.onnx", "M", "N") { Sparsity = 0.5f });
        Assert.Equal(0, layers[0].Weights.Count(w => w == 0f));
        Assert.Equal((int)Math.Round(0.5 * (288 + 16384)), layers[1].Weights.Count(w => w == 0f));
    }

    [Fact]
    public void Uniform_pruning_zeroes_the_same_share_of_every_layer()
    {
        var layers = new[] { RandomLayer(5, 32 * 9, 1f, 32), RandomLayer(6, 64 * 256, 1f, 64) };
        MagnitudePruning.Apply(layers, new BakeOptions("m.onnx", "M", "N") { Sparsity = 0.6f, Pruning = PruningMode.Uniform });
        Assert.Equal(173, layers[0].Weights.Count(w => w == 0f)); // round(0.6 × 288 = 172.8)
        Assert.Equal(9830, layers[1].Weights.Count(w => w == 0f)); // round(0.6 × 16384 = 9830.4)
    }

    [Fact]
    public void Global_pruning_hits_the_overall_sparsity_with_one_threshold_across_layers()
    {
        // A layer of small weights and one of large ones: one global threshold prunes the small layer much harder.
        var small = RandomLayer(1, 1000, 0.1f);
        var large = RandomLayer(2, 3000, 1f);
        var options = new BakeOptions("m.onnx", "M", "N") { Sparsity = 0.5f, Pruning = PruningMode.Global };
        var before = small.Weights.Concat(large.Weights).ToArray();
        MagnitudePruning.Apply(new IWeightedKernel[] { small, large }, options);

        var after = small.Weights.Concat(large.Weights).ToArray();
        Assert.InRange(after.Count(w => w == 0f), 1999, 2001);
        float largestPruned = before.Where((_, i) => after[i] == 0f).Max(Math.Abs);
        float smallestKept = after.Where(w => w != 0f).Min(Math.Abs);
        Assert.True(largestPruned <= smallestKept, "one threshold for all layers");
        Assert.True(small.Weights.Count(w => w == 0f) > 900, "the layer of small weights is pruned almost entirely");
    }

    [Fact]
    public void Threshold_pruning_zeroes_exactly_the_weights_below_it()
    {
        var layer = RandomLayer(3, 500, 1f);
        var before = (float[])layer.Weights.Clone();
        MagnitudePruning.Apply(new IWeightedKernel[] { layer }, new BakeOptions("m.onnx", "M", "N") { PruningThreshold = 0.3f });
        for (int i = 0; i < before.Length; i++)
            Assert.Equal(Math.Abs(before[i]) < 0.3f ? 0f : before[i], layer.Weights[i]);
    }

    [Fact]
    public void Digits_model_bakes_with_global_pruning_at_the_requested_overall_sparsity()
    {
        var plan = Baker.Bake(SampleModels.DigitsOptions(0.6f, Precision.Float32) with { Pruning = PruningMode.Global }, new RecordingLog());
        var weights = plan.Kernels.OfType<FullyConnectedFloat>().SelectMany(k => k.Weights).ToList();
        Assert.InRange(weights.Count(w => w == 0f), 0.6 * weights.Count - 1, 0.6 * weights.Count + 1);
    }
}
