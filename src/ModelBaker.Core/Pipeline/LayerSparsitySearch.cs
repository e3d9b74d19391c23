using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelBaker.Core.Compression;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Options;
using ModelBaker.Core.Reporting;

namespace ModelBaker.Core.Pipeline;

/// <summary>
/// Sparsity="auto"'s per-layer refinement (docs/compression.md#sparsityauto), after the global bisection has found the
/// largest grid sparsity within the budget (lo) and the smallest beyond it (hi). Layers are ranked by what moving them
/// costs (<see cref="LayerSensitivity"/>: float passes, no bake), then bakes judge prefixes of the ranking:
/// <list type="number">
/// <item><b>Pull back</b>: hi with its costliest layers back at their share of lo — the fewest layers within the budget.</item>
/// <item><b>Push</b>, in rounds: from the best setting so far, the cheapest layers a step further (each loses a third of the
/// weights it keeps) — the most layers within the budget; again from there, until a round finds nothing smaller.</item>
/// </list>
/// Each prefix count is found by bisection (a longer prefix is taken to cost more when pushing, less when pulling
/// back), and the whole refinement bakes at most <see cref="MaxBakes"/> settings. A setting is kept only when it is
/// within the budget and its baked bytes are fewer. The result is pinned with LayerSparsity (the moved layers only).
/// </summary>
internal static class LayerSparsitySearch
{
    /// <summary>Bakes the refinement may add to the global search's.</summary>
    public const int MaxBakes = 10;

    /// <summary>A push takes this share of the weights a layer keeps.</summary>
    public const double PushStep = 1.0 / 3;

    /// <summary>No layer is pushed beyond this sparsity.</summary>
    public const double MaxLayerSparsity = 0.99;

    public sealed record Result(Trial Best, IReadOnlyList<SearchLayer> Layers);

    public static Result Run(SettingTrials trials, Trial lo, float? hi, double budget, IBakeLog log)
    {
        var baseOptions = trials.Options(lo.Setting);
        string model = System.IO.Path.GetFileName(baseOptions.ModelPath);
        var (exported, judging) = Baker.ExportedModel(baseOptions);
        var sensitivity = new LayerSensitivity(exported, judging);
        int layers = sensitivity.Layers.Count;
        var weights = sensitivity.Layers.Select(l => Math.Max(1, l.Weights.Length)).ToArray();
        int bakes = 0;
        bool Within(Trial t) => t.Drop <= budget;
        Trial Bake(CompressionSetting setting)
        {
            int before = trials.Tried.Count;
            var trial = trials.Run(setting);
            bakes += trials.Tried.Count - before;
            return trial;
        }
        int[] Zeros(CompressionSetting s) => sensitivity.Zeros(trials.Options(s));
        // Layer l at z zeros, written as the sparsity that gives back that count (3 decimals, so the pin reads as baked).
        float SparsityOf(int l, int z) => float.Parse(((double)z / weights[l]).ToString("0.###", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        // A step further: a third of the weights the layer keeps, as a 3-decimal sparsity.
        float Pushed3(int l, int z) => float.Parse(Math.Min(MaxLayerSparsity, 1 - (1 - (double)z / weights[l]) * (1 - PushStep))
            .ToString("0.###", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        int Count(int l, float s) => (int)Math.Round(s * (double)weights[l], MidpointRounding.AwayFromZero);
        CompressionSetting Moved(CompressionSetting start, IEnumerable<int> moved, Func<int, float> to)
        {
            var named = start.Layers?.Layers.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal) ?? new Dictionary<string, float>(StringComparer.Ordinal);
            foreach (int l in moved) named[sensitivity.Name(l)] = to(l);
            return start with { Layers = new LayerSparsity(named) };
        }
        // Ties to the first layer in plan order: deterministic.
        List<int> Ranked(double?[] costs) => Enumerable.Range(0, layers).Where(l => costs[l] != null).OrderBy(l => costs[l]!.Value).ThenBy(l => l).ToList();

        var best = lo;
        double?[] lastCosts = new double?[layers];
        if (layers < 2)
        {
            log.Info($"{model}: one prunable layer, so the per-layer refinement has nothing to choose.");
            return new Result(best, Describe(Zeros(best.Setting), lastCosts));
        }

        // 1. Pull back: hi, with the layers that cost most there at their share of lo (largest relief per weight first).
        if (hi is { } hiSparsity)
        {
            var hiSetting = lo.Setting with { Sparsity = hiSparsity };
            var loZeros = Zeros(lo.Setting);
            var hiZeros = Zeros(hiSetting);
            var ranked = Ranked(sensitivity.Costs(hiZeros, loZeros).Select((c, l) => loZeros[l] < hiZeros[l] ? c : null).ToArray());
            CompressionSetting Pulled(int k) => Moved(hiSetting, ranked.Take(k), l => SparsityOf(l, loZeros[l]));
            // k = 0 is hi (beyond the budget); all of them is lo again, near enough (within it).
            int beyond = 0, within = ranked.Count;
            Trial? found = null;
            while (within - beyond > 1 && bakes < MaxBakes)
            {
                int mid = (beyond + within) / 2;
                var trial = Bake(Pulled(mid));
                if (Within(trial)) { within = mid; found = trial; }
                else beyond = mid;
            }
            if (found != null && found.Bytes < best.Bytes) best = found;
        }

        // 2. Push, in rounds: the cheapest layers a step further.
        while (bakes < MaxBakes)
        {
            var zeros = Zeros(best.Setting);
            var target = Enumerable.Range(0, layers).Select(l => Math.Max(zeros[l], Count(l, Pushed3(l, zeros[l])))).ToArray();
            var costs = sensitivity.Costs(zeros, target);
            lastCosts = costs;
            var ranked = Ranked(costs);
            if (ranked.Count == 0) break;
            var origin = best.Setting;
            CompressionSetting Pushed(int k) => Moved(origin, ranked.Take(k), l => SparsityOf(l, target[l]));
            // The most layers within the budget: all of them first, then bisection (0 pushed is where the round starts).
            int within = 0, beyond = ranked.Count + 1;
            Trial? found = null;
            while (beyond - within > 1 && bakes < MaxBakes)
            {
                int k = beyond == ranked.Count + 1 ? ranked.Count : (within + beyond) / 2;
                var trial = Bake(Pushed(k));
                if (Within(trial)) { within = k; found = trial; }
                else beyond = k;
            }
            if (found == null || found.Bytes >= best.Bytes) break;
            best = found;
        }
        return new Result(best, Describe(Zeros(best.Setting), lastCosts));

        IReadOnlyList<SearchLayer> Describe(int[] zeros, double?[] costs) =>
            Enumerable.Range(0, layers).Select(l => new SearchLayer(sensitivity.Name(l), weights[l],
                Math.Round((double)zeros[l] / weights[l], 4), costs[l])).ToList();
    }
}
