using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Options;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Magnitude pruning, the ways users ask for it (docs/compression.md). Unstructured (the default): round(sparsity ×
/// all weights) zeros spread over the layers by the Erdős–Rényi rule, then the smallest |w| within each layer; uniform:
/// the round(sparsity × count) smallest |w| of every layer; globally, one threshold across all layers so that
/// round(sparsity × all weights) are zero; or every |w| below a fixed threshold. Ties are broken by position, so the
/// result is deterministic. Biases are never pruned: they are few and shift whole outputs.
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
        switch (options.Pruning)
        {
            case PruningMode.Global: PruneGlobally(layers, sparsity); break;
            case PruningMode.Uniform: foreach (var layer in layers) Prune(layer.Weights, sparsity); break;
            default:
                var zeros = ErdosRenyiZeros(layers, sparsity);
                for (int l = 0; l < layers.Count; l++) PruneCount(layers[l].Weights, zeros[l]);
                break;
        }
    }

    /// <summary>
    /// How many weights each layer loses so that round(sparsity × all weights) are zero in total, spread by the
    /// Erdős–Rényi rule (Mocanu et al. 2018, as RigL uses it): a layer's density is proportional to
    /// (fan-in + fan-out) / (fan-in × fan-out), capped at 1 — so a layer where each output reads few weights (a 3×3
    /// filter on one channel, a depthwise convolution, a small classifier) keeps more of them, and big layers, whose
    /// weights are more redundant, give more. Fan-in is a unit's weight count, fan-out the units sharing its inputs.
    /// The scale is found by bisection; the last weights go to the layers with the largest remainders, ties to the first.
    /// </summary>
    public static int[] ErdosRenyiZeros(IReadOnlyList<IWeightedKernel> layers, float sparsity)
    {
        var sizes = layers.Select(l => (long)l.Weights.Length).ToArray();
        var ratios = layers.Select(l =>
        {
            double fanIn = l.WeightsPerUnit, fanOut = (double)l.Units / l.Groups;
            return (fanIn + fanOut) / (fanIn * fanOut);
        }).ToArray();
        long total = sizes.Sum(), keep = total - Count(sparsity, (int)total);
        double Kept(double scale) => sizes.Select((n, l) => Math.Min(1, scale * ratios[l]) * n).Sum();
        double low = 0, high = 1;
        while (Kept(high) < keep) high *= 2;
        for (int i = 0; i < 100; i++)
        {
            double middle = (low + high) / 2;
            if (Kept(middle) < keep) low = middle; else high = middle;
        }
        var share = sizes.Select((n, l) => Math.Min(1, low * ratios[l]) * n).ToArray();
        var kept = share.Select(x => (long)Math.Floor(x)).ToArray();
        foreach (int l in Enumerable.Range(0, layers.Count).Where(l => kept[l] < sizes[l])
                     .OrderByDescending(l => share[l] - kept[l]).ThenBy(l => l).Take((int)(keep - kept.Sum())))
            kept[l]++;
        return sizes.Select((n, l) => (int)(n - kept[l])).ToArray();
    }

    /// <summary>Zeroes the smallest-magnitude weights in place; returns how many were zeroed.</summary>
    public static int Prune(float[] weights, float sparsity) => PruneCount(weights, Count(sparsity, weights.Length));

    /// <summary>Zeroes the <paramref name="count"/> smallest-magnitude weights in place.</summary>
    public static int PruneCount(float[] weights, int count)
    {
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
