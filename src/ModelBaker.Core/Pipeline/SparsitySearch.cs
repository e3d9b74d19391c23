using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Options;
using ModelBaker.Core.Reporting;

namespace ModelBaker.Core.Pipeline;

/// <summary>
/// Sparsity="auto" (docs/compression.md#sparsityauto): the smallest model within MaxAccuracyDrop. Bisection over a grid
/// of global sparsities 0, 0.05, …, 0.95 (the drop is taken to grow with sparsity: a setting within the budget is
/// taken to mean every lower one is too), then single layers moved by measured cost (<see cref="LayerSparsitySearch"/>),
/// then, unless Clusters is given, the global and the refined setting with 16 shared values per layer; the smallest
/// within the budget of these is chosen. Each setting is a whole bake (<see cref="SettingTrials"/>); the model returned
/// is the chosen setting's bake, with the search in its report.
/// </summary>
public static class SparsitySearch
{
    /// <summary>The grid's step: the found sparsity is within this of the largest one within the budget.</summary>
    public const double Resolution = 0.05;

    /// <summary>The grid's last point (Sparsity must stay below 1).</summary>
    public const double Highest = 0.95;

    /// <summary>Shared values per layer tried on top of the found sparsity (4-bit codes).</summary>
    public const int TriedClusters = 16;

    private static int GridPoints => (int)Math.Round(Highest / Resolution) + 1;

    private static float SparsityAt(int point) => (float)Math.Round(point * Resolution, 3);

    public static BakeResult Run(BakeOptions options, IBakeLog log)
    {
        Require(options);
        string model = Path.GetFileName(options.ModelPath);
        double budget = options.MaxAccuracyDrop!.Value;
        var clock = Stopwatch.StartNew();
        var trials = new SettingTrials(options, log);
        bool Within(Trial trial) => trial.Drop <= budget;
        Trial At(int point) => trials.Run(new CompressionSetting(SparsityAt(point), options.Clusters));

        var none = At(0);
        string withClusters = options.Clusters is { } fixedClusters ? $" with Clusters {fixedClusters}" : "";
        if (!Within(none))
            throw new BakeException(ErrorCodes.SparsityAutoNoSetting, FormattableString.Invariant(
                $"{model}: Sparsity=\"auto\" found no setting within MaxAccuracyDrop={budget:0.##}: even Sparsity 0{withClusters} loses {none.Drop:0.00} points on {trials.MeasuredOn(none.Validation)}. ") +
                "Raise MaxAccuracyDrop, give more representative Calibration data, " + (options.Clusters != null ? "remove Clusters, " : "") + "or use Precision=\"Float32\".");
        // lo: a point within the budget; hi: the first point known to be beyond it (GridPoints when none is).
        int lo = 0, hi = GridPoints;
        if (Within(At(GridPoints - 1))) lo = GridPoints - 1;
        else hi = GridPoints - 1;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (Within(At(mid))) lo = mid;
            else hi = mid;
        }
        var global = At(lo);
        // Per layer: the layers that cost least go further, those that cost most are held back (LayerSparsitySearch).
        IReadOnlyList<SearchLayer> layers = Array.Empty<SearchLayer>();
        var refined = global;
        if (options.Pruning == PruningMode.Structured)
            log.Info($"{model}: Pruning=\"Structured\" removes whole filters by its own ranking, so the search keeps one sparsity for all layers.");
        else
            (refined, layers) = LayerSparsitySearch.Run(trials, global, hi < GridPoints ? SparsityAt(hi) : null, budget, log);
        // Clusters on the global and on the refined setting; the smallest within the budget wins (so never larger than global).
        var candidates = new List<Trial> { global };
        if (refined != global) candidates.Add(refined);
        if (options.Clusters == null)
            foreach (var candidate in candidates.ToList())
                candidates.Add(trials.Run(candidate.Setting with { Clusters = TriedClusters }));
        var chosen = candidates.Where(Within).OrderBy(t => t.Bytes).First();
        clock.Stop();
        // The best of each kind, for the log (and build/measure_auto.sh, which pins both).
        var bestGlobal = candidates.Where(t => t.Setting.Layers == null).Where(Within).OrderBy(t => t.Bytes).First();
        if (candidates.Where(t => t.Setting.Layers != null).Where(Within).OrderBy(t => t.Bytes).FirstOrDefault() is { } bestLayered)
            log.Info(FormattableString.Invariant(
                $"{model}: Sparsity=\"auto\" per layer: {bestLayered.Setting.Pin} bakes {bestLayered.Bytes:N0} B (drop {bestLayered.Drop:0.00}); one sparsity for all layers: {bestGlobal.Setting.Pin} bakes {bestGlobal.Bytes:N0} B (drop {bestGlobal.Drop:0.00})."));

        var search = new SearchReport(budget, trials.MeasuredOn(chosen.Validation), chosen.Setting.Sparsity, chosen.Setting.Clusters, chosen.Drop,
            trials.Tried.Select(t => new SearchTrial(t.Setting.Sparsity, t.Setting.Clusters, t.Drop, t.Bytes, t.Setting.Layers)).ToList(), clock.Elapsed.TotalSeconds)
        {
            LayerSparsity = chosen.Setting.Layers,
            // The per-layer figures describe the refined setting: shown when it (or its clustered form) was chosen.
            Layers = Equals(chosen.Setting.Layers, refined.Setting.Layers) ? layers : Array.Empty<SearchLayer>(),
        };
        log.Info($"{model}: Sparsity=\"auto\" {search.Summary}.");
        if (options.ValidationPath == null)
            log.Info($"{model}: the chosen model was calibrated on the other {HeldBackValidation.Every - 1} in {HeldBackValidation.Every} calibration samples; a bake pinned with {search.Pin} calibrates on all of them and may differ slightly.");
        return new BakeResult(chosen.Result.Plan, chosen.Result.Report with { Search = search });
    }

    /// <summary>MB1410 without a budget, MB1411 without calibration data: the search needs both.</summary>
    public static void Require(BakeOptions options)
    {
        string model = Path.GetFileName(options.ModelPath);
        if (options.MaxAccuracyDrop == null)
            throw new BakeException(ErrorCodes.SparsityAutoNeedsBudget, NeedsBudget(model));
        if (options.CalibrationPath == null)
            throw new BakeException(ErrorCodes.SparsityAutoNeedsCalibration, NeedsCalibration(model));
    }

    public static string NeedsBudget(string item) =>
        $"{item} has Sparsity=\"auto\" but no MaxAccuracyDrop: the search needs to know how many points of top-1 the model may lose. Add MaxAccuracyDrop=\"1\" (points), or give a Sparsity number.";

    public static string NeedsCalibration(string item) =>
        $"{item} has Sparsity=\"auto\" but no Calibration data: the search measures each setting on real inputs (Validation, or calibration samples held back). Add Calibration=\"…\" (a .npy file or a folder of .pb files), or give a Sparsity number.";
}
