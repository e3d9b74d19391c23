using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Options;
using ModelBaker.Core.Interpreter;

namespace ModelBaker.Core.Calibration;

/// <summary>
/// Runs the calibration samples through a float plan and chooses, for every float tensor, the range its int8 form
/// covers (docs/compression.md): MinMax takes the smallest and largest value seen; Percentile and Entropy (TensorRT's
/// KL-divergence method) clip outliers, from a histogram of |x| made in a second pass.
/// </summary>
public static class RangeObserver
{
    public const int HistogramBins = 2048;

    /// <summary>
    /// Per-feature ranges (smallest and largest value of each feature, the last axis, over every sample) of the model's
    /// float inputs that only <see cref="IFeatureWiseInput"/> steps read: those are quantized per feature.
    /// </summary>
    public static Dictionary<ArenaSlice, (float[] Min, float[] Max)> ObserveFeatures(BakedPlan floatPlan, CalibrationSet samples)
    {
        var ranges = new Dictionary<ArenaSlice, (float[] Min, float[] Max)>();
        var inputs = new List<(int Index, int Features)>();
        for (int k = 0; k < floatPlan.Inputs.Count; k++)
        {
            var slice = floatPlan.Inputs[k].Slice;
            var readers = floatPlan.Kernels.Where(s => s.Reads.Contains(slice)).ToList();
            if (slice.Type != ElementType.Float32 || readers.Count == 0 || floatPlan.Outputs.Any(t => t.Slice == slice)) continue;
            if (!readers.All(s => s is IFeatureWiseInput w && w.FeatureInput == slice)) continue;
            int features = ((IFeatureWiseInput)readers[0]).FeatureCount;
            if (features < 1 || slice.Length % features != 0 || readers.Any(s => ((IFeatureWiseInput)s).FeatureCount != features)) continue;
            inputs.Add((k, features));
            var min = Enumerable.Repeat(float.PositiveInfinity, features).ToArray();
            var max = Enumerable.Repeat(float.NegativeInfinity, features).ToArray();
            ranges[slice] = (min, max);
        }
        if (inputs.Count == 0) return ranges;
        foreach (var sample in samples.Samples())
            foreach (var (k, features) in inputs)
            {
                var (min, max) = ranges[floatPlan.Inputs[k].Slice];
                var values = (float[])sample[k];
                for (int i = 0; i < values.Length; i++)
                {
                    float v = values[i];
                    if (v < min[i % features]) min[i % features] = v;
                    if (v > max[i % features]) max[i % features] = v;
                }
            }
        foreach (var (min, max) in ranges.Values)
            for (int f = 0; f < min.Length; f++)
                if (!(min[f] <= max[f])) (min[f], max[f]) = (0f, 0f); // no finite value seen
        return ranges;
    }

