using ModelBaker.Core.Compression;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Compression;

public sealed class PruningModeTests
{
    private sealed class Layer : IWeightedKernel
    {
        public Layer(float[] weights) => Weights = weights;
        public string Source => "test";
        public float[] Weights { get; }
        public float[] Bias => Array.Empty<float>();
        public int Units => 1;
        public int WeightsPerUnit => Weights.Length;
        public int Groups => 1;
        public int ClusteredValues { get; set; }
        public ArenaSlice Input => new("x", ModelBaker.Core.Ir.ElementType.Float32, Weights.Length);
        public IEnumerable<float[]> Patches(float[] input, int group) { yield return input; }
    }

    private static Layer RandomLayer(int seed, int count, float scale)
    {
        var random = new Random(seed);
        return new Layer(Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray());
    }

    [Fact]
    public void GlobalPruningHitsTheOverallSparsityWithOneThresholdAcrossLayers()
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
    public void ThresholdPruningZeroesExactlyTheWeightsBelowIt()
    {
        var layer = RandomLayer(3, 500, 1f);
        var before = (float[])layer.Weights.Clone();
        MagnitudePruning.Apply(new IWeightedKernel[] { layer }, new BakeOptions("m.onnx", "M", "N") { PruningThreshold = 0.3f });
        for (int i = 0; i < before.Length; i++)
            Assert.Equal(Math.Abs(before[i]) < 0.3f ? 0f : before[i], layer.Weights[i]);
    }

    [Fact]
    public void DigitsModelBakesWithGlobalPruningAtTheRequestedOverallSparsity()
    {
        var plan = Baker.Bake(SampleModels.DigitsOptions(0.6f, Precision.Float32) with { Pruning = PruningMode.Global }, new RecordingLog());
        var weights = plan.Kernels.OfType<FullyConnectedFloat>().SelectMany(k => k.Weights).ToList();
        Assert.InRange(weights.Count(w => w == 0f), 0.6 * weights.Count - 1, 0.6 * weights.Count + 1);
    }
}
