using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Magnitude pruning, the three ways users ask for it (docs/compression.md): per layer, the round(sparsity × count)
/// smallest |w| of each layer; globally, one threshold across all layers so that round(sparsity × all weights) are
/// zero; or every |w| below a fixed threshold. Ties are broken by position, so the result is deterministic. Biases are
/// never pruned: they are few and shift whole outputs.
/// </summary>
public static class MagnitudePruning
{
    public static void Apply(IReadOnlyList<IWeightedKernel> layers, BakeOptions options)
    {
        if (options.PruningThreshold is { } threshold)
        {
            foreach (var layer in layers) PruneBelow(layer.Weights, threshold);
            return;
        }
        float sparsity = options.Sparsity;
        if (sparsity < 0 || sparsity >= 1) throw new ArgumentOutOfRangeException(nameof(options), sparsity, "Sparsity must be in [0, 1).");
        if (sparsity == 0) return;
        if (options.Pruning == PruningMode.Global) PruneGlobally(layers, sparsity);
        else foreach (var layer in layers) Prune(layer.Weights, sparsity);
    }

    /// <summary>Zeroes the smallest-magnitude weights in place; returns how many were zeroed.</summary>
    public static int Prune(float[] weights, float sparsity)
    {
        int count = Count(sparsity, weights.Length);
        foreach (int i in Enumerable.Range(0, weights.Length).OrderBy(i => Math.Abs(weights[i])).ThenBy(i => i).Take(count))
            weights[i] = 0f;
        return count;
    }

    /// <summary>The smallest round(sparsity × total) weights over all layers, whatever layer they are in.</summary>
    public static void PruneGlobally(IReadOnlyList<IWeightedKernel> layers, float sparsity)
    {
        var all = layers.SelectMany((layer, l) => layer.Weights.Select((w, i) => (Magnitude: Math.Abs(w), Layer: l, Index: i)));
        int count = Count(sparsity, layers.Sum(l => l.Weights.Length));
        foreach (var w in all.OrderBy(w => w.Magnitude).ThenBy(w => w.Layer).ThenBy(w => w.Index).Take(count).ToList())
            layers[w.Layer].Weights[w.Index] = 0f;
    }

    public static void PruneBelow(float[] weights, float threshold)
    {
        for (int i = 0; i < weights.Length; i++)
            if (Math.Abs(weights[i]) < threshold) weights[i] = 0f;
    }

    /// <summary>Fraction of zero weights.</summary>
    public static double SparsityOf(IReadOnlyCollection<float> weights) =>
        weights.Count == 0 ? 0 : weights.Count(w => w == 0f) / (double)weights.Count;

    private static int Count(float sparsity, int total) => (int)Math.Round(sparsity * (double)total, MidpointRounding.AwayFromZero);
}
