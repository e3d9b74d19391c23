using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Compression;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Reporting;

/// <summary>Builds the <see cref="BakeReport"/> by running the float reference and the baked plan side by side.</summary>
public static class ReportBuilder
{
    /// <summary>Samples the per-layer output errors are measured on (the first ones of the set).</summary>
    public const int ErrorSamples = 64;

    public static BakeReport Build(BakedPlan reference, BakedPlan baked, QuantizationContext? quantization, CalibrationSet? inputs,
        AccuracyResult? validation)
    {
        var measured = inputs != null ? OutputErrors(reference, baked, quantization, inputs) : ((double?[] Errors, double[] Rms)?)null;
        var errors = measured?.Errors;
        var spikes = errors != null ? ErrorSpikes.Find(errors) : new bool[baked.Kernels.Count];
        var match = ReferenceSteps(baked);
        bool int8 = baked.Header.Precision == Options.Precision.Int8;
        var layers = baked.Kernels.Select((k, i) => new LayerReport(k.Source, k.Kind.ToString(), k.Parameters,
            k.Parameters == 0 ? 0 : (double)k.ZeroParameters / k.Parameters, k.Encoding, k.WeightBytes, k.Clusters, errors?[i])
        {
            Overhead = k switch
            {
                ConvInt8 c => c.OutputStage.ByteParts,
                ConvInt8ChannelsLast c => c.OutputStage.ByteParts,
                FullyConnectedInt8 f => f.OutputStage.ByteParts,
                ChannelAffineInt8 a => a.OutputStage.ByteParts,
                _ => null,
            },
            RunsInFloat = !int8 ? null : k is IFloatOnlyKernel floatOnly ? floatOnly.FloatOnlyReason : k is SoftmaxFloat ? FloatHeads.Reason : null,
            Flag = spikes[i] ? "error spike: " + SpikeCause(k, match[i] >= 0 && match[i] < reference.Kernels.Count ? reference.Kernels[match[i]] : null,
                quantization?.ParametersOfInt8(k.Output), measured!.Value.Rms[i]) : null,
        }).ToList();
        // Against the model as exported: weights structured pruning removed count as pruned, like zeros.
        long parameters = reference.Kernels.Sum(k => (long)k.Parameters);
        long kept = baked.Kernels.Sum(k => (long)k.Parameters - k.ZeroParameters);
        return new BakeReport(baked.Header.ModelFileName, baked.Header.Precision.ToString(), baked.Header.FloatWeightBytes,
            baked.WeightBytes, baked.ArenaBytes, parameters == 0 ? 0 : 1 - (double)kept / parameters, layers, validation)
        {
            ArenaLowerBoundBytes = Plan.MemoryPlanner.LowerBoundBytes(baked.Inputs, baked.Outputs, baked.Kernels),
        };
    }

    /// <summary>
    /// The likely cause of a step's error spike, from what is known of it: an int8 Softmax's or LogSoftmax's fixed output
    /// scale, per-channel weight magnitudes so far apart that the small channels are near zero, or an output whose values
    /// lie within a few int8 steps of zero (its calibrated range is wide for them).
    /// </summary>
    private static string SpikeCause(Kernel baked, Kernel? reference, QuantizationParameters? output, double rms)
    {
        if (baked is SoftmaxInt8)
            return "the int8 Softmax's fixed output scale (1/256) rounds every probability under 0.002 to 0";
        if (baked is LogSoftmaxInt8)
            return FormattableString.Invariant($"the int8 LogSoftmax's fixed output scale ({LogSoftmaxInt8.OutputScale}) saturates its log-probabilities at {-LogSoftmaxInt8.OutputScale * 255:0.##}");
        if (reference is IWeightedKernel layer && !layer.StoredWeights.IsFill)
        {
            var unitMax = Enumerable.Range(0, layer.Units)
                .Select(n => layer.Weights.Skip(n * layer.WeightsPerUnit).Take(layer.WeightsPerUnit).Select(Math.Abs).DefaultIfEmpty(0f).Max())
                .Where(m => m > 0).ToList();
            if (unitMax.Count > 1 && unitMax.Max() > 1000 * unitMax.Min())
                return FormattableString.Invariant(
                    $"per-channel weight magnitudes span {unitMax.Min():G2} to {unitMax.Max():G3}: near-zero channels (a folded BatchNormalization's dead channels) get tiny weight scales");
        }
        if (output is { } p && rms < 4 * p.Scale)
            return FormattableString.Invariant(
                $"its values lie within a few int8 steps of zero (RMS {rms:G3}, step {p.Scale:G3}): the calibrated range [{p.Scale * (-128 - p.ZeroPoint):G3}, {p.Scale * (127 - p.ZeroPoint):G3}] is wide for them (outliers in the calibration data, or CalibrationMethod=\"Percentile\" narrows it)");
        return "int8 rounding of its weights and output; no single cause found";
    }

