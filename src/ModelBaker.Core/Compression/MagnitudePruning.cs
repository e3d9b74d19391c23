using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Per-layer magnitude pruning: in every fully connected layer, the round(sparsity × count) weights of
/// smallest magnitude become zero (ties broken by position, so the result is deterministic). Biases are
/// never pruned: they are few and shift whole outputs.
/// </summary>
public static class MagnitudePruning
{
    public static void Apply(IEnumerable<FullyConnectedFloat> layers, float sparsity)
    {
        if (sparsity < 0 || sparsity >= 1) throw new ArgumentOutOfRangeException(nameof(sparsity), sparsity, "Sparsity must be in [0, 1).");
        if (sparsity == 0) return;
        foreach (var layer in layers) Prune(layer.Weights, sparsity);
    }

    /// <summary>Zeroes the smallest-magnitude weights in place; returns how many were zeroed.</summary>
    public static int Prune(float[] weights, float sparsity)
    {
        int count = (int)Math.Round(sparsity * (double)weights.Length, MidpointRounding.AwayFromZero);
        var smallest = Enumerable.Range(0, weights.Length)
            .OrderBy(i => Math.Abs(weights[i]))
            .ThenBy(i => i)
            .Take(count);
        foreach (int i in smallest) weights[i] = 0f;
        return count;
    }

    /// <summary>Fraction of zero weights.</summary>
    public static double SparsityOf(IReadOnlyCollection<float> weights) =>
        weights.Count == 0 ? 0 : weights.Count(w => w == 0f) / (double)weights.Count;
}
