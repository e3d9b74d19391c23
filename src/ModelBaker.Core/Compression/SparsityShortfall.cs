using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Options;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Whether pruning reached the requested <c>Sparsity</c> over all of the model's weights, and if not, why (MB1310):
/// weights that are one repeated value (a ConstantOfShape fill, which magnitude cannot rank), weights in steps pruning
/// does not reach (recurrent layers, classical models), too few weights for round(Sparsity × count) to reach one, or
/// structured pruning's whole filters. The figure is the report's <c>achievedSparsity</c>: zero or removed weights
/// against the weights of the model as exported. Not checked with LayerSparsity, whose layers depart from the target on purpose.
/// </summary>
public static class SparsityShortfall
{
    /// <summary>A shortfall smaller than this is rounding (a weight or two per layer), not a target missed.</summary>
    public const double Tolerance = 0.01;

    /// <summary>The achieved fraction of zero (or removed) weights: what the report calls <c>achievedSparsity</c>.</summary>
    public static double Achieved(BakedPlan reference, BakedPlan pruned)
    {
        long parameters = reference.Kernels.Sum(k => (long)k.Parameters);
        long kept = pruned.Kernels.Sum(k => (long)k.Parameters - k.ZeroParameters);
        return parameters == 0 ? 0 : 1 - (double)kept / parameters;
    }

    /// <summary>
    /// Null when the target is met (or no target was set: PruningThreshold, Sparsity 0, or a model with no weighted
    /// layer, which MB1111 already names); else the warning's text: requested, achieved, and the reasons.
    /// </summary>
    public static string? Explain(string model, BakedPlan reference, BakedPlan pruned, BakeOptions options)
    {
        // LayerSparsity sets some layers apart from Sparsity on purpose: the total is not the target then.
        if (options.PruningThreshold != null || options.LayerSparsity != null || options.Sparsity <= 0 || !pruned.Kernels.OfType<IWeightedKernel>().Any()) return null;
        double achieved = Achieved(reference, pruned);
        if (achieved >= options.Sparsity - Tolerance) return null;

        long total = reference.Kernels.Sum(k => (long)k.Parameters);
        var reasons = new List<string>();
        var fills = pruned.Kernels.OfType<IWeightedKernel>().Where(l => l.StoredWeights.IsFill).ToList();
        if (fills.Count > 0)
            reasons.Add($"{Count(fills.Sum(l => (long)l.StoredWeights.Count))} weights of {Names(fills.Select(l => l.Source))} are one repeated value per unit " +
                        "(a ConstantOfShape fill), which magnitude cannot rank, so they are not pruned");
        var unreached = pruned.Kernels.Where(k => k.Parameters > 0 && k is not IWeightedKernel).ToList();
        if (unreached.Count > 0)
            reasons.Add($"{Count(unreached.Sum(k => (long)k.Parameters))} weights are in steps pruning does not reach " +
                        $"({Names(unreached.Select(k => $"{k.Source} ({k.Kind})"))})");
        var prunable = pruned.Kernels.OfType<IWeightedKernel>().Where(l => !l.StoredWeights.IsFill).ToList();
        long prunableWeights = prunable.Sum(l => (long)l.StoredWeights.Count);
        if (options.Pruning == PruningMode.Structured)
            reasons.Add("structured pruning removes whole filters and neurons, and keeps those it cannot trace (MB1218) and at least one per layer");
        else if (prunableWeights > 0)
        {
            // The spread keeps small layers dense: said so a user sees where the target went, not as the cause.
            var dense = options.Pruning == PruningMode.Unstructured
                ? prunable.Where(l => l.Weights.All(w => w != 0f)).ToList()
                : new List<IWeightedKernel>();
            if (dense.Count > 0)
                reasons.Add($"{Names(dense.Select(l => $"{l.Source} ({l.StoredWeights.Count} weights)"))} " +
                            $"{(dense.Count == 1 ? "is" : "are")} kept at density 1 by the Erdős–Rényi spread (a layer whose units read few weights keeps them)");
            if (Math.Round(options.Sparsity * (double)prunableWeights, MidpointRounding.AwayFromZero) < 1 ||
                (options.Pruning == PruningMode.Uniform && prunable.All(l => Math.Round(options.Sparsity * (double)l.StoredWeights.Count, MidpointRounding.AwayFromZero) < 1)))
                reasons.Add($"round(Sparsity × weights) is 0 for the {Count(prunableWeights)} prunable weights");
        }
        else reasons.Add("no layer has weights that can be pruned");

        string fix = prunableWeights > 0 && options.Sparsity * (double)total / prunableWeights < 1 && options.Pruning != PruningMode.Structured
            ? string.Format(CultureInfo.InvariantCulture, "Sparsity=\"{0:0.###}\" asks the prunable weights for enough to reach the target over the whole model",
                Math.Ceiling(1000 * options.Sparsity * (double)total / prunableWeights) / 1000)
            : string.Format(CultureInfo.InvariantCulture, "the prunable weights cannot make up for it: lower Sparsity to {0:0.###} (or remove it)", Math.Floor(1000 * achieved) / 1000);
        return string.Format(CultureInfo.InvariantCulture,
            "{0}: Sparsity=\"{1:0.###}\" was asked for, but {2:0.000} of the model's {3} weights are zero: {4}. " +
            "The model is baked at {2:0.000}; {5}.",
            model, options.Sparsity, achieved, Count(total), string.Join("; ", reasons), fix);
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Names(IEnumerable<string> names)
    {
        var list = names.Distinct().ToList();
        return string.Join(", ", list.Take(3)) + (list.Count > 3 ? $" and {list.Count - 3} more" : "");
    }
}
