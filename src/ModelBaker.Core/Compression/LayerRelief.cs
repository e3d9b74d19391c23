using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Less compression in chosen layers, the last step of automatic recovery (docs/compression.md, "Automatic recovery"):
/// each time a layer is relieved it keeps half of the weights pruning took from it (the largest of them by magnitude,
/// whatever the pruning mode chose) and, with Clusters, gets twice the shared values (at most 256). Layers are named
/// by their source node, which is unique among the weighted layers of a plan.
/// </summary>
public sealed class LayerRelief
{
    private readonly SortedDictionary<string, int> _rounds;

    private LayerRelief(SortedDictionary<string, int> rounds) => _rounds = rounds;

    public static LayerRelief None { get; } = new(new SortedDictionary<string, int>(StringComparer.Ordinal));

    public bool IsEmpty => _rounds.Count == 0;

    /// <summary>This relief, and each of <paramref name="layers"/> relieved once more.</summary>
    public LayerRelief And(IEnumerable<string> layers)
    {
        var rounds = new SortedDictionary<string, int>(_rounds, StringComparer.Ordinal);
        foreach (string layer in layers) rounds[layer] = rounds.TryGetValue(layer, out int r) ? r + 1 : 1;
        return new LayerRelief(rounds);
    }

    /// <summary>How many times <paramref name="layer"/> was relieved.</summary>
    public int Rounds(string layer) => _rounds.TryGetValue(layer, out int r) ? r : 0;

    /// <summary>The shared values a layer gets when <paramref name="requested"/> were asked for.</summary>
    public int Clusters(string layer, int requested) => (int)Math.Min(256L, (long)requested << Math.Min(8, Rounds(layer)));

    /// <summary>
    /// After magnitude pruning: each relieved layer gets back the largest (by |w| in <paramref name="original"/>, ties
    /// to the first) of the weights pruning zeroed, until only 2^−rounds of them stay zero. Weights that were zero in
    /// the model stay zero.
    /// </summary>
    public void Unprune(IEnumerable<IWeightedKernel> layers, IReadOnlyDictionary<IWeightedKernel, float[]> original)
    {
        foreach (var layer in layers)
        {
            int rounds = Rounds(layer.Source);
            if (rounds == 0 || !original.TryGetValue(layer, out var weights)) continue;
            var pruned = Enumerable.Range(0, weights.Length).Where(i => weights[i] != 0f && layer.Weights[i] == 0f).ToList();
            int stayZero = (int)Math.Round(pruned.Count * Math.Pow(0.5, rounds), MidpointRounding.AwayFromZero);
            foreach (int i in pruned.OrderByDescending(i => Math.Abs(weights[i])).ThenBy(i => i).Take(pruned.Count - stayZero))
                layer.Weights[i] = weights[i];
        }
    }

    /// <summary>"Conv_3 ×2, Gemm_7": the relieved layers and how often, for the log and the report.</summary>
    public override string ToString() =>
        string.Join(", ", _rounds.Select(r => r.Value == 1 ? r.Key : $"{r.Key} ×{r.Value}"));
}
