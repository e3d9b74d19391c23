using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Accuracy recovery after pruning, without retraining: layer by layer, in execution order, the weights each unit
/// kept are refit by ridge regression so that, on the calibration inputs as the pruned network sees them, the layer's
/// output (before its activation) matches what the unpruned layer computed from the unpruned network's activations.
/// Works for fully connected and convolution layers alike: each output value is a weight row times an input patch.
/// The ridge pulls toward the original weights, so a layer with too little data stays close to plain pruning.
/// Pruned weights stay exactly zero: the sparsity is unchanged.
/// </summary>
public static class LayerReconstruction
{
    /// <summary>Ridge strength relative to the mean diagonal of XᵀX (scale-free).</summary>
    public const double RelativeRidge = 1e-3;

    /// <param name="plan">The float plan whose layers were just pruned (placed in the arena).</param>
    /// <param name="original">Each layer's weights before pruning.</param>
    public static void Apply(BakedPlan plan, IReadOnlyDictionary<IWeightedKernel, float[]> original, CalibrationSet samples)
    {
        var layers = plan.Kernels.OfType<IWeightedKernel>().Where(original.ContainsKey).ToList();
        // Targets come from the unpruned network: swap the original weights in, record every layer's inputs.
        var unprunedInputs = CaptureInputs(plan, layers, samples, original);
        foreach (var layer in layers)
        {
            var prunedInputs = CaptureInputs(plan, new[] { layer }, samples, null)[layer];
            Refit(layer, original[layer], unprunedInputs[layer], prunedInputs);
        }
    }

    /// <summary>Each layer's input tensor, one copy per sample, with <paramref name="swapIn"/> weights in place while running.</summary>
    private static Dictionary<IWeightedKernel, List<float[]>> CaptureInputs(BakedPlan plan, IReadOnlyList<IWeightedKernel> layers,
        CalibrationSet samples, IReadOnlyDictionary<IWeightedKernel, float[]>? swapIn)
    {
        var saved = new Dictionary<IWeightedKernel, float[]>();
        if (swapIn != null)
            foreach (var pair in swapIn)
            {
                saved[pair.Key] = (float[])pair.Key.Weights.Clone();
                Array.Copy(pair.Value, pair.Key.Weights, pair.Value.Length);
            }
        var captured = layers.ToDictionary(l => l, _ => new List<float[]>());
        try
        {
            foreach (var sample in samples.Samples())
                PlanInterpreter.RunTensors(plan, sample, beforeStep: (kernel, arena) =>
                {
                    if (kernel is IWeightedKernel layer && captured.TryGetValue(layer, out var inputs))
                        inputs.Add(arena.Floats(layer.Input).ToArray());
                });
        }
        finally
        {
            foreach (var pair in saved) Array.Copy(pair.Value, pair.Key.Weights, pair.Value.Length);
        }
        return captured;
    }

    /// <summary>
    /// Per unit: minimise ‖X_kept·w + b − y‖² + λ‖w − w_original‖² over the kept weights and the bias, where X are the
    /// pruned network's patches and y the unpruned layer's outputs. The patches' Gram matrix is shared by a group's
    /// units; each unit solves on the rows and columns of the weights it kept.
    /// </summary>
    private static void Refit(IWeightedKernel layer, float[] originalWeights, List<float[]> unprunedInputs, List<float[]> prunedInputs)
    {
        int depth = layer.WeightsPerUnit, unitsPerGroup = layer.Units / layer.Groups;
        for (int group = 0; group < layer.Groups; group++)
        {
            var units = Enumerable.Range(group * unitsPerGroup, unitsPerGroup)
                .Where(n => Enumerable.Range(0, depth).Any(k => layer.Weights[n * depth + k] == 0f)).ToList();
            if (units.Count == 0) continue; // nothing pruned in this group

            // Full Gram matrix of [patch, 1] and, per unit, Xᵀy — one pass over all patches.
            var gram = new double[depth + 1, depth + 1];
            var rhs = units.ToDictionary(n => n, _ => new double[depth + 1]);
            for (int s = 0; s < prunedInputs.Count; s++)
            {
                using var unpruned = layer.Patches(unprunedInputs[s], group).GetEnumerator();
                foreach (var patch in layer.Patches(prunedInputs[s], group))
                {
                    unpruned.MoveNext();
                    var reference = unpruned.Current;
                    for (int i = 0; i < depth; i++)
                    {
                        double pi = patch[i];
                        if (pi == 0) continue;
                        for (int j = 0; j <= i; j++) gram[i, j] += pi * patch[j];
                        gram[depth, i] += pi;
                    }
                    gram[depth, depth] += 1;
                    foreach (int n in units)
                    {
                        double target = layer.Bias[n];
                        for (int k = 0; k < depth; k++) target += originalWeights[n * depth + k] * reference[k];
                        var b = rhs[n];
                        for (int k = 0; k < depth; k++) b[k] += patch[k] * target;
                        b[depth] += target;
                    }
                }
            }
            foreach (int n in units) Solve(layer, n, gram, rhs[n], originalWeights);
        }
    }

    private static void Solve(IWeightedKernel layer, int unit, double[,] gram, double[] rhs, float[] originalWeights)
    {
        int depth = layer.WeightsPerUnit;
        var keep = Enumerable.Range(0, depth).Where(k => layer.Weights[unit * depth + k] != 0f).ToArray();
        int size = keep.Length + 1; // kept weights, then the bias
        var a = new double[size, size];
        var b = new double[size];
        int Index(int i) => i < keep.Length ? keep[i] : depth;
        for (int i = 0; i < size; i++)
        {
            b[i] = rhs[Index(i)];
            for (int j = 0; j <= i; j++)
            {
                int ri = Index(i), rj = Index(j);
                a[i, j] = ri >= rj ? gram[ri, rj] : gram[rj, ri];
            }
        }
        double meanDiagonal = 0;
        for (int i = 0; i < keep.Length; i++) meanDiagonal += a[i, i];
        double lambda = RelativeRidge * Math.Max(meanDiagonal / Math.Max(keep.Length, 1), 1e-12);
        for (int i = 0; i < keep.Length; i++)
        {
            a[i, i] += lambda;
            b[i] += lambda * originalWeights[unit * depth + keep[i]];
        }
        a[size - 1, size - 1] += 1e-9 * Math.Max(a[size - 1, size - 1], 1); // keeps the bias row positive definite
        var solution = Cholesky.Solve(a, b);
        if (solution == null) return; // singular: keep plain pruning for this unit
        for (int i = 0; i < keep.Length; i++)
        {
            float w = (float)solution[i];
            // A refit weight that rounds to exactly 0 would silently raise the sparsity; keep the smallest float instead.
            layer.Weights[unit * depth + keep[i]] = w == 0f ? float.Epsilon : w;
        }
        layer.Bias[unit] = (float)solution[size - 1];
    }
}

/// <summary>Solves A·x = b for symmetric positive definite A (lower triangle used), in double precision.</summary>
internal static class Cholesky
{
    public static double[]? Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var l = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i, j];
                for (int k = 0; k < j; k++) sum -= l[i, k] * l[j, k];
                if (i == j)
                {
                    if (sum <= 0) return null;
                    l[i, i] = Math.Sqrt(sum);
                }
                else l[i, j] = sum / l[j, j];
            }
        }
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = b[i];
            for (int k = 0; k < i; k++) sum -= l[i, k] * y[k];
            y[i] = sum / l[i, i];
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = y[i];
            for (int k = i + 1; k < n; k++) sum -= l[k, i] * x[k];
            x[i] = sum / l[i, i];
        }
        return x;
    }
}
