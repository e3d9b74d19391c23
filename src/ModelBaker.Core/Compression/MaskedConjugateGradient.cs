using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Layer reconstruction for units that keep too many weights to factorize one submatrix each (a 3×3 convolution of
/// 256 or 512 channels keeps 1,000–3,000 weights per output channel, and every channel has its own mask): the unit's
/// masked system H_KK·x = r_K is solved by conjugate gradients with a Jacobi (diagonal) preconditioner, started from the
/// weights pruning left and the current bias (<see cref="BatchedConjugateGradient"/>). Each iteration costs one product
/// with H (or through the patches) instead of kept³/3 for a factorization, and the objective xᵀHx − 2rᵀx falls with every
/// iteration, so the result is never worse than plain pruning. The iterations stop when the residual is
/// <see cref="Tolerance"/> of the right-hand side's norm, or after <see cref="MaxIterations"/>: the ridge keeps the
/// directions the calibration data does not see near the pruned weights, where the solve starts, so the few directions
/// the data does constrain are what the iterations fit. Sums are taken in a fixed order of four lanes, whatever the
/// machine's vector width, so the result is the same on every machine.
/// </summary>
internal static class MaskedConjugateGradient
{
    /// <summary>Iterations at most per unit.</summary>
    public const int MaxIterations = 30;

    /// <summary>Stop when ‖r − H_KK·x‖ ≤ Tolerance × ‖r‖.</summary>
    public const double Tolerance = 1e-3;

    /// <summary>
    /// Σ a[offset + i]·b[i] in four lanes (i mod 4), each summed in order, then (lane 0 + lane 1) + (lane 2 + lane 3):
    /// the same bits with 4-wide vectors or without.
    /// </summary>
    internal static double Dot(double[] a, int offset, double[] b, int length)
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<double>.Count == 4)
        {
            var sum = Vector<double>.Zero;
            for (; i + 4 <= length; i += 4) sum += new Vector<double>(a, offset + i) * new Vector<double>(b, i);
            (s0, s1, s2, s3) = (sum[0], sum[1], sum[2], sum[3]);
        }
        for (; i + 4 <= length; i += 4)
        {
            s0 += a[offset + i] * b[i];
            s1 += a[offset + i + 1] * b[i + 1];
            s2 += a[offset + i + 2] * b[i + 2];
            s3 += a[offset + i + 3] * b[i + 3];
        }
        if (i < length) s0 += a[offset + i] * b[i];
        if (i + 1 < length) s1 += a[offset + i + 1] * b[i + 1];
        if (i + 2 < length) s2 += a[offset + i + 2] * b[i + 2];
        return s0 + s1 + (s2 + s3);
    }
}

/// <summary>
/// Conjugate gradients for many units of one layer at once: a batch of units iterates in lockstep, each with its own
/// mask, step sizes and stopping point, so that every product reads the layer's matrix (H, or the patches) once for
/// the whole batch instead of once per unit — what made the one-unit-at-a-time solve wait on memory. Vectors have the
/// layer's full length, zero outside a unit's mask, and products are masked again, which is the masked system exactly.
/// Products run in float (eight fixed lanes, summed in double), the rest in double. A unit's result does not depend
/// on the others in its batch, the batches or the threads.
/// </summary>
internal sealed class BatchedConjugateGradient
{
    /// <summary>Units iterating together.</summary>
    public const int BatchSize = 16;

    private readonly int _size; // depth + 1
    private readonly float[]? _hessian; // [size × size], or null: through the patches
    private readonly float[]? _patches; // Zᵀ, [size × rows]
    private readonly int _rows;
    private readonly double[] _extra; // Λ: H's diagonal minus ZᵀZ's
    private readonly double[] _diagonal;

    /// <param name="hessian">H over [patch, 1], both triangles filled.</param>
    /// <param name="patches">The patches, when there are fewer of them than half the kept weights; null: products through H.</param>
    public BatchedConjugateGradient(double[,] hessian, IReadOnlyList<float[]>? patches)
    {
        _size = hessian.GetLength(0);
        int depth = _size - 1;
        _diagonal = Enumerable.Range(0, _size).Select(i => hessian[i, i]).ToArray();
        _extra = new double[_size];
        if (patches == null)
        {
            _hessian = new float[_size * _size];
            for (int i = 0; i < _size; i++)
                for (int j = 0; j < _size; j++) _hessian[i * _size + j] = (float)hessian[i, j];
            return;
        }
        _rows = patches.Count;
        _patches = new float[_size * _rows];
        for (int n = 0; n < _rows; n++)
        {
            for (int k = 0; k < depth; k++) _patches[k * _rows + n] = patches[n][k];
            _patches[depth * _rows + n] = 1;
        }
        for (int k = 0; k < _size; k++)
        {
            double sum = 0;
            for (int n = 0; n < _rows; n++) sum += (double)_patches[k * _rows + n] * _patches[k * _rows + n];
            _extra[k] = hessian[k, k] - sum;
        }
    }

