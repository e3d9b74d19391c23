using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Compression;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Options;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Reporting;

namespace ModelBaker.Core.Pipeline;

/// <summary>
/// Compression under an accuracy budget (docs/compression.md, "Automatic recovery"). With calibration data and
/// compression asked for, the bake measures the compressed model against the float model on data it was not fitted
/// to — Validation when given, else every k-th calibration sample, held back from calibration and reconstruction. When
/// the drop exceeds the budget (MaxAccuracyDrop, else <see cref="QualityBudget.DefaultPoints"/>) it escalates on its
/// own: layer reconstruction (when it was off), then network distillation, then less compression in the layers that
/// cost most (<see cref="LayerCost"/>), re-measuring after each step and keeping the first within budget. When none
/// is, the build fails with MB1403 stating both numbers.
/// </summary>
internal static class AutomaticRecovery
{
    /// <summary>One calibration sample in this many is held back (20 %), unless that would hold back more than <see cref="MaxHeldBack"/>.</summary>
    public const int HoldBackEvery = 5;

    /// <summary>Beyond this many held-back samples, measuring costs more than it tells: larger sets hold back every k-th with a larger k.</summary>
    public const int MaxHeldBack = 500;

    /// <summary>Fewer held-back samples than this cannot tell a point of accuracy from noise: no measurement, MB1308.</summary>
    public const int MinHeldBack = 20;

    /// <summary>Times the costliest layers are relieved, each round halving what they lost, before recovery gives up.</summary>
    public const int ReliefRounds = 3;

    /// <summary>What judges the bake, and on what the bake is fitted.</summary>
    /// <param name="Calibration">The calibration data the bake calibrates and refits on (without the held-back samples).</param>
    /// <param name="Samples">The samples that judge it.</param>
    public sealed record Judge(CalibrationSet Calibration, CalibrationSet Samples, IReadOnlyList<int>? Labels, string JudgedOn,
        int HoldBackEvery, QualityBudget Budget);

    /// <summary>Whether recovery runs for this bake, and on what data; null when it does not (logged when that is news).</summary>
    public static Judge? Prepare(string model, BakedPlan reference, CalibrationSet? calibration, CalibrationSet? validation,
        IReadOnlyList<int>? labels, BakeOptions options, bool ownWeights, IBakeLog log)
    {
        // Plain int8, or no real data to fit and judge on: the bake is what it always was (Baker.CheckOnCalibration judges a
        // plain int8 bake on its calibration samples).
        if (!Compresses(options) || calibration == null) return null;
        if (options.NoAccuracyBudget)
        {
            log.Info($"{model}: MaxAccuracyDrop=\"none\": the compressed model is not measured against the float model and not recovered.");
            return null;
        }
        if (!IsClassVector(reference))
        {
            log.Info($"{model}: automatic recovery measures top-1 agreement, which needs a single class-vector output; this model has " +
                $"{(reference.Outputs.Count == 1 ? $"one output of shape [{string.Join(", ", reference.Outputs[0].Shape)}]" : $"{reference.Outputs.Count} outputs")}, so the compressed model is baked as asked, without recovery.");
            return null;
        }
        if (ownWeights)
        {
            log.Info($"{model} keeps its own int8 weights (a QDQ model), which recovery could not refit: it is baked as asked, without recovery.");
            return null;
        }
        var budget = options.MaxAccuracyDrop is { } points ? new QualityBudget(points, IsDefault: false) : QualityBudget.Default;
        if (validation != null) return new Judge(calibration, validation, labels, "validation", 0, budget);

        int every = Math.Max(HoldBackEvery, (calibration.Count + MaxHeldBack - 1) / MaxHeldBack);
        if (calibration.Count / every < MinHeldBack)
        {
            log.Warning(ErrorCodes.TooFewSamplesToJudge,
                $"{model}: the compressed model's accuracy is not measured: the {calibration.Count} calibration samples ('{options.CalibrationPath}') are too few to hold back {MinHeldBack} of them " +
                $"(one in {every}) to judge it on, so a compression that costs accuracy would go unnoticed. Give Validation inputs, or at least {MinHeldBack * every} calibration samples.");
            return null;
        }
        var (kept, heldBack) = calibration.HoldBack(every);
        log.Info($"{model}: {heldBack.Count} of the {calibration.Count} calibration samples (one in {every}) are held back to judge the compressed model; the other {kept.Count} calibrate it.");
        return new Judge(kept, heldBack, null, "held-back calibration", every, budget);
    }

