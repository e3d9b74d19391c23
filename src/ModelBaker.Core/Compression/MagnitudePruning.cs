using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Options;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Diagnostics;

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
        var zeros = Zeros(layers, options);
        for (int l = 0; l < layers.Count; l++) PruneCount(layers[l].Weights, zeros[l]);
    }

    /// <summary>
    /// How many weights each layer loses: Sparsity spread as <see cref="BakeOptions.Pruning"/> says, then each layer
    /// LayerSparsity names (by its ONNX node) loses round(its sparsity × its weights) instead (docs/compression.md#layersparsity).
    /// </summary>
    public static int[] Zeros(IReadOnlyList<IWeightedKernel> layers, BakeOptions options)
    {
        float sparsity = options.Sparsity;
        if (sparsity < 0 || sparsity >= 1) throw new ArgumentOutOfRangeException(nameof(options), sparsity, "Sparsity must be in [0, 1).");
        var zeros = sparsity == 0 ? new int[layers.Count] : options.Pruning switch
        {
            PruningMode.Global => GlobalZeros(layers, sparsity),
            PruningMode.Uniform => layers.Select(l => Count(sparsity, l.Weights.Length)).ToArray(),
            _ => ErdosRenyiZeros(layers, sparsity),
        };
        if (options.LayerSparsity is { } named)
            for (int l = 0; l < layers.Count; l++)
                if (named.For(LayerSparsity.NodeName(layers[l].Source)) is { } own)
                    zeros[l] = Count(own, layers[l].Weights.Length);
        return zeros;
    }

    /// <summary>
    /// MB1126 when LayerSparsity names a node the plan has no step from, MB1128 when it names one pruning cannot reach
    /// (not a fully connected or convolution layer, or weights that are one repeated value). Run on the float plan.
    /// </summary>
    public static void RequireNamedLayers(BakedPlan floatPlan, LayerSparsity named)
    {
        string model = floatPlan.Header.ModelFileName;
        var prunable = new HashSet<string>(floatPlan.Kernels.OfType<IWeightedKernel>().Where(l => !l.StoredWeights.IsFill)
            .Select(l => LayerSparsity.NodeName(l.Source)), StringComparer.Ordinal);
        foreach (string name in named.Layers.Keys.Where(n => !prunable.Contains(n)))
        {
            string list = string.Join(", ", prunable.OrderBy(n => n, StringComparer.Ordinal).Take(12).Select(n => $"'{Diagnostics.Text.Printable(n)}'"))
                + (prunable.Count > 12 ? $" and {prunable.Count - 12} more" : "");
            // The step computing the node: its own, or the layer an activation or bias was fused into.
            string shown = Diagnostics.Text.Printable(name);
            var step = floatPlan.Kernels.FirstOrDefault(k => LayerSparsity.NodeName(k.Source) == name)
                ?? floatPlan.Kernels.FirstOrDefault(k => k.Source.Contains($"'{shown}' ("));
            if (step == null)
                throw new BakeException(ErrorCodes.LayerSparsityUnknownLayer,
                    $"{model}: LayerSparsity names '{shown}', but the model has no such node (or it folded into a constant). " +
                    $"Layers it can name (ONNX node names): {(list.Length > 0 ? list : "none")}.");
            string owner = LayerSparsity.NodeName(step.Source);
            string why = owner != name ? $"it has no weights of its own: it runs fused into the step of '{Diagnostics.Text.Printable(owner)}'"
                : step is IWeightedKernel ? "its weights are one repeated value per unit (a ConstantOfShape fill), which magnitude cannot rank"
                : $"it is a {step.Kind} step, not a fully connected or convolution layer whose weights pruning reaches";
            throw new BakeException(ErrorCodes.LayerNotPrunable,
                $"{model}: LayerSparsity names '{Diagnostics.Text.Printable(name)}', which cannot be pruned: {why}. Remove it from LayerSparsity; layers it can name: {(list.Length > 0 ? list : "none")}.");
        }
    }

    /// <summary>Per layer, how many of the smallest round(sparsity × total) weights over all layers are in it.</summary>
    private static int[] GlobalZeros(IReadOnlyList<IWeightedKernel> layers, float sparsity)
    {
        var all = layers.SelectMany((layer, l) => layer.Weights.Select((w, i) => (Magnitude: Math.Abs(w), Layer: l, Index: i)));
        int count = Count(sparsity, layers.Sum(l => l.Weights.Length));
        var zeros = new int[layers.Count];
        foreach (var w in all.OrderBy(w => w.Magnitude).ThenBy(w => w.Layer).ThenBy(w => w.Index).Take(count)) zeros[w.Layer]++;
        return zeros;
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
