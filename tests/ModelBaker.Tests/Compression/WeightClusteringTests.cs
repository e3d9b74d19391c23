using ModelBaker.Core.Compression;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Compression;

/// <summary>Clusters="k": deterministic one-dimensional k-means per layer (k-means++ from a fixed seed, then Lloyd).</summary>
public sealed class WeightClusteringTests
{
    [Fact]
    public void Well_separated_groups_come_back_as_their_means()
    {
        var random = new Random(3);
        var values = new[] { -2.0, 0.5, 3.0 }
            .SelectMany(centre => Enumerable.Range(0, 50).Select(_ => centre + (random.NextDouble() - 0.5) * 0.2)).ToArray();

        var centres = WeightClustering.KMeans(values, 3);

        Assert.Equal(3, centres.Length);
        for (int g = 0; g < 3; g++)
            Assert.Equal(values.Skip(50 * g).Take(50).Average(), centres[g], 12);
    }

    [Fact]
    public void k_means_is_deterministic_and_fewer_distinct_values_than_clusters_are_kept_as_they_are()
    {
        var random = new Random(4);
        var values = Enumerable.Range(0, 2000).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        Assert.Equal(WeightClustering.KMeans(values, 16), WeightClustering.KMeans((double[])values.Clone(), 16));
        Assert.Equal(16, WeightClustering.KMeans(values, 16).Length);
        Assert.Equal(new[] { -1.0, 0.25, 4.0 }, WeightClustering.KMeans(new[] { 4.0, -1.0, 0.25, 4.0, -1.0 }, 16));
    }

    [Fact]
    public void Each_layer_keeps_at_most_k_values_and_its_zeros_stay_zero()
    {
        var random = new Random(5);
        var weights = Enumerable.Range(0, 12 * 40).Select(i => i % 3 == 0 ? 0f : (float)(random.NextDouble() * 2 - 1)).ToArray();
        var layer = new TestLayer(weights, units: 12);

        WeightClustering.Apply(new[] { layer }, 16);

        Assert.Equal(16, layer.ClusteredValues);
        Assert.Equal(16, layer.Weights.Where(w => w != 0f).Distinct().Count());
        Assert.All(Enumerable.Range(0, weights.Length), i => Assert.Equal(i % 3 == 0, layer.Weights[i] == 0f));
        // Every weight went to its nearest shared value.
        var shared = layer.Weights.Where(w => w != 0f).Distinct().ToArray();
        for (int i = 0; i < weights.Length; i++)
            if (weights[i] != 0f)
                Assert.Equal(shared.Min(c => Math.Abs(c - weights[i])), Math.Abs(layer.Weights[i] - weights[i]), 6);
    }
}
