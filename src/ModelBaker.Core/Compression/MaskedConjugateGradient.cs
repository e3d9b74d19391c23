using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Layer reconstruction for units that keep too many weights to factorize one submatrix each (a 3×3 convolution of
/// 256 or 512 channels keeps 1,000–2,500 weights per output channel, and every channel has its own mask): the unit's
/// masked system H_KK·x = r_K is solved by conjugate gradients with a Jacobi (diagonal) preconditioner, started from the
/// weights pruning left and the current bias. Each iteration costs one product with the unit's kept submatrix
/// (kept² multiply-adds) instead of kept³/3 for a factorization, and the objective xᵀHx − 2rᵀx falls with every
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

    /// <summary>Refits one unit of <paramref name="layer"/> on its mask <paramref name="keep"/> (the kept weights), in place.</summary>
    /// <param name="hessian">H = ZᵀZ + Λ over z = [patch, 1], both triangles filled.</param>
    /// <param name="rhs">Zᵀy + λ·anchor over [patch, 1].</param>
    /// <param name="patches">Z transposed, when there are fewer patches than kept weights: the products go through it,
    /// H_KK·p = Z_Kᵀ(Z_K·p) + Λ_K·p (2·patches·kept multiply-adds instead of kept²); null: through H_KK.</param>
    public static void Refine(IWeightedKernel layer, int unit, int[] keep, double[,] hessian, double[] rhs, PatchMatrix? patches)
    {
        int depth = layer.WeightsPerUnit, size = keep.Length + 1;
        var rows = new int[size];
        var b = new double[size];
        var x = new double[size];
        var diagonal = new double[size];
        for (int i = 0; i < size; i++)
        {
            int row = rows[i] = i < keep.Length ? keep[i] : depth;
            b[i] = rhs[row];
            x[i] = i < keep.Length ? layer.Weights[unit * depth + row] : layer.Bias[unit];
            diagonal[i] = hessian[row, row];
        }
        Action<double[], double[]> multiply;
        if (patches != null)
        {
            // Λ: what H adds to ZᵀZ on the diagonal (the ridge, and the bias' tiny term).
            var extra = rows.Select(row => hessian[row, row] - patches.Diagonal(row)).ToArray();
            var products = new double[patches.Rows];
            multiply = (v, result) => patches.Multiply(rows, v, extra, products, result);
        }
        else
        {
            // In float: the product streams the submatrix from memory once per iteration, and half the bytes is half the time.
            var a = new float[size * size];
            for (int i = 0; i < size; i++)
                for (int j = 0; j < size; j++) a[i * size + j] = (float)hessian[rows[i], rows[j]];
            var row = new double[size];
            multiply = (v, result) =>
            {
                for (int i = 0; i < size; i++) result[i] = Dot(a, i * size, v, row);
            };
        }
        LayerReconstruction.Write(layer, unit, keep, Solve(multiply, diagonal, b, x, MaxIterations, Tolerance));
    }

    /// <summary>Solve with an explicit matrix ([size × size], row-major).</summary>
    public static double[] Solve(double[] a, double[] b, double[] start, int maxIterations, double tolerance)
    {
        int size = b.Length;
        var diagonal = new double[size];
        for (int i = 0; i < size; i++) diagonal[i] = a[i * size + i];
        return Solve((v, result) => Multiply(a, v, result), diagonal, b, start, maxIterations, tolerance);
    }

    /// <summary>
    /// Preconditioned conjugate gradients for A·x = b, A symmetric positive definite (applied by
    /// <paramref name="multiply"/>: v, A·v), preconditioned by A's diagonal, from <paramref name="start"/>; returns x.
    /// </summary>
    internal static double[] Solve(Action<double[], double[]> multiply, double[] diagonal, double[] b, double[] start, int maxIterations, double tolerance)
    {
        int size = b.Length;
        var x = (double[])start.Clone();
        var r = new double[size];
        var q = new double[size];
        multiply(x, q);
        for (int i = 0; i < size; i++) r[i] = b[i] - q[i];
        var z = new double[size];
        for (int i = 0; i < size; i++) z[i] = r[i] / (diagonal[i] > 0 ? diagonal[i] : 1);
        var p = (double[])z.Clone();
        double rz = Dot(r, 0, z, size), limit = tolerance * Math.Sqrt(Dot(b, 0, b, size));
        for (int iteration = 0; iteration < maxIterations && Math.Sqrt(Dot(r, 0, r, size)) > limit; iteration++)
        {
            multiply(p, q);
            double pq = Dot(p, 0, q, size);
            if (!(pq > 0) || !(rz > 0)) break; // numerically exhausted
            double alpha = rz / pq;
            for (int i = 0; i < size; i++)
            {
                x[i] += alpha * p[i];
                r[i] -= alpha * q[i];
                z[i] = r[i] / (diagonal[i] > 0 ? diagonal[i] : 1);
            }
            double next = Dot(r, 0, z, size), beta = next / rz;
            rz = next;
            for (int i = 0; i < size; i++) p[i] = z[i] + beta * p[i];
        }
        return x;
    }

    /// <summary>y = A·x.</summary>
    private static void Multiply(double[] a, double[] x, double[] y)
    {
        int size = x.Length;
        for (int i = 0; i < size; i++) y[i] = Dot(a, i * size, x, size);
    }

    /// <summary>Σ a[offset + i]·b[i] over b's length, a's floats widened to double (through <paramref name="widened"/>), as <see cref="Dot(double[], int, double[], int)"/> sums.</summary>
    internal static double Dot(float[] a, int offset, double[] b, double[] widened)
    {
        int length = b.Length, i = 0, count = Vector<float>.Count, half = Vector<double>.Count;
        for (; i + count <= length; i += count)
        {
            Vector.Widen(new Vector<float>(a, offset + i), out var low, out var high);
            low.CopyTo(widened, i);
            high.CopyTo(widened, i + half);
        }
        for (; i < length; i++) widened[i] = a[offset + i];
        return Dot(widened, 0, b, length);
    }

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
/// A layer's extended patches z = [patch, 1], transposed (one row of all the patches' values per weight, and a row of
/// ones for the bias), in float: what conjugate gradients multiply through when there are fewer patches than weights.
/// </summary>
internal sealed class PatchMatrix
{
    private readonly float[] _values; // [depth + 1][rows]

    public PatchMatrix(IReadOnlyList<float[]> patches, int depth)
    {
        Rows = patches.Count;
        _values = new float[(depth + 1) * Rows];
        for (int n = 0; n < Rows; n++)
        {
            var patch = patches[n];
            for (int k = 0; k < depth; k++) _values[k * Rows + n] = patch[k];
            _values[depth * Rows + n] = 1;
        }
    }

    /// <summary>Patches.</summary>
    public int Rows { get; }

    /// <summary>(ZᵀZ)[row, row] as these values give it.</summary>
    public double Diagonal(int row)
    {
        double sum = 0;
        for (int n = 0; n < Rows; n++) sum += (double)_values[row * Rows + n] * _values[row * Rows + n];
        return sum;
    }

    /// <summary>
    /// result = Z_Kᵀ(Z_K·v) + extra ⊙ v over the weights <paramref name="keep"/> (row indices, the bias' last): Z_K·v as
    /// rows added in order, element by element; each Z_Kᵀ entry a four-lane <see cref="MaskedConjugateGradient.Dot"/>.
    /// </summary>
    public void Multiply(int[] keep, double[] v, double[] extra, double[] products, double[] result)
    {
        int rows = Rows, count = Vector<float>.Count, half = Vector<double>.Count;
        Array.Clear(products, 0, rows);
        for (int i = 0; i < keep.Length; i++)
        {
            double scale = v[i];
            if (scale == 0) continue;
            int row = keep[i] * rows, n = 0;
            var s = new Vector<double>(scale);
            for (; n + count <= rows; n += count)
            {
                Vector.Widen(new Vector<float>(_values, row + n), out var low, out var high);
                (new Vector<double>(products, n) + low * s).CopyTo(products, n);
                (new Vector<double>(products, n + half) + high * s).CopyTo(products, n + half);
            }
            for (; n < rows; n++) products[n] += _values[row + n] * scale;
        }
        var widened = new double[rows];
        for (int i = 0; i < keep.Length; i++)
            result[i] = MaskedConjugateGradient.Dot(_values, keep[i] * rows, products, widened) + extra[i] * v[i];
    }
}