    /// <summary>Per step: √(Σ (baked − float)²) / √(Σ float²) over the steps' outputs, both models fed the same inputs.</summary>
    private static (double?[] Errors, double[] Rms) OutputErrors(BakedPlan reference, BakedPlan baked, QuantizationContext? quantization, CalibrationSet inputs)
    {
        int steps = baked.Kernels.Count;
        var match = ReferenceSteps(baked);
        if (match.DefaultIfEmpty(-1).Max() + 1 != reference.Kernels.Count) return (new double?[steps], new double[steps]);
        int samples = 0;
        var difference = new double[steps];
        var magnitude = new double[steps];
        // Samples run in parallel, a few at a time, each summing its own squares; the sums are added in sample order.
        var batch = new List<Array[]>();
        void RunBatch()
        {
            var sums = new (double[] Difference, double[] Magnitude)[batch.Count];
            Parallel.For(0, batch.Count, s => sums[s] = SampleErrors(reference, baked, quantization, match, batch[s]));
            foreach (var (d, m) in sums)
                for (int i = 0; i < steps; i++)
                {
                    difference[i] += d[i];
                    magnitude[i] += m[i];
                }
            batch.Clear();
        }
        foreach (var sample in inputs.Samples().Take(ErrorSamples))
        {
            samples++;
            batch.Add(sample);
            if (batch.Count == Environment.ProcessorCount) RunBatch();
        }
        if (batch.Count > 0) RunBatch();
        var errors = Enumerable.Range(0, steps).Select(i => match[i] < 0 || double.IsNaN(difference[i]) ? null : (double?)Evaluation.RelativeError(difference[i], magnitude[i])).ToArray();
        var rms = Enumerable.Range(0, steps).Select(i => samples == 0 || baked.Kernels[i].Output.Length == 0 ? 0 : Math.Sqrt(magnitude[i] / ((double)samples * baked.Kernels[i].Output.Length))).ToArray();
        return (errors, rms);
    }

    /// <summary>One sample's Σ (baked − float)² and Σ float² per baked step (NaN where channels were removed).</summary>
    private static (double[] Difference, double[] Magnitude) SampleErrors(BakedPlan reference, BakedPlan baked, QuantizationContext? quantization,
        int[] match, Array[] sample)
    {
        int steps = baked.Kernels.Count;
        var expected = new double[reference.Kernels.Count][];
        PlanInterpreter.RunTensors(reference, sample, (kernel, arena) => expected[IndexOf(reference, kernel)] = Values(kernel.Output, arena, null));
        var difference = new double[steps];
        var magnitude = new double[steps];
        PlanInterpreter.RunTensors(baked, sample, (kernel, arena) =>
        {
            int i = IndexOf(baked, kernel);
            if (match[i] < 0) return;
            var actual = ModelOrder(kernel.Output, Values(kernel.Output, arena, quantization?.ParametersOfInt8(kernel.Output)));
            var want = expected[match[i]];
            if (actual.Length != want.Length) difference[i] = double.NaN; // channels removed: no element to compare with
            for (int j = 0; j < actual.Length && j < want.Length && j < kernel.ResultLength; j++)
            {
                difference[i] += (actual[j] - want[j]) * (actual[j] - want[j]);
                magnitude[i] += want[j] * want[j];
            }
        });
        return (difference, magnitude);
    }

    /// <summary>
    /// The reference step whose output each baked step's is compared with: one for one, except around float islands,
    /// whose entries have none (−1: their output is the input of the float step) and whose exits share the float step's.
    /// </summary>
    private static int[] ReferenceSteps(BakedPlan baked)
    {
        var match = new int[baked.Kernels.Count];
        var byOutput = new Dictionary<ArenaSlice, int>();
        int next = 0;
        for (int i = 0; i < match.Length; i++)
        {
            var kernel = baked.Kernels[i];
            match[i] = kernel switch
            {
                FloatIslandEntry => -1,
                ChannelsLastTranspose { ToChannelsLast: true } => -1, // the same tensor as its producer's, reordered
                ChannelsLastTranspose back => byOutput.TryGetValue(back.Input, out int step) ? step : -1,
                FloatIslandExit exit => byOutput.TryGetValue(exit.Input, out int step) ? step : -1,
                _ => byOutput[kernel.Output] = next++,
            };
        }
        return match;
    }

    private static int IndexOf(BakedPlan plan, Kernel kernel)
    {
        for (int i = 0; i < plan.Kernels.Count; i++) if (ReferenceEquals(plan.Kernels[i], kernel)) return i;
        return -1;
    }

    /// <summary>A channels-last slice's values ([batch, pixels, channels]) in the model's order ([batch, channels, pixels]).</summary>
    private static double[] ModelOrder(ArenaSlice slice, double[] values)
    {
        if (slice.ChannelsLastOf is not { } o) return values;
        var ordered = new double[values.Length];
        for (int n = 0; n < o.Batch; n++)
            for (int p = 0; p < o.Pixels; p++)
                for (int c = 0; c < o.Channels; c++)
                    ordered[(n * o.Channels + c) * o.Pixels + p] = values[(n * o.Pixels + p) * o.Channels + c];
        return ordered;
    }

    /// <summary>A step's output as reals: int8 values dequantized with their tensor's parameters.</summary>
    private static double[] Values(ArenaSlice slice, PlanArena arena, QuantizationParameters? parameters)
    {
        var values = arena.Array(slice.Type);
        var result = new double[slice.Length];
        switch (values)
        {
            case float[] floats:
                for (int i = 0; i < result.Length; i++) result[i] = floats[slice.Offset + i];
                return result;
            case sbyte[] int8s:
                for (int i = 0; i < result.Length; i++)
                    result[i] = parameters is { } p ? p.Scale * (int8s[slice.Offset + i] - (double)p.ZeroPoint) : int8s[slice.Offset + i];
                return result;
            case int[] int32s when parameters is { } fixedPoint: // an int32 fixed-point tensor (a tree ensemble's leaf sums)
                for (int i = 0; i < result.Length; i++) result[i] = fixedPoint.Scale * (int32s[slice.Offset + i] - (double)fixedPoint.ZeroPoint);
                return result;
        }
        for (int i = 0; i < result.Length; i++)
            result[i] = Convert.ToDouble(values.GetValue(slice.Offset + i), System.Globalization.CultureInfo.InvariantCulture);
        return result;
    }
}