    public static Dictionary<ArenaSlice, (float Min, float Max)> Observe(BakedPlan floatPlan, CalibrationSet samples,
        CalibrationMethod method = CalibrationMethod.MinMax, double percentile = 99.99, IBakeLog? log = null)
    {
        var ranges = new Dictionary<ArenaSlice, (float Min, float Max)>();
        var overflowed = new Dictionary<ArenaSlice, long>();
        Run(floatPlan, samples, log, "ranges", () => new Dictionary<ArenaSlice, (float Min, float Max, long NonFinite)>(), (seen, slice, values) =>
        {
            var (min, max, nonFinite) = seen.TryGetValue(slice, out var r) ? r : (float.PositiveInfinity, float.NegativeInfinity, 0L);
            foreach (float v in values)
            {
                // Where float overflowed, int8 saturates: the range reaches the largest float on that side. NaN (0/0,
                // ∞ − ∞) has no int8 counterpart and is left out.
                if (float.IsNaN(v) || float.IsInfinity(v))
                {
                    nonFinite++;
                    if (float.IsPositiveInfinity(v)) max = float.MaxValue;
                    if (float.IsNegativeInfinity(v)) min = -float.MaxValue;
                    continue;
                }
                if (v < min) min = v;
                if (v > max) max = v;
            }
            seen[slice] = (min, max, nonFinite);
        }, seen =>
        {
            foreach (var pair in seen)
            {
                var (min, max, nonFinite) = pair.Value;
                var (oldMin, oldMax) = ranges.TryGetValue(pair.Key, out var r) ? r : (float.PositiveInfinity, float.NegativeInfinity);
                // Strictly smaller (larger) only, as one sequential pass keeps the first of equal values (+0 before −0).
                ranges[pair.Key] = (min < oldMin ? min : oldMin, max > oldMax ? max : oldMax);
                if (nonFinite > 0) overflowed[pair.Key] = (overflowed.TryGetValue(pair.Key, out long n) ? n : 0) + nonFinite;
            }
        });
        foreach (var slice in ranges.Keys.ToList())
            if (ranges[slice].Min > ranges[slice].Max) ranges[slice] = (0, 0); // nothing finite was seen
        if (overflowed.Count > 0) WarnOverflow(floatPlan, overflowed, samples.Count, log);
        if (method == CalibrationMethod.MinMax) return ranges;

        var histograms = ranges.ToDictionary(r => r.Key, _ => new long[HistogramBins]);
        Run(floatPlan, samples, log, "histograms", () => new Dictionary<ArenaSlice, long[]>(), (counts, slice, values) =>
        {
            var (min, max) = ranges[slice];
            double maxAbs = Math.Max(Math.Abs(min), Math.Abs(max));
            if (maxAbs == 0) return;
            if (!counts.TryGetValue(slice, out var histogram)) counts[slice] = histogram = new long[HistogramBins];
            // Exact zeros are left out: every range holds 0 exactly, so they say nothing about where to clip — and after
            // a ReLU they are half the values, whose one bin would dominate Entropy's divergence (it then clipped a
            // ReLU output to an eighth of its range and destroyed the model) and pull Percentile's point down.
            foreach (float v in values)
                if (v != 0 && !float.IsNaN(v) && !float.IsInfinity(v)) histogram[Math.Min(HistogramBins - 1, (int)(Math.Abs(v) / maxAbs * HistogramBins))]++;
        }, counts =>
        {
            foreach (var pair in counts)
                for (int i = 0; i < HistogramBins; i++) histograms[pair.Key][i] += pair.Value[i];
        });
        return ranges.ToDictionary(r => r.Key, r =>
        {
            var (min, max) = r.Value;
            double maxAbs = Math.Max(Math.Abs(min), Math.Abs(max));
            if (maxAbs == 0) return r.Value;
            int bins = ClippingBins(histograms[r.Key], method, percentile, nonNegative: min >= 0);
            float threshold = (float)(bins * maxAbs / HistogramBins);
            return (Math.Max(min, -threshold), Math.Min(max, threshold));
        });
    }

    /// <summary>MB1305: float tensors that overflowed (or became NaN) on the calibration inputs, named with their steps.</summary>
    private static void WarnOverflow(BakedPlan plan, Dictionary<ArenaSlice, long> overflowed, int samples, IBakeLog? log)
    {
        if (log == null) return;
        var named = overflowed.Select(o => $"'{Diagnostics.Text.Printable(o.Key.TensorName)}' ({o.Value:N0} values)").Take(5).ToList();
        string more = overflowed.Count > named.Count ? $" and {overflowed.Count - named.Count} more" : "";
        log.Warning(Diagnostics.ErrorCodes.CalibrationOverflow,
            $"{plan.Header.ModelFileName}: on the {samples} calibration samples the float model overflows to infinity or NaN in {string.Join(", ", named)}{more}. " +
            "Int8 saturates there (its range reaches the largest float); NaN values are left out. Check the calibration data's scale, or the model's weights.");
    }

    /// <summary>
    /// Entropy never clips away more than 100 − this percent of a tensor's nonzero |values|. The divergence it minimises
    /// cannot see what clipping costs when a tensor's values pile up on a few points (a BatchNormalization after a ReLU
    /// maps each channel's zeros to its own shift): there it chose a small fraction of the range, and the zoo's cnn_bn
    /// lost 80 points of top-1 at int8 (98.05 % → 17.5 %).
    /// </summary>
    public const double EntropyKeepsAtLeast = 99.9;

    /// <summary>
    /// Where Percentile or Entropy clips a tensor, in bins of its |x| histogram (exact zeros left out):
    /// <see cref="PercentileBins"/>, or <see cref="EntropyBins"/> on 128 levels (256 for a non-negative tensor) but
    /// keeping at least <see cref="EntropyKeepsAtLeast"/> % of the values.
    /// </summary>
    public static int ClippingBins(long[] histogram, CalibrationMethod method, double percentile, bool nonNegative) =>
        method == CalibrationMethod.Percentile ? PercentileBins(histogram, percentile)
        : Math.Max(EntropyBins(histogram, levels: nonNegative ? 256 : 128), PercentileBins(histogram, EntropyKeepsAtLeast));