    /// <summary>
    /// Solves each unit's system on its mask from its start (length size: kept weights and the bias at their
    /// indices, zeros elsewhere); returns the solutions in the same layout.
    /// </summary>
    /// <param name="masks">Per unit, the kept weight indices (the bias is always kept).</param>
    /// <param name="rhs">Per unit, the right-hand side over [patch, 1].</param>
    public double[][] Solve(IReadOnlyList<int[]> masks, IReadOnlyList<double[]> rhs, IReadOnlyList<double[]> starts, int maxIterations, double tolerance)
    {
        int units = masks.Count, size = _size;
        var inMask = masks.Select(mask =>
        {
            var m = new double[size];
            foreach (int k in mask) m[k] = 1;
            m[size - 1] = 1;
            return m;
        }).ToArray();
        var x = starts.Select((s, u) => s.Select((v, i) => v * inMask[u][i]).ToArray()).ToArray();
        var b = rhs.Select((r, u) => r.Select((v, i) => v * inMask[u][i]).ToArray()).ToArray();
        var q = Multiply(x, Enumerable.Range(0, units).ToList(), inMask);
        var r = new double[units][];
        var z = new double[units][];
        var p = new double[units][];
        var rz = new double[units];
        var limit = new double[units];
        var active = new List<int>();
        for (int u = 0; u < units; u++)
        {
            r[u] = new double[size];
            z[u] = new double[size];
            for (int i = 0; i < size; i++)
            {
                r[u][i] = (b[u][i] - q[u][i]) * inMask[u][i];
                z[u][i] = r[u][i] / (_diagonal[i] > 0 ? _diagonal[i] : 1);
            }
            p[u] = (double[])z[u].Clone();
            rz[u] = MaskedConjugateGradient.Dot(r[u], 0, z[u], size);
            limit[u] = tolerance * Math.Sqrt(MaskedConjugateGradient.Dot(b[u], 0, b[u], size));
            if (Math.Sqrt(MaskedConjugateGradient.Dot(r[u], 0, r[u], size)) > limit[u]) active.Add(u);
        }
        for (int iteration = 0; iteration < maxIterations && active.Count > 0; iteration++)
        {
            q = Multiply(p, active, inMask);
            var still = new List<int>();
            foreach (int u in active)
            {
                double pq = MaskedConjugateGradient.Dot(p[u], 0, q[u], size);
                if (!(pq > 0) || !(rz[u] > 0)) continue; // numerically exhausted
                double alpha = rz[u] / pq;
                for (int i = 0; i < size; i++)
                {
                    x[u][i] += alpha * p[u][i];
                    r[u][i] -= alpha * q[u][i];
                    z[u][i] = r[u][i] / (_diagonal[i] > 0 ? _diagonal[i] : 1);
                }
                double next = MaskedConjugateGradient.Dot(r[u], 0, z[u], size), beta = next / rz[u];
                rz[u] = next;
                for (int i = 0; i < size; i++) p[u][i] = z[u][i] + beta * p[u][i];
                if (Math.Sqrt(MaskedConjugateGradient.Dot(r[u], 0, r[u], size)) > limit[u]) still.Add(u);
            }
            active = still;
        }
        return x;
    }

    /// <summary>q_u = mask_u ⊙ (A·v_u) for the listed units (others: null), A read once for all of them.</summary>
    private double[][] Multiply(double[][] v, List<int> units, double[][] inMask)
    {
        int size = _size;
        var result = new double[v.Length][];
        var vectors = units.Select(u => v[u].Select(value => (float)value).ToArray()).ToArray();
        var sums = units.Select(_ => new double[size]).ToArray();
        if (_hessian != null)
        {
            for (int i = 0; i < size; i++)
                for (int j = 0; j < vectors.Length; j++) sums[j][i] = Dot(_hessian, i * size, vectors[j], 0, size);
        }
        else
        {
            int rows = _rows;
            // t = Z·v (rows), then (Zᵀt)[k] for every k, plus Λ·v; four units at a time share each load of Z.
            var t = units.Select(_ => new float[rows]).ToArray();
            for (int j = 0; j < vectors.Length; j += 4)
            {
                var group = Enumerable.Range(j, 4).Select(i => i < vectors.Length ? i : j).ToArray(); // a short group repeats its first unit
                Product(vectors[group[0]], vectors[group[1]], vectors[group[2]], vectors[group[3]], t[group[0]], t[group[1]], t[group[2]], t[group[3]]);
                for (int k = 0; k < size; k++)
                {
                    var d = Dots(k * rows, t[group[0]], t[group[1]], t[group[2]], t[group[3]]);
                    for (int i = 0; i < 4; i++) sums[group[i]][k] = d[i] + _extra[k] * v[units[group[i]]][k];
                }
            }
        }
        for (int j = 0; j < units.Count; j++)
        {
            var sum = sums[j];
            var mask = inMask[units[j]];
            for (int i = 0; i < size; i++) sum[i] *= mask[i];
            result[units[j]] = sum;
        }
        return result;
    }