    /// <summary>Whether the options prune or cluster weights (beyond plain int8 quantization).</summary>
    public static bool Compresses(BakeOptions options) =>
        options.Sparsity > 0 || options.PruningThreshold != null || options.LayerSparsity != null || options.Clusters != null;

    /// <summary>One output whose shape has a single dimension above 1: class scores, where top-1 means something (so every
    /// measure here has a top-1 drop).</summary>
    private static bool IsClassVector(BakedPlan reference) =>
        reference.Outputs.Count == 1 && reference.Outputs[0].ComputeType == Ir.ElementType.Float32 && reference.Outputs[0].Shape.Count(d => d > 1) == 1;

    /// <summary>
    /// Measures <paramref name="requested"/> (baked with the options as given) and, when it loses more than the budget,
    /// tries the recovery steps in order; returns the first within budget. Throws MB1403 when none is.
    /// </summary>
    public static (Baker.Compressed, RecoveryReport) Run(Judge judge, BakeOptions options, BakedPlan reference, Baker.Compressed requested,
        double requestedSeconds, bool structured, Func<BakeOptions, LayerRelief, Baker.Compressed> compress, IBakeLog log)
    {
        string model = reference.Header.ModelFileName;
        string measure = judge.Labels != null ? "top-1" : "top-1 agreement with the float model";
        double allowed = judge.Budget.Allowed(judge.Samples.Count);
        var steps = new List<RecoveryStep>();
        var clock = Stopwatch.StartNew();
        AccuracyResult Measure(Baker.Compressed c) => Evaluation.Compare(reference, c.Plan, judge.Samples, judge.Labels);

        var first = Measure(requested);
        bool within = !judge.Budget.Exceeded(first);
        steps.Add(new RecoveryStep("as requested", Settings(options, LayerRelief.None, requested), first.Drop!.Value, requestedSeconds + clock.Elapsed.TotalSeconds, within));
        log.Info(Invariant($"{model}: as requested it loses {first.Drop:0.00} points of {measure} on {judge.Samples.Count} {judge.JudgedOn} samples (budget {allowed:0.##}){(within ? "." : "; recovering.")}"));
        if (within) return (requested, Report(judge, allowed, steps, 0));

        var best = (Compressed: requested, Options: options, Relief: LayerRelief.None, Drop: first.Drop, Step: 0);
        var current = best;
        bool Try(string name, BakeOptions attempt, LayerRelief relief)
        {
            clock.Restart();
            var compressed = compress(attempt, relief);
            var result = Measure(compressed);
            bool ok = !judge.Budget.Exceeded(result);
            steps.Add(new RecoveryStep(name, Settings(attempt, relief, compressed), result.Drop!.Value, clock.Elapsed.TotalSeconds, ok));
            log.Info(Invariant($"{model}: recovery step '{name}' loses {result.Drop:0.00} points ({clock.Elapsed.TotalSeconds:0.0} s){(ok ? ": within budget, kept." : ".")}"));
            current = (compressed, attempt, relief, result.Drop, steps.Count - 1);
            if (result.Drop < best.Drop) best = current;
            return ok;
        }

        bool prunes = options.Sparsity > 0 || options.PruningThreshold != null || options.LayerSparsity != null;
        // 1. Layer reconstruction, when it was turned off.
        if (prunes && !options.Reconstruction && Try("reconstruction", options with { Reconstruction = true }, LayerRelief.None))
            return (current.Compressed, Report(judge, allowed, steps, current.Step));
        // 2. Network distillation, when the network can be distilled; kept for the next steps only when it helped.
        if (options.Distillation != DistillationScope.Network && NetworkDistillation.Refusal(current.Compressed.FloatPlan, reference) == null)
        {
            var before = current;
            if (Try("network distillation", current.Options with { Distillation = DistillationScope.Network }, LayerRelief.None))
                return (current.Compressed, Report(judge, allowed, steps, current.Step));
            if (current.Drop >= before.Drop) current = before;
        }
        // 3. Less compression in the layers that cost most: those that add the most output error (LayerCost).
        if (structured)
            log.Info($"{model}: structured pruning removed whole filters, so recovery cannot give single layers back their weights; lower Sparsity instead.");
        else
            for (int round = 1; round <= ReliefRounds; round++)
            {
                var costs = LayerCost.Added(current.Compressed.FloatPlan, reference, judge.Calibration)
                    .Where(c => c.Cost > 0 && current.Relief.Rounds(c.Layer.Source) < 8)
                    // Only a layer that lost weights or shares values has anything to give back.
                    .Where(c => c.Layer.ClusteredValues > 0 || c.Layer.Weights.Any(w => w == 0f)).ToList();
                if (costs.Count == 0) break;
                double most = costs.Max(c => c.Cost);
                // The costliest layer, and every layer that costs at least half as much.
                var relieve = costs.Where(c => c.Cost >= most / 2).Select(c => c.Layer.Source).ToList();
                if (Try(relieve.Count == 1 ? $"less compression in 1 layer (round {round})" : $"less compression in {relieve.Count} layers (round {round})",
                        current.Options, current.Relief.And(relieve)))
                    return (current.Compressed, Report(judge, allowed, steps, current.Step));
            }

        var bestStep = steps[best.Step];
        string tried = steps.Count > 1 ? string.Join(", ", steps.Skip(1).Select(s => Invariant($"{s.Name} ({s.Drop:0.00})"))) : "nothing it could";
        throw new BakeException(ErrorCodes.RecoveryFailed,
            Invariant($"{model}: the requested compression ({steps[0].Settings}) loses {first.Drop:0.00} points of {measure} on {judge.Samples.Count} {judge.JudgedOn} samples, ") +
            Invariant($"more than the budget of {allowed:0.##} points{(judge.Budget.IsDefault ? " (the default; MaxAccuracyDrop sets it)" : " (MaxAccuracyDrop)")}. ") +
            Invariant($"Automatic recovery tried {tried}; the best reached {best.Drop:0.00} points, with {bestStep.Settings}. ") +
            "Lower Sparsity or raise Clusters, give more representative Calibration data, raise MaxAccuracyDrop, or set MaxAccuracyDrop=\"none\" to bake the requested compression without measuring it.");
    }