    /// <summary>Bins of the |x| histogram that hold <paramref name="percentile"/> % of the values.</summary>
    public static int PercentileBins(long[] histogram, double percentile)
    {
        long total = histogram.Sum(), cumulative = 0;
        for (int i = 0; i < histogram.Length; i++)
        {
            cumulative += histogram[i];
            if (cumulative >= percentile / 100 * total) return i + 1;
        }
        return histogram.Length;
    }

    /// <summary>
    /// The clipping point (in bins) whose quantization to <paramref name="levels"/> levels loses the least
    /// information (TensorRT's entropy calibration, as MXNet implements it): P is the histogram clipped there with
    /// the clipped values folded into its last bin; Q is the clipped histogram (without them) merged into
    /// <paramref name="levels"/> groups and spread back over its non-empty bins; the point minimising KL(P‖Q) wins.
    /// </summary>
    public static int EntropyBins(long[] histogram, int levels)
    {
        int best = histogram.Length;
        double bestDivergence = double.PositiveInfinity;
        for (int bins = levels; bins <= histogram.Length; bins++)
        {
            var p = new double[bins];
            for (int i = 0; i < bins; i++) p[i] = histogram[i];
            for (int i = bins; i < histogram.Length; i++) p[bins - 1] += histogram[i];
            var q = new double[bins];
            for (int level = 0; level < levels; level++)
            {
                int start = level * bins / levels, end = (level + 1) * bins / levels;
                double sum = 0;
                int nonEmpty = 0;
                for (int i = start; i < end; i++) { sum += histogram[i]; if (histogram[i] > 0) nonEmpty++; }
                for (int i = start; i < end; i++) if (histogram[i] > 0) q[i] = sum / nonEmpty;
            }
            double divergence = Divergence(Smooth(p), Smooth(q));
            if (divergence < bestDivergence) { bestDivergence = divergence; best = bins; }
        }
        return best;
    }

    /// <summary>Gives empty bins a tiny share (taken from the others) so that KL stays finite, as MXNet does.</summary>
    private static double[] Smooth(double[] distribution)
    {
        const double epsilon = 1e-4;
        double total = distribution.Sum();
        int zeros = distribution.Count(v => v == 0), nonZeros = distribution.Length - zeros;
        if (total == 0 || nonZeros == 0) return distribution;
        double taken = epsilon * zeros / nonZeros;
        return distribution.Select(v => v == 0 ? epsilon : Math.Max(v / total - taken, epsilon)).ToArray();
    }

    private static double Divergence(double[] p, double[] q)
    {
        double divergence = 0;
        for (int i = 0; i < p.Length; i++)
            if (p[i] > 0) divergence += p[i] * Math.Log(p[i] / Math.Max(q[i], 1e-12));
        return divergence;
    }

    private delegate void Observer<in TState>(TState state, ArenaSlice slice, Span<float> values);

    /// <summary>
    /// Runs every sample and shows each float tensor to <paramref name="observe"/>. Samples run in parallel, a batch at
    /// a time, each with a state of its own; the states are merged in sample order (min, max and counts do not depend on it).
    /// </summary>
    private static void Run<TState>(BakedPlan plan, CalibrationSet samples, IBakeLog? log, string pass, Func<TState> newState,
        Observer<TState> observe, Action<TState> merge)
    {
        var clock = Stopwatch.StartNew();
        int done = 0, batch = 4 * Environment.ProcessorCount;
        var pending = new List<Array[]>(batch);
        void RunBatch()
        {
            var states = new TState[pending.Count];
            Parallel.For(0, pending.Count, s =>
            {
                var state = states[s] = newState();
                void Watch(ArenaSlice slice, PlanArena arena)
                {
                    if (slice.Type == ElementType.Float32) observe(state, slice, arena.Floats(slice));
                }
                PlanInterpreter.RunTensors(plan, pending[s], (kernel, arena) =>
                    {
                        Watch(kernel.Output, arena);
                        if (kernel is IObservedParts parts && kernel.Output.Type == ElementType.Float32)
                            foreach (var (key, offset) in parts.ObservedParts) observe(state, key, arena.Floats(kernel.Output).Slice(offset, key.Length));
                    },
                    arena => { foreach (var input in plan.Inputs) Watch(input.Slice, arena); });
            });
            foreach (var state in states) merge(state);
            done += pending.Count;
            pending.Clear();
            if (clock.ElapsedMilliseconds > 2000 && log != null)
            {
                log.Info($"Calibration ({pass}): {done}/{samples.Count} samples.");
                clock.Restart();
            }
        }
        foreach (var sample in samples.Samples())
        {
            pending.Add(sample);
            if (pending.Count == batch) RunBatch();
        }
        if (pending.Count > 0) RunBatch();
    }
}
