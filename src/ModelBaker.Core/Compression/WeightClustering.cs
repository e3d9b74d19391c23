using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Parameter sharing (docs/compression.md): per layer, the non-zero weights are grouped into k clusters by
/// one-dimensional k-means (k-means++ initialisation from a fixed seed, then Lloyd iterations), and every weight is
/// replaced by its cluster's centre. Pruned weights stay exactly zero. The int8 stage then stores a codebook and a
/// small code per weight (4 bits for 16 clusters). Deterministic: same weights, same clusters, on every machine.
/// </summary>
public static class WeightClustering
{
    public const int Seed = 42;
    public const int MaxIterations = 100;

    public static void Apply(IEnumerable<IWeightedKernel> layers, int clusters)
    {
        if (clusters < 2 || clusters > 256) throw new ArgumentOutOfRangeException(nameof(clusters), clusters, "Clusters must be in 2…256.");
        foreach (var layer in layers)
        {
            var nonZero = layer.Weights.Where(w => w != 0f).Select(w => (double)w).ToArray();
            if (nonZero.Length == 0) continue;
            var centres = KMeans(nonZero, clusters);
            for (int i = 0; i < layer.Weights.Length; i++)
                if (layer.Weights[i] != 0f)
                {
                    float centre = (float)centres[Nearest(centres, layer.Weights[i])];
                    // A centre of exactly 0 would prune the weight; keep it non-zero so the sparsity stays as chosen.
                    layer.Weights[i] = centre == 0f ? float.Epsilon : centre;
                }
            layer.ClusteredValues = centres.Length;
        }
    }

    /// <summary>Sorted cluster centres of <paramref name="values"/>, at most <paramref name="k"/> (fewer when fewer distinct values).</summary>
    public static double[] KMeans(double[] values, int k)
    {
        var distinct = values.Distinct().OrderBy(v => v).ToArray();
        if (distinct.Length <= k) return distinct;

        // k-means++: the first centre at random, each next one with probability ∝ squared distance to the nearest centre.
        var random = new Random(Seed);
        var centres = new List<double> { values[random.Next(values.Length)] };
        var distances = new double[values.Length];
        while (centres.Count < k)
        {
            double total = 0;
            for (int i = 0; i < values.Length; i++)
            {
                double d = centres.Min(c => (values[i] - c) * (values[i] - c));
                distances[i] = d;
                total += d;
            }
            double pick = random.NextDouble() * total;
            int chosen = 0;
            for (double running = distances[0]; running < pick && chosen < values.Length - 1; running += distances[++chosen]) { }
            centres.Add(values[chosen]);
        }

        var sorted = centres.OrderBy(c => c).ToArray();
        var sums = new double[k];
        var counts = new int[k];
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            Array.Clear(sums, 0, k);
            Array.Clear(counts, 0, k);
            foreach (double v in values)
            {
                int c = Nearest(sorted, v);
                sums[c] += v;
                counts[c]++;
            }
            bool moved = false;
            for (int c = 0; c < k; c++)
            {
                if (counts[c] == 0) continue; // an empty cluster keeps its centre
                double centre = sums[c] / counts[c];
                if (centre != sorted[c]) { sorted[c] = centre; moved = true; }
            }
            Array.Sort(sorted);
            if (!moved) break;
        }
        return sorted.Distinct().ToArray();
    }

    /// <summary>Index of the centre nearest to <paramref name="value"/> (the lower one on a tie); centres sorted.</summary>
    private static int Nearest(double[] centres, double value)
    {
        int best = 0;
        for (int c = 1; c < centres.Length; c++)
            if (Math.Abs(centres[c] - value) < Math.Abs(centres[best] - value)) best = c;
        return best;
    }
}
