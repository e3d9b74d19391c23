using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// What each weighted layer's compression costs the model: the relative RMS error (against the model as exported, on
/// the first <see cref="OutputError.Samples"/> calibration inputs) of the layer's output, minus that of its input —
/// the error the layer adds, not the error it inherits from the layers before it (which the report's per-step error
/// includes). Leaving one layer's compression out instead measures nothing after reconstruction: the other layers were
/// refit to compensate for it, so putting one back alone makes the output worse.
/// </summary>
public static class LayerCost
{
    /// <summary>
    /// One entry per weighted layer of <paramref name="compressed"/>, in plan order, when its steps match
    /// <paramref name="reference"/>'s one for one (not after structured pruning: then none).
    /// </summary>
    public static IReadOnlyList<(IWeightedKernel Layer, double Cost)> Added(BakedPlan compressed, BakedPlan reference, CalibrationSet calibration)
    {
        int steps = compressed.Kernels.Count;
        if (reference.Kernels.Count != steps) return Array.Empty<(IWeightedKernel, double)>();
        var layers = Enumerable.Range(0, steps).Where(i => compressed.Kernels[i] is IWeightedKernel).ToList();
        foreach (int i in layers)
            if (reference.Kernels[i] is not IWeightedKernel exported || exported.Weights.Length != ((IWeightedKernel)compressed.Kernels[i]).Weights.Length)
                return Array.Empty<(IWeightedKernel, double)>();
        var samples = calibration.Samples().Take(OutputError.Samples).ToList();
        // Per sample, per layer: Σ (compressed − exported)² and Σ exported², of the layer's input and of its output.
        var sums = new double[samples.Count][];
        Parallel.For(0, samples.Count, s =>
        {
            var want = Run(reference, layers, samples[s]);
            var got = Run(compressed, layers, samples[s]);
            var sum = new double[4 * layers.Count];
            for (int l = 0; l < 2 * layers.Count; l++)
                for (int j = 0; j < want[l].Length && j < got[l].Length; j++)
                {
                    double d = got[l][j] - (double)want[l][j];
                    sum[2 * l] += d * d;
                    sum[2 * l + 1] += want[l][j] * (double)want[l][j];
                }
            sums[s] = sum;
        });
        var total = new double[4 * layers.Count];
        foreach (var sum in sums) // in sample order: the same result whatever the threads did
            for (int k = 0; k < total.Length; k++) total[k] += sum[k];
        double Relative(int l) => total[2 * l + 1] == 0 ? 0 : Math.Sqrt(total[2 * l] / total[2 * l + 1]);
        return layers.Select((i, l) => ((IWeightedKernel)compressed.Kernels[i], Relative(2 * l + 1) - Relative(2 * l))).ToList();
    }

    /// <summary>Each layer's input (read before the step) and output (after it), as copies: [2l] input, [2l + 1] output.</summary>
    private static float[][] Run(BakedPlan plan, List<int> layers, Array[] sample)
    {
        var values = new float[2 * layers.Count][];
        var index = layers.Select((i, l) => (i, l)).ToDictionary(p => plan.Kernels[p.i], p => p.l); // Kernel: reference equality
        PlanInterpreter.RunTensors(plan, sample,
            afterStep: (kernel, arena) => { if (index.TryGetValue(kernel, out int l)) values[2 * l + 1] = arena.Floats(kernel.Output).ToArray(); },
            beforeStep: (kernel, arena) => { if (index.TryGetValue(kernel, out int l)) values[2 * l] = arena.Floats(((IWeightedKernel)kernel).Input).ToArray(); });
        return values;
    }
}
