using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
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
    /// <param name="progress">Told after each layer is refit (a big model's reconstruction takes minutes).</param>
    public static void Apply(BakedPlan plan, BakedPlan teacher, IReadOnlyDictionary<IWeightedKernel, float[]> anchors, CalibrationSet samples,
        bool reselectMasks, IReadOnlyDictionary<string, int[]>? keptUnits = null, Action<string>? progress = null)
    {
        var teacherLayers = teacher.Kernels.OfType<IWeightedKernel>().ToList();
        var pairs = plan.Kernels.OfType<IWeightedKernel>().Where(anchors.ContainsKey)
            .Select(layer => (Layer: layer, Teacher: teacherLayers.FirstOrDefault(t => t.Source == layer.Source)))
            .Where(pair => pair.Teacher != null).ToList();
        if (pairs.Count == 0) return;
        // Both networks step through their layers once, every sample at a time: the pruned network's layers run after
        // they are refit, so each layer is fitted on the inputs the refit layers before it produce.
        var inputs = samples.Samples().ToList();
        var student = new PlanWalk(plan, inputs);
        var unpruned = new PlanWalk(teacher, inputs);
        for (int l = 0; l < pairs.Count; l++)
        {
            var (layer, teacherLayer) = pairs[l];
            var teacherInputs = unpruned.InputsOf(teacherLayer!);
            var prunedInputs = student.InputsOf(layer);
            var units = keptUnits?.FirstOrDefault(k => layer.Source.StartsWith($"'{k.Key}' (", StringComparison.Ordinal)).Value
                ?? Enumerable.Range(0, layer.Units).ToArray();
            var refit = Refit(layer, teacherLayer!, units, anchors[layer], teacherInputs, prunedInputs, reselectMasks);
            progress?.Invoke(FormattableString.Invariant($"reconstruction {l + 1}/{pairs.Count}: {layer.Source}: ") + (refit.Exact + refit.Iterative == 0
                ? "nothing pruned"
                : FormattableString.Invariant($"{refit.Exact + refit.Iterative} of {layer.Units} units refit on {refit.Patches:N0} patches of {layer.WeightsPerUnit} weights") +
                  (refit.Iterative > 0 ? FormattableString.Invariant($" ({refit.Iterative} by conjugate gradients)") : "")));
        }
    }

    /// <summary>Each layer's input tensor, one copy per sample (in sample order; the samples run in parallel).</summary>
    internal static Dictionary<IWeightedKernel, List<float[]>> CaptureInputs(BakedPlan plan, IReadOnlyList<IWeightedKernel> layers, CalibrationSet samples)
    {
        var inputs = samples.Samples().ToList();
        var captured = layers.ToDictionary(l => l, _ => new float[inputs.Count][]);
        var positions = layers.ToDictionary(l => (Kernel)l, l => captured[l]);
        Parallel.For(0, inputs.Count, s =>
            PlanInterpreter.RunTensors(plan, inputs[s], beforeStep: (kernel, arena) =>
            {
                if (kernel is IWeightedKernel layer && positions.TryGetValue(kernel, out var slots))
                    slots[s] = arena.Floats(layer.Input).ToArray();
            }));
        return captured.ToDictionary(c => c.Key, c => c.Value.ToList());
    }

    /// <summary>What one layer's refit did: units solved exactly and by conjugate gradients, and the patches fitted on.</summary>
    private readonly record struct RefitResult(int Exact, int Iterative, long Patches);

    /// <summary>
    /// Per unit: minimise ‖X_kept·w + b − y‖² + λ‖w − w_anchor‖² over the kept weights and the bias, where X are the
    /// pruned network's patches and y the teacher layer's outputs on the teacher network's patches. The patches' Gram
    /// matrix is shared by a group's units; each unit solves on the rows and columns of the weights it kept. A layer
    /// that lost units or inputs to structured pruning refits every unit; otherwise the units with a pruned weight.
    /// Units are solved in parallel, each on its own, so the result does not depend on the threads.
    /// </summary>
    private static RefitResult Refit(IWeightedKernel layer, IWeightedKernel teacher, int[] teacherUnit, float[] anchor,
        IReadOnlyList<float[]> teacherInputs, IReadOnlyList<float[]> prunedInputs, bool reselectMasks)
    {
        int depth = layer.WeightsPerUnit, unitsPerGroup = layer.Units / layer.Groups;
        int teacherDepth = teacher.WeightsPerUnit, teacherUnitsPerGroup = teacher.Units / teacher.Groups;
        bool reshaped = depth != teacherDepth || layer.Units != teacher.Units;
        var result = new RefitResult(0, 0, 0);
        for (int group = 0; group < layer.Groups; group++)
        {
            var units = Enumerable.Range(group * unitsPerGroup, unitsPerGroup)
                .Where(n => reshaped || Enumerable.Range(0, depth).Any(k => layer.Weights[n * depth + k] == 0f)).ToArray();
            if (units.Length == 0) continue; // nothing pruned in this group
            int teacherGroup = teacherUnit[group * unitsPerGroup] / teacherUnitsPerGroup;

            // Kept weights per unit (the pruning's mask); units with the same mask share one factorization of its submatrix.
            var masks = units.Select(n => Enumerable.Range(0, depth).Where(k => layer.Weights[n * depth + k] != 0f).ToArray()).ToArray();
            // Conjugate gradients may multiply through the patches themselves, when they are fewer than the kept weights.
            var kept = masks.Any(mask => mask.Length > MaxExactWeights) ? new List<float[]>() : null;

            // Full Gram matrix of [patch, 1] and, per unit, Xᵀy — one pass over all patches.
            var sums = new NormalEquations(depth, teacher.Weights, teacher.Bias, teacherDepth, units.Select(n => teacherUnit[n]).ToArray());
            long patches = 0;
            for (int s = 0; s < prunedInputs.Count; s++)
            {
                using var reference = teacher.Patches(teacherInputs[s], teacherGroup).GetEnumerator();
                foreach (var patch in layer.Patches(prunedInputs[s], group))
                {
                    reference.MoveNext();
                    sums.Add(patch, reference.Current);
                    patches++;
                    if (kept != null && patches * (depth + 1L) > MaxPatchValues) kept = null;
                    kept?.Add(patch);
                }
            }
            sums.Flush();
            var gram = sums.Gram;
            int stride = sums.Stride;
            double lambda = Ridge(gram, stride, depth);
            var hessian = Hessian(gram, stride, depth, lambda);
            var keys = masks.Select(mask => string.Join(",", mask)).ToArray();
            var shared = keys.Select((key, u) => (Key: key, Unit: u)).GroupBy(m => m.Key, StringComparer.Ordinal).Where(g => g.Count() > 1)
                .Select(g => (g.Key, Mask: masks[g.First().Unit])).ToList();
            var factors = new Cholesky.Factorization?[shared.Count];
            Parallel.For(0, shared.Count, i => factors[i] = Cholesky.Factor(Submatrix(hessian, shared[i].Mask)));
            var factorOf = shared.Select((m, i) => (m.Key, Index: i)).ToDictionary(m => m.Key, m => m.Index, StringComparer.Ordinal);
            var exact = keys.Select((key, u) => masks[u].Length <= MaxExactWeights || factorOf.ContainsKey(key)).ToArray();
            var inverse = reselectMasks && !reshaped && depth <= MaxSurgeonDepth ? Cholesky.Invert(hessian) : null;
            double[] Rhs(int u)
            {
                var b = new double[depth + 1];
                Array.Copy(sums.Rhs, u * (depth + 1), b, 0, depth + 1);
                for (int k = 0; k < depth; k++) b[k] += lambda * anchor[units[u] * depth + k];
                return b;
            }
            Parallel.For(0, units.Length, u =>
            {
                int n = units[u];
                if (!exact[u]) return;
                if (factorOf.TryGetValue(keys[u], out int f)) Solve(layer, n, masks[u], hessian, inverse, Rhs(u), factors[f], shared: true);
                else Solve(layer, n, masks[u], hessian, inverse, Rhs(u), null, shared: false);
            });
            var iterative = Enumerable.Range(0, units.Length).Where(u => !exact[u]).ToList();
            if (iterative.Count > 0)
            {
                var solver = new BatchedConjugateGradient(hessian,
                    kept != null && 2.0 * kept.Count < iterative.Average(u => masks[u].Length) ? kept : null);
                kept = null;
                int batches = (iterative.Count + BatchedConjugateGradient.BatchSize - 1) / BatchedConjugateGradient.BatchSize;
                Parallel.For(0, batches, batch =>
                {
                    var members = iterative.Skip(batch * BatchedConjugateGradient.BatchSize).Take(BatchedConjugateGradient.BatchSize).ToList();
                    var starts = members.Select(u =>
                    {
                        var start = new double[depth + 1];
                        for (int k = 0; k < depth; k++) start[k] = layer.Weights[units[u] * depth + k];
                        start[depth] = layer.Bias[units[u]];
                        return start;
                    }).ToList();
                    var solutions = solver.Solve(members.Select(u => masks[u]).ToList(), members.Select(Rhs).ToList(), starts,
                        MaskedConjugateGradient.MaxIterations, MaskedConjugateGradient.Tolerance);
                    for (int i = 0; i < members.Count; i++)
                    {
                        var mask = masks[members[i]];
                        Write(layer, units[members[i]], mask, mask.Select(k => solutions[i][k]).Append(solutions[i][depth]).ToArray());
                    }
                });
            }
            int solvedExactly = exact.Count(e => e);
            result = new RefitResult(result.Exact + solvedExactly, result.Iterative + units.Length - solvedExactly, result.Patches + patches);
        }
        return result;
    }

    /// <summary>
    /// Units that keep more weights than this are refined by conjugate gradients (<see cref="MaskedConjugateGradient"/>)
    /// instead of a Cholesky factorization of their own: that costs kept³/3 per unit, minutes for a 3×3 layer of 256 or
    /// 512 channels.
    /// </summary>
    public const int MaxExactWeights = 512;

    /// <summary>Patch values kept for conjugate gradients at most (a gigabyte of floats); beyond, products go through H.</summary>
    private const long MaxPatchValues = 256L * 1024 * 1024;

    /// <summary>Units deeper than this keep their magnitude mask: the surgeon's greedy search costs depth² per pruned weight.</summary>
    public const int MaxSurgeonDepth = 256;

    /// <summary>λ = <see cref="RelativeRidge"/> × the mean diagonal of XᵀX over the weights (scale-free).</summary>
    private static double Ridge(double[] gram, int stride, int depth)
    {
        double meanDiagonal = 0;
        for (int i = 0; i < depth; i++) meanDiagonal += gram[i * stride + i];
        return RelativeRidge * Math.Max(meanDiagonal / Math.Max(depth, 1), 1e-12);
    }

    /// <summary>H = XᵀX + λI over [patch, 1], both triangles filled; the bias is not pulled toward anything.</summary>
    private static double[,] Hessian(double[] gram, int stride, int depth, double lambda)
    {
        var h = new double[depth + 1, depth + 1];
        for (int i = 0; i <= depth; i++)
            for (int j = 0; j <= i; j++) h[i, j] = h[j, i] = gram[i * stride + j];
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
    /// <param name="pruned">The weights pruning kept.</param>
    /// <param name="factor">When <paramref name="shared"/>: the Cholesky factor of the pruned mask's submatrix, made once for the units that share it (null: singular).</param>
    private static void Solve(IWeightedKernel layer, int unit, int[] pruned, double[,] hessian, double[,]? inverse, double[] rhs, Cholesky.Factorization? factor, bool shared)
    {
        int depth = layer.WeightsPerUnit;
        var best = SolveOnMask(hessian, rhs, pruned, factor, shared);
        if (inverse != null)
        {
            var surgeon = SolveOnMask(hessian, rhs, SurgeonMask(inverse, rhs, depth, depth - pruned.Length), null, false);
            if (surgeon.Solution != null && (best.Solution == null || surgeon.Objective < best.Objective)) best = surgeon;
        }
        if (best.Solution == null) return; // singular: keep plain pruning for this unit
        Write(layer, unit, best.Keep, best.Solution);
    }

    /// <summary>A unit's refit weights (on <paramref name="keep"/>, then the bias) into the layer; the others are zero.</summary>
    internal static void Write(IWeightedKernel layer, int unit, int[] keep, double[] solution)
    {
        int depth = layer.WeightsPerUnit;
        Array.Clear(layer.Weights, unit * depth, depth);
        for (int i = 0; i < keep.Length; i++)
        {
            float w = (float)solution[i];
            // A refit weight that rounds to exactly 0 would silently raise the sparsity; keep the smallest float instead.
            layer.Weights[unit * depth + keep[i]] = w == 0f ? float.Epsilon : w;
        }
        layer.Bias[unit] = (float)solution[keep.Length];
    }

    /// <summary>The rows and columns of the kept weights, then the bias.</summary>
    private static double[,] Submatrix(double[,] hessian, int[] keep)
    {
        int depth = hessian.GetLength(0) - 1, size = keep.Length + 1;
        var a = new double[size, size];
        for (int i = 0; i < size; i++)
        {
            int row = i < keep.Length ? keep[i] : depth;
            for (int j = 0; j < size; j++) a[i, j] = hessian[row, j < keep.Length ? keep[j] : depth];
        }
        return a;
    }

    /// <summary>Least squares on the kept weights and the bias; the objective at the optimum is −rᵀx.</summary>
    private static (int[] Keep, double[]? Solution, double Objective) SolveOnMask(double[,] hessian, double[] rhs, int[] keep, Cholesky.Factorization? factor, bool shared)
    {
        int depth = rhs.Length - 1, size = keep.Length + 1; // kept weights, then the bias
        var b = new double[size];
        for (int i = 0; i < size; i++) b[i] = rhs[i < keep.Length ? keep[i] : depth];
        var x = shared ? (factor == null ? null : Cholesky.Substitute(factor, b)) : Cholesky.Solve(Submatrix(hessian, keep), b);
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

    /// <summary>L with A = L·Lᵀ (row-major, n × n); null when A is not positive definite.</summary>
    public static Factorization? Factor(double[,] a)
    {
        int n = a.GetLength(0);
        var l = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = a[i, j];
                for (int k = 0, ri = i * n, rj = j * n; k < j; k++) sum -= l[ri + k] * l[rj + k];
                if (i == j)
                {
                    if (sum <= 0) return null;
                    l[i * n + i] = Math.Sqrt(sum);
                }
                else l[i * n + j] = sum / l[j * n + j];
            }
        }
        return new Factorization(n, l);
    }

    /// <summary>Solves L·Lᵀ·x = b.</summary>
    public static double[] Substitute(Factorization factor, double[] b)
    {
        int n = b.Length;
        var l = factor.Lower;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = b[i];
            for (int k = 0; k < i; k++) sum -= l[i * n + k] * y[k];
            y[i] = sum / l[i * n + i];
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = y[i];
            for (int k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
            x[i] = sum / l[i * n + i];
        }
        return x;
    }

    /// <summary>A Cholesky factor: L (row-major, <see cref="Size"/> × <see cref="Size"/>).</summary>
    public sealed class Factorization
    {
        public Factorization(int size, double[] lower) => (Size, Lower) = (size, lower);

        public int Size { get; }
        public double[] Lower { get; }
    }
}