    private static RecoveryReport Report(Judge judge, double allowed, List<RecoveryStep> steps, int kept) =>
        new(judge.JudgedOn, judge.Samples.Count, judge.HoldBackEvery, allowed, judge.Budget.IsDefault, steps, kept);

    /// <summary>The settings a step baked with, as metadata, and what relieved layers ended with.</summary>
    private static string Settings(BakeOptions options, LayerRelief relief, Baker.Compressed compressed)
    {
        var parts = new List<string>();
        if (options.PruningThreshold is { } threshold) parts.Add(Invariant($"PruningThreshold=\"{threshold:0.####}\""));
        else if (options.Sparsity > 0) parts.Add(Invariant($"Sparsity=\"{options.Sparsity:0.###}\""));
        if (options.LayerSparsity is { } named) parts.Add($"LayerSparsity=\"{named}\"");
        if (options.Pruning != PruningMode.Unstructured) parts.Add($"Pruning=\"{options.Pruning}\"");
        if (options.Clusters is { } clusters) parts.Add(Invariant($"Clusters=\"{clusters}\""));
        if (!options.Reconstruction) parts.Add("Reconstruction=\"false\"");
        if (options.Distillation != DistillationScope.None) parts.Add($"Distillation=\"{options.Distillation}\"");
        string text = string.Join(" ", parts);
        if (relief.IsEmpty) return text;
        var layers = compressed.FloatPlan.Kernels.OfType<Kernels.IWeightedKernel>().Where(l => relief.Rounds(l.Source) > 0).Select(l =>
        {
            double sparsity = l.Weights.Length == 0 ? 0 : (double)l.Weights.Count(w => w == 0f) / l.Weights.Length;
            return Invariant($"{l.Source} at sparsity {sparsity:0.00}{(options.Clusters != null ? $", {l.ClusteredValues} clusters" : "")}");
        });
        return $"{text}, with less compression in {string.Join("; ", layers)}";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