    /// <summary>t_j[n] = Σ_k v_j[k]·Z[k, n], each element summed over k in order (four units side by side).</summary>
    private void Product(float[] v0, float[] v1, float[] v2, float[] v3, float[] t0, float[] t1, float[] t2, float[] t3)
    {
        int rows = _rows, size = _size, count = Vector<float>.Count, n = 0;
        var z = _patches!;
        for (; n + count <= rows; n += count)
        {
            Vector<float> s0 = Vector<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (int k = 0; k < size; k++)
            {
                var column = new Vector<float>(z, k * rows + n);
                s0 += new Vector<float>(v0[k]) * column;
                s1 += new Vector<float>(v1[k]) * column;
                s2 += new Vector<float>(v2[k]) * column;
                s3 += new Vector<float>(v3[k]) * column;
            }
            s0.CopyTo(t0, n);
            s1.CopyTo(t1, n);
            s2.CopyTo(t2, n);
            s3.CopyTo(t3, n);
        }
        for (; n < rows; n++)
        {
            float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (int k = 0; k < size; k++)
            {
                float value = z[k * rows + n];
                a0 += v0[k] * value;
                a1 += v1[k] * value;
                a2 += v2[k] * value;
                a3 += v3[k] * value;
            }
            (t0[n], t1[n], t2[n], t3[n]) = (a0, a1, a2, a3);
        }
    }

    /// <summary>Z[k, ·]·t_j for four units: each as <see cref="Dot"/> sums it, the row of Z loaded once.</summary>
    private double[] Dots(int offset, float[] t0, float[] t1, float[] t2, float[] t3)
    {
        int rows = _rows, n = 0;
        var z = _patches!;
        var lanes = new float[4, 8];
        if (Vector.IsHardwareAccelerated && Vector<float>.Count == 8)
        {
            Vector<float> s0 = Vector<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (; n + 8 <= rows; n += 8)
            {
                var row = new Vector<float>(z, offset + n);
                s0 += row * new Vector<float>(t0, n);
                s1 += row * new Vector<float>(t1, n);
                s2 += row * new Vector<float>(t2, n);
                s3 += row * new Vector<float>(t3, n);
            }
            for (int l = 0; l < 8; l++) (lanes[0, l], lanes[1, l], lanes[2, l], lanes[3, l]) = (s0[l], s1[l], s2[l], s3[l]);
        }
        var ts = new[] { t0, t1, t2, t3 };
        for (; n + 8 <= rows; n += 8)
            for (int i = 0; i < 4; i++)
                for (int l = 0; l < 8; l++) lanes[i, l] += z[offset + n + l] * ts[i][n + l];
        for (int l = 0; n < rows; n++, l++)
            for (int i = 0; i < 4; i++) lanes[i, l] += z[offset + n] * ts[i][n];
        var result = new double[4];
        for (int i = 0; i < 4; i++)
            result[i] = ((double)lanes[i, 0] + lanes[i, 1] + ((double)lanes[i, 2] + lanes[i, 3])) + ((double)lanes[i, 4] + lanes[i, 5] + ((double)lanes[i, 6] + lanes[i, 7]));
        return result;
    }

    /// <summary>Σ a[ao + i]·b[bo + i] in float, in eight lanes (i mod 8) each summed in order, the lanes then added in double in a fixed order.</summary>
    private static double Dot(float[] a, int aOffset, float[] b, int bOffset, int length)
    {
        int i = 0;
        Span<float> lanes = stackalloc float[8];
        if (Vector.IsHardwareAccelerated && Vector<float>.Count == 8)
        {
            var sum = Vector<float>.Zero;
            for (; i + 8 <= length; i += 8) sum += new Vector<float>(a, aOffset + i) * new Vector<float>(b, bOffset + i);
            for (int l = 0; l < 8; l++) lanes[l] = sum[l];
        }
        for (; i + 8 <= length; i += 8)
            for (int l = 0; l < 8; l++) lanes[l] += a[aOffset + i + l] * b[bOffset + i + l];
        for (int l = 0; i < length; i++, l++) lanes[l] += a[aOffset + i] * b[bOffset + i];
        return ((double)lanes[0] + lanes[1] + ((double)lanes[2] + lanes[3])) + ((double)lanes[4] + lanes[5] + ((double)lanes[6] + lanes[7]));
    }
}
