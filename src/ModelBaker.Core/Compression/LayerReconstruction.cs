using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Kernels;

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
    /// <param name="teacher">The float plan of the model as exported: its layers (same names) give the targets.</param>
    /// <param name="anchors">Each layer's weights before any was zeroed (in the layer's own shape): the ridge pulls toward them.</param>
    /// <param name="keptUnits">For layers that lost whole units to structured pruning (by node name): which teacher unit each remaining unit is.</param>
    /// <param name="reselectMasks">Let each unit trade its pruning mask for the surgeon's (same number of zeros) when that fits better: for
    /// per-layer counts, not for a global or fixed threshold, whose masks are the user's rule.</param>
    public static void Apply(BakedPlan plan, BakedPlan teacher, IReadOnlyDictionary<IWeightedKernel, float[]> anchors, CalibrationSet samples,
        bool reselectMasks, IReadOnlyDictionary<string, int[]>? keptUnits = null)
    {
        var teacherLayers = teacher.Kernels.OfType<IWeightedKernel>().ToList();
        var pairs = plan.Kernels.OfType<IWeightedKernel>().Where(anchors.ContainsKey)
            .Select(layer => (Layer: layer, Teacher: teacherLayers.FirstOrDefault(t => t.Source == layer.Source)))
            .Where(pair => pair.Teacher != null).ToList();
        // Targets come from the unpruned network: every teacher layer's inputs, one run per sample.
        var teacherInputs = CaptureInputs(teacher, pairs.Select(p => p.Teacher!).ToList(), samples);
        foreach (var (layer, teacherLayer) in pairs)
        {
            var prunedInputs = CaptureInputs(plan, new[] { layer }, samples)[layer];
            var units = keptUnits?.FirstOrDefault(k => layer.Source.StartsWith($"'{k.Key}' (", StringComparison.Ordinal)).Value
                ?? Enumerable.Range(0, layer.Units).ToArray();
            Refit(layer, teacherLayer!, units, anchors[layer], teacherInputs[teacherLayer!], prunedInputs, reselectMasks);
        }
    }

    /// <summary>Each layer's input tensor, one copy per sample.</summary>
    internal static Dictionary<IWeightedKernel, List<float[]>> CaptureInputs(BakedPlan plan, IReadOnlyList<IWeightedKernel> layers, CalibrationSet samples)
    {
        var captured = layers.ToDictionary(l => l, _ => new List<float[]>());
        foreach (var sample in samples.Samples())
            PlanInterpreter.RunTensors(plan, sample, beforeStep: (kernel, arena) =>
            {
                if (kernel is IWeightedKernel layer && captured.TryGetValue(layer, out var inputs))
                    inputs.Add(arena.Floats(layer.Input).ToArray());
            });
        return captured;
    }

    /// <summary>
    /// Per unit: minimise ‖X_kept·w + b − y‖² + λ‖w − w_anchor‖² over the kept weights and the bias, where X are the
    /// pruned network's patches and y the teacher layer's outputs on the teacher network's patches. The patches' Gram
    /// matrix is shared by a group's units; each unit solves on the rows and columns of the weights it kept. A layer
    /// that lost units or inputs to structured pruning refits every unit; otherwise the units with a pruned weight.
    /// </summary>
    private static void Refit(IWeightedKernel layer, IWeightedKernel teacher, int[] teacherUnit, float[] anchor,
        List<float[]> teacherInputs, List<float[]> prunedInputs, bool reselectMasks)
    {
        int depth = layer.WeightsPerUnit, unitsPerGroup = layer.Units / layer.Groups;
        int teacherDepth = teacher.WeightsPerUnit, teacherUnitsPerGroup = teacher.Units / teacher.Groups;
        bool reshaped = depth != teacherDepth || layer.Units != teacher.Units;
        for (int group = 0; group < layer.Groups; group++)
        {
            var units = Enumerable.Range(group * unitsPerGroup, unitsPerGroup)
                .Where(n => reshaped || Enumerable.Range(0, depth).Any(k => layer.Weights[n * depth + k] == 0f)).ToList();
            if (units.Count == 0) continue; // nothing pruned in this group
            int teacherGroup = teacherUnit[group * unitsPerGroup] / teacherUnitsPerGroup;

            // Full Gram matrix of [patch, 1] and, per unit, Xᵀy — one pass over all patches.
            var gram = new double[depth + 1, depth + 1];
            var rhs = units.ToDictionary(n => n, _ => new double[depth + 1]);
            for (int s = 0; s < prunedInputs.Count; s++)
            {
                using var unpruned = teacher.Patches(teacherInputs[s], teacherGroup).GetEnumerator();
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
                        int m = teacherUnit[n];
                        double target = teacher.Bias[m];
                        for (int k = 0; k < teacherDepth; k++) target += teacher.Weights[m * teacherDepth + k] * reference[k];
                        var b = rhs[n];
                        for (int k = 0; k < depth; k++) b[k] += patch[k] * target;
                        b[depth] += target;
                    }
                }
            }
            double lambda = Ridge(gram, depth);
            var hessian = Hessian(gram, depth, lambda);
            var inverse = reselectMasks && !reshaped && depth <= MaxSurgeonDepth ? Cholesky.Invert(hessian) : null;
            foreach (int n in units)
            {
                var b = rhs[n];
                for (int k = 0; k < depth; k++) b[k] += lambda * anchor[n * depth + k];
                Solve(layer, n, hessian, inverse, b);
            }
        }
    }

    /// <summary>Units deeper than this keep their magnitude mask: the surgeon's greedy search costs depth² per pruned weight.</summary>
    public const int MaxSurgeonDepth = 256;

    /// <summary>λ = <see cref="RelativeRidge"/> × the mean diagonal of XᵀX over the weights (scale-free).</summary>
    private static double Ridge(double[,] gram, int depth)
    {
        double meanDiagonal = 0;
        for (int i = 0; i < depth; i++) meanDiagonal += gram[i, i];
        return RelativeRidge * Math.Max(meanDiagonal / Math.Max(depth, 1), 1e-12);
    }

    /// <summary>H = XᵀX + λI over [patch, 1], both triangles filled; the bias is not pulled toward anything.</summary>
    private static double[,] Hessian(double[,] gram, int depth, double lambda)
    {
        var h = new double[depth + 1, depth + 1];
        for (int i = 0; i <= depth; i++)
            for (int j = 0; j <= i; j++) h[i, j] = h[j, i] = gram[i, j];
        for (int i = 0; i < depth; i++) h[i, i] += lambda;
        h[depth, depth] += 1e-9 * Math.Max(h[depth, depth], 1); // keeps the bias row positive definite
        return h;
    }

    /// <summary>
    /// One unit's refit: minimise wᵀHw − 2rᵀw over [weights, bias] with as many weights zero as pruning gave the unit.
    /// Two masks are tried — the one pruning chose, and (when <paramref name="inverse"/> is given) the one Optimal Brain
    /// Surgeon chooses greedily from the unconstrained fit — and the unit keeps the refit with the lower objective, so
    /// re-selecting is never worse than refitting the pruning's mask.
    /// </summary>
    private static void Solve(IWeightedKernel layer, int unit, double[,] hessian, double[,]? inverse, double[] rhs)
    {
        int depth = layer.WeightsPerUnit;
        var pruned = Enumerable.Range(0, depth).Where(k => layer.Weights[unit * depth + k] != 0f).ToArray();
        var best = SolveOnMask(hessian, rhs, pruned);
        if (inverse != null)
        {
            var surgeon = SolveOnMask(hessian, rhs, SurgeonMask(inverse, rhs, depth, depth - pruned.Length));
            if (surgeon.Solution != null && (best.Solution == null || surgeon.Objective < best.Objective)) best = surgeon;
        }
        if (best.Solution == null) return; // singular: keep plain pruning for this unit
        Array.Clear(layer.Weights, unit * depth, depth);
        for (int i = 0; i < best.Keep.Length; i++)
        {
            float w = (float)best.Solution[i];
            // A refit weight that rounds to exactly 0 would silently raise the sparsity; keep the smallest float instead.
            layer.Weights[unit * depth + best.Keep[i]] = w == 0f ? float.Epsilon : w;
        }
        layer.Bias[unit] = (float)best.Solution[best.Keep.Length];
    }

    /// <summary>Least squares on the kept weights and the bias; the objective at the optimum is −rᵀx.</summary>
    private static (int[] Keep, double[]? Solution, double Objective) SolveOnMask(double[,] hessian, double[] rhs, int[] keep)
    {
        int depth = rhs.Length - 1, size = keep.Length + 1; // kept weights, then the bias
        int Index(int i) => i < keep.Length ? keep[i] : depth;
        var a = new double[size, size];
        var b = new double[size];
        for (int i = 0; i < size; i++)
        {
            b[i] = rhs[Index(i)];
            for (int j = 0; j < size; j++) a[i, j] = hessian[Index(i), Index(j)];
        }
        var x = Cholesky.Solve(a, b);
        return (keep, x, x == null ? double.PositiveInfinity : -b.Select((bi, i) => bi * x[i]).Sum());
    }

    /// <summary>
    /// Optimal Brain Surgeon (Hassibi &amp; Stork): from the unconstrained optimum w = H⁻¹r, repeatedly remove the weight
    /// whose removal raises the objective least, wⱼ² / [H⁻¹]ⱼⱼ, update the others to compensate, w −= wⱼ/[H⁻¹]ⱼⱼ · H⁻¹ₑⱼ,
    /// and take j out of H⁻¹. Returns the kept weights' indices. Ties go to the lower index.
    /// </summary>
    private static int[] SurgeonMask(double[,] inverse, double[] rhs, int depth, int count)
    {
        int size = depth + 1;
        var hinv = (double[,])inverse.Clone();
        var w = new double[size];
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++) w[i] += hinv[i, j] * rhs[j];
        var removed = new bool[depth];
        var column = new double[size];
        for (int step = 0; step < count; step++)
        {
            int best = -1;
            double bestCost = double.PositiveInfinity;
            for (int k = 0; k < depth; k++)
            {
                if (removed[k] || hinv[k, k] <= 0) continue;
                double cost = w[k] * w[k] / hinv[k, k];
                if (cost < bestCost) { bestCost = cost; best = k; }
            }
            if (best < 0) break; // numerically exhausted: the magnitude mask stands
            double pivot = hinv[best, best], factor = w[best] / pivot;
            for (int i = 0; i < size; i++) column[i] = hinv[i, best];
            for (int i = 0; i < size; i++)
            {
                w[i] -= factor * column[i];
                double scaled = column[i] / pivot;
                for (int j = 0; j < size; j++) hinv[i, j] -= scaled * column[j];
            }
            w[best] = 0;
            removed[best] = true;
        }
        return Enumerable.Range(0, depth).Where(k => !removed[k]).ToArray();
    }
}

/// <summary>Symmetric positive definite systems (lower triangle used), in double precision.</summary>
internal static class Cholesky
{
    /// <summary>Solves A·x = b; null when A is not positive definite.</summary>
    public static double[]? Solve(double[,] a, double[] b)
    {
        var l = Factor(a);
        return l == null ? null : Substitute(l, b);
    }

    /// <summary>A⁻¹, column by column; null when A is not positive definite.</summary>
    public static double[,]? Invert(double[,] a)
    {
        var l = Factor(a);
        if (l == null) return null;
        int n = a.GetLength(0);
        var inverse = new double[n, n];
        var unit = new double[n];
        for (int j = 0; j < n; j++)
        {
            Array.Clear(unit, 0, n);
            unit[j] = 1;
            var column = Substitute(l, unit);
            for (int i = 0; i < n; i++) inverse[i, j] = column[i];
        }
        return inverse;
    }

    /// <summary>L with A = L·Lᵀ.</summary>
    private static double[,]? Factor(double[,] a)
    {
        int n = a.GetLength(0);
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
        return l;
    }

    /// <summary>Solves L·Lᵀ·x = b.</summary>
    private static double[] Substitute(double[,] l, double[] b)
    {
        int n = b.Length;
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
