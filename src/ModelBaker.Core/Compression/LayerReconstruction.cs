using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Accuracy recovery after pruning, without retraining: layer by layer, in execution order, the weights each
/// unit kept are refit by ridge regression so that, on the calibration inputs as the pruned network sees them,
/// the layer's output matches what the unpruned layer computed from the unpruned network's activations.
/// The ridge pulls toward the original weights, so a layer with too little data stays close to plain pruning.
/// Pruned weights stay exactly zero: the sparsity is unchanged.
/// </summary>
public static class LayerReconstruction
{
    /// <summary>Ridge strength relative to the mean diagonal of XᵀX (scale-free).</summary>
    public const double RelativeRidge = 1e-3;

    /// <param name="plan">The float plan whose fully connected weights were just pruned (placed in the arena).</param>
    /// <param name="original">Each layer's weights before pruning, by layer.</param>
    public static void Apply(BakedPlan plan, IReadOnlyDictionary<FullyConnectedFloat, float[]> original, Calibration.CalibrationSet samples)
    {
        var layers = plan.Kernels.OfType<FullyConnectedFloat>().ToList();
        // Targets come from the unpruned network: swap the original weights in, record every layer's inputs.
        var targetsInputs = CaptureInputs(plan, layers, samples, original);
        foreach (var layer in layers)
        {
            var prunedInputs = CaptureInputs(plan, new[] { layer }, samples, null)[layer];
            Refit(layer, original[layer], targetsInputs[layer], prunedInputs);
        }
    }

    private static Dictionary<FullyConnectedFloat, List<double[]>> CaptureInputs(BakedPlan plan, IReadOnlyList<FullyConnectedFloat> layers,
        Calibration.CalibrationSet samples, IReadOnlyDictionary<FullyConnectedFloat, float[]>? swapIn)
    {
        var saved = new Dictionary<FullyConnectedFloat, float[]>();
        if (swapIn != null)
            foreach (var pair in swapIn) { saved[pair.Key] = (float[])pair.Key.Weights.Clone(); Array.Copy(pair.Value, pair.Key.Weights, pair.Value.Length); }
        var captured = layers.ToDictionary(l => l, _ => new List<double[]>());
        try
        {
            foreach (var sample in samples.Samples())
                PlanInterpreter.RunTensors(plan, sample, beforeStep: (kernel, arena) =>
                {
                    if (kernel is FullyConnectedFloat fc && captured.TryGetValue(fc, out var rows))
                        for (int m = 0; m < fc.Rows; m++)
                            rows.Add(Enumerable.Range(0, fc.Depth).Select(k => (double)arena.Float[fc.Input.Offset + m * fc.RowStride + k * fc.ColumnStride]).ToArray());
                });
        }
        finally
        {
            foreach (var pair in saved) Array.Copy(pair.Value, pair.Key.Weights, pair.Value.Length);
        }
        return captured;
    }

    /// <summary>Per unit: minimise ‖X_kept·w + b − y‖² + λ‖w − w_original‖² over the kept weights and the bias.</summary>
    private static void Refit(FullyConnectedFloat layer, float[] originalWeights, List<double[]> floatInputs, List<double[]> prunedInputs)
    {
        int depth = layer.Depth, samples = prunedInputs.Count;
        for (int n = 0; n < layer.Units; n++)
        {
            var keep = Enumerable.Range(0, depth).Where(k => layer.Weights[n * depth + k] != 0f).ToArray();
            if (keep.Length == depth) continue; // nothing pruned in this unit
            int size = keep.Length + 1; // kept weights, then the bias
            var gram = new double[size, size];
            var rhs = new double[size];
            var row = new double[size];
            for (int s = 0; s < samples; s++)
            {
                double target = layer.Bias[n];
                for (int k = 0; k < depth; k++) target += originalWeights[n * depth + k] * floatInputs[s][k];
                for (int i = 0; i < keep.Length; i++) row[i] = prunedInputs[s][keep[i]];
                row[size - 1] = 1;
                for (int i = 0; i < size; i++)
                {
                    rhs[i] += row[i] * target;
                    for (int j = 0; j <= i; j++) gram[i, j] += row[i] * row[j];
                }
            }
            double meanDiagonal = 0;
            for (int i = 0; i < keep.Length; i++) meanDiagonal += gram[i, i];
            double lambda = RelativeRidge * Math.Max(meanDiagonal / Math.Max(keep.Length, 1), 1e-12);
            for (int i = 0; i < keep.Length; i++)
            {
                gram[i, i] += lambda;
                rhs[i] += lambda * originalWeights[n * depth + keep[i]];
            }
            gram[size - 1, size - 1] += 1e-9 * Math.Max(samples, 1); // keeps the bias row positive definite
            var solution = Cholesky.Solve(gram, rhs);
            if (solution == null) continue; // singular: keep plain pruning for this unit
            for (int i = 0; i < keep.Length; i++)
            {
                float w = (float)solution[i];
                // A refit weight that rounds to exactly 0 would silently raise the sparsity; keep the smallest float instead.
                layer.Weights[n * depth + keep[i]] = w == 0f ? float.Epsilon : w;
            }
            layer.Bias[n] = (float)solution[size - 1];
        }
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
