using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Knowledge distillation of the classifier head (<c>Distillation="true"</c>): the float model as exported is the
/// teacher. On the calibration inputs, the compressed network's features h feed the head (the last fully connected
/// layer); its kept weights and biases are tuned to minimise the distillation loss
/// L = −T² · mean over samples of Σᵢ p_t,i · log p_s,i, with p = softmax(logits / T) — the student learns the teacher's
/// whole output distribution, not only its top class. Full-batch Adam from the current weights, a fixed number of
/// steps, double precision, sums in sample order: deterministic. Pruned weights stay zero; the step with the lowest
/// loss is kept, so the loss never rises.
/// </summary>
public static class HeadDistillation
{
    public const int Steps = 300;
    /// <summary>Adam's step size, relative to the RMS of the head's weights.</summary>
    public const double RelativeLearningRate = 0.01;

    public sealed record Result(string Head, double LossBefore, double LossAfter);

    /// <returns>What was tuned, or null when the plan has no head to distil (no fully connected last layer).</returns>
    public static Result? Apply(BakedPlan student, BakedPlan teacher, CalibrationSet samples, double temperature)
    {
        if (student.Kernels.OfType<IWeightedKernel>().LastOrDefault() is not FullyConnectedFloat head
            || head.Rows != 1 || !float.IsNegativeInfinity(head.ActivationMin) || !float.IsPositiveInfinity(head.ActivationMax)
            || teacher.Kernels.OfType<FullyConnectedFloat>().FirstOrDefault(t => t.Source == head.Source) is not { } teacherHead
            || teacherHead.Units != head.Units || teacherHead.Rows != 1)
            return null;

        var features = LayerReconstruction.CaptureInputs(student, new[] { head }, samples)[head];
        var targets = LayerReconstruction.CaptureInputs(teacher, new[] { teacherHead }, samples)[teacherHead]
            .Select(h => DistillationMath.Softmax(Logits(teacherHead.Weights, teacherHead.Bias, h), temperature)).ToList();
        int units = head.Units, depth = head.Depth, count = head.Weights.Length;

        // Parameters: the weights, then the biases; a pruned weight has no gradient and stays zero.
        var theta = head.Weights.Select(w => (double)w).Concat(head.Bias.Select(b => (double)b)).ToArray();
        var kept = head.Weights.Select(w => w != 0f).Concat(Enumerable.Repeat(true, units)).ToArray();
        double rms = Math.Sqrt(head.Weights.Sum(w => (double)w * w) / Math.Max(1, head.Weights.Count(w => w != 0f)));
        double rate = RelativeLearningRate * (rms > 0 ? rms : 1);
        var m = new double[theta.Length];
        var v = new double[theta.Length];
        var gradient = new double[theta.Length];
        double lossBefore = double.NaN, bestLoss = double.PositiveInfinity;
        var best = (double[])theta.Clone();
        for (int step = 0; step <= Steps; step++)
        {
            Array.Clear(gradient, 0, gradient.Length);
            double loss = 0;
            for (int s = 0; s < features.Count; s++)
            {
                var logits = new double[units];
                for (int n = 0; n < units; n++)
                {
                    double z = theta[count + n];
                    for (int k = 0; k < depth; k++) z += theta[n * depth + k] * features[s][k];
                    logits[n] = z;
                }
                var p = DistillationMath.Softmax(logits, temperature);
                for (int n = 0; n < units; n++)
                {
                    loss -= targets[s][n] * Math.Log(Math.Max(p[n], 1e-300));
                    // d(T²·CE)/dz = T · (p_s − p_t)
                    double g = temperature * (p[n] - targets[s][n]) / features.Count;
                    for (int k = 0; k < depth; k++) gradient[n * depth + k] += g * features[s][k];
                    gradient[count + n] += g;
                }
            }
            loss *= temperature * temperature / features.Count;
            if (step == 0) lossBefore = loss;
            if (loss < bestLoss) { bestLoss = loss; Array.Copy(theta, best, theta.Length); }
            if (step == Steps) break;
            DistillationMath.Adam(theta, gradient, m, v, rate, step + 1, kept);
        }
        for (int i = 0; i < count; i++) head.Weights[i] = kept[i] ? NonZero((float)best[i]) : 0f;
        for (int n = 0; n < units; n++) head.Bias[n] = (float)best[count + n];
        return new Result(head.Source, lossBefore, bestLoss);
    }

    /// <summary>A kept weight that lands on exactly 0 would silently raise the sparsity: the smallest float instead.</summary>
    private static float NonZero(float w) => w == 0f ? float.Epsilon : w;

    private static double[] Logits(float[] weights, float[] bias, float[] h)
    {
        int units = bias.Length, depth = h.Length;
        var z = new double[units];
        for (int n = 0; n < units; n++)
        {
            z[n] = bias[n];
            for (int k = 0; k < depth; k++) z[n] += weights[n * depth + k] * h[k];
        }
        return z;
    }
}
