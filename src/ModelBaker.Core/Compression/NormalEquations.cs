using System;
using System.Numerics;
using System.Threading.Tasks;

namespace ModelBaker.Core.Compression;

/// <summary>
/// The sums layer reconstruction solves with, gathered from a stream of patches: the Gram matrix G = Σ zᵀz of the
/// extended patches z = [patch, 1] (lower triangle) and, per refit unit, Σ z·target. Patches arrive in blocks; each
/// block is packed into column panels and added with every core. Every sum is still accumulated patch after patch
/// in arrival order, one owner per entry (panels of G rows, panels of rhs columns), so the result is bit-identical to
/// the one-patch-at-a-time loop on any machine and any number of threads — vectors only run several entries side by
/// side. (Products of two floats are exact in double, so G's sums do not depend on fused multiply-adds either.)
/// </summary>
internal sealed class NormalEquations
{
    /// <summary>Patches gathered before a block is added.</summary>
    public const int BlockRows = 128;

    private readonly int _depth, _units, _referenceDepth;
    private readonly double[] _panels; // [panel][row][Width]: the block's extended patches, a panel of Width columns at a time
    private readonly float[] _references; // [row][reference depth]: the teacher's patches
    private readonly double[] _targets; // [unit][row]
    private readonly float[] _teacherWeights; // [reference depth][units padded to Width]: the refit units' teacher rows, transposed
    private readonly double[] _teacherBias;
    private readonly int _unitStride;
    private int _rows;

    /// <param name="depth">Weights per unit (the patch length; z has one more element, the 1 of the bias).</param>
    /// <param name="teacherWeights">The teacher layer's weights, [teacher units × <paramref name="referenceDepth"/>].</param>
    /// <param name="teacherBias">The teacher layer's bias.</param>
    /// <param name="teacherRows">For each refit unit, its teacher unit: its target is that unit's output on the reference patch.</param>
    public NormalEquations(int depth, float[] teacherWeights, float[] teacherBias, int referenceDepth, int[] teacherRows)
    {
        _depth = depth;
        _units = teacherRows.Length;
        _referenceDepth = referenceDepth;
        Stride = (depth + 1 + Width - 1) / Width * Width;
        Gram = new double[Stride * Stride];
        Rhs = new double[_units * (depth + 1)];
        _panels = new double[Stride * BlockRows];
        _references = new float[referenceDepth * BlockRows];
        _targets = new double[_units * BlockRows];
        _unitStride = (_units + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;
        _teacherWeights = new float[referenceDepth * _unitStride];
        _teacherBias = new double[_units];
        for (int u = 0; u < _units; u++)
        {
            _teacherBias[u] = teacherBias[teacherRows[u]];
            for (int k = 0; k < referenceDepth; k++) _teacherWeights[k * _unitStride + u] = teacherWeights[teacherRows[u] * referenceDepth + k];
        }
    }

    /// <summary>Columns per panel: two vectors of doubles (8 with AVX2). Results do not depend on it.</summary>
    private static int Width => 2 * Vector<double>.Count;

    /// <summary>Row length of <see cref="Gram"/> (depth + 1 rounded up to whole panels).</summary>
    public int Stride { get; }

    /// <summary>G[i, j] = Σ zᵢ·zⱼ at [i·Stride + j], j ≤ i (entries above the diagonal hold partial sums of their own: ignore them).</summary>
    public double[] Gram { get; }

    /// <summary>Per unit u, at [u·(depth + 1) + k]: Σ zₖ·target (k = depth: Σ target).</summary>
    public double[] Rhs { get; }

    /// <summary>
    /// Adds one patch of the pruned network and the teacher's patch at the same place: the targets are the teacher
    /// units' outputs (before activation) on it.
    /// </summary>
    public void Add(float[] patch, float[] reference)
    {
        int width = Width;
        for (int k = 0; k < _depth; k++) _panels[(k / width * BlockRows + _rows) * width + k % width] = patch[k];
        _panels[(_depth / width * BlockRows + _rows) * width + _depth % width] = 1;
        Array.Copy(reference, 0, _references, _rows * _referenceDepth, _referenceDepth);
        if (++_rows == BlockRows) Flush();
    }

    /// <summary>Adds the patches still waiting; call once after the last one.</summary>
    public void Flush()
    {
        if (_rows == 0) return;
        int rows = _rows, panels = Stride / Width;
        Parallel.For(0, rows, ComputeTargets);
        // G: panel a owns rows a·Width … a·Width + Width − 1, for every column panel c ≤ a.
        Parallel.For(0, panels, a =>
        {
            for (int c = 0; c <= a; c++)
                for (int r = 0; r < Width; r += 4) GramTile(a, r, c, rows);
        });
        // Right-hand sides: panel c owns columns c·Width …, for every unit.
        Parallel.For(0, panels, c =>
        {
            for (int u = 0; u < _units; u++) RhsTile(c, u, rows);
        });
        Array.Clear(_panels, 0, _panels.Length);
        _rows = 0;
    }

    /// <summary>
    /// Row <paramref name="row"/>'s target for every unit: bias + Σₖ w·x, each product rounded to float and summed in
    /// double in k order, as the scalar loop does (units side by side in vectors).
    /// </summary>
    private void ComputeTargets(int row)
    {
        int count = Vector<float>.Count, half = Vector<double>.Count;
        var sums = new double[_unitStride];
        Array.Copy(_teacherBias, sums, _units);
        var w = _teacherWeights;
        int reference = row * _referenceDepth;
        for (int k = 0; k < _referenceDepth; k++)
        {
            float x = _references[reference + k];
            if (x == 0) continue; // every product is ±0, which leaves a sum that is never −0 unchanged
            var xs = new Vector<float>(x);
            for (int u = 0; u < _unitStride; u += count)
            {
                Vector.Widen(new Vector<float>(w, k * _unitStride + u) * xs, out var low, out var high);
                (new Vector<double>(sums, u) + low).CopyTo(sums, u);
                (new Vector<double>(sums, u + half) + high).CopyTo(sums, u + half);
            }
        }
        for (int u = 0; u < _units; u++) _targets[u * BlockRows + row] = sums[u];
    }

    /// <summary>G rows a·Width + r … + 3 by the columns of panel c, over the block's rows in order.</summary>
    private void GramTile(int a, int r, int c, int rows)
    {
        int width = Width, count = Vector<double>.Count, stride = Stride;
        int firstRow = a * width + r, firstColumn = c * width;
        var g = Gram;
        var p = _panels;
        int rowPanel = a * BlockRows * width + r, columnPanel = c * BlockRows * width;
        var g00 = new Vector<double>(g, firstRow * stride + firstColumn);
        var g01 = new Vector<double>(g, firstRow * stride + firstColumn + count);
        var g10 = new Vector<double>(g, (firstRow + 1) * stride + firstColumn);
        var g11 = new Vector<double>(g, (firstRow + 1) * stride + firstColumn + count);
        var g20 = new Vector<double>(g, (firstRow + 2) * stride + firstColumn);
        var g21 = new Vector<double>(g, (firstRow + 2) * stride + firstColumn + count);
        var g30 = new Vector<double>(g, (firstRow + 3) * stride + firstColumn);
        var g31 = new Vector<double>(g, (firstRow + 3) * stride + firstColumn + count);
        for (int row = 0; row < rows; row++)
        {
            int i = rowPanel + row * width, j = columnPanel + row * width;
            var z0 = new Vector<double>(p, j);
            var z1 = new Vector<double>(p, j + count);
            var x = new Vector<double>(p[i]);
            g00 += x * z0;
            g01 += x * z1;
            x = new Vector<double>(p[i + 1]);
            g10 += x * z0;
            g11 += x * z1;
            x = new Vector<double>(p[i + 2]);
            g20 += x * z0;
            g21 += x * z1;
            x = new Vector<double>(p[i + 3]);
            g30 += x * z0;
            g31 += x * z1;
        }
        g00.CopyTo(g, firstRow * stride + firstColumn);
        g01.CopyTo(g, firstRow * stride + firstColumn + count);
        g10.CopyTo(g, (firstRow + 1) * stride + firstColumn);
        g11.CopyTo(g, (firstRow + 1) * stride + firstColumn + count);
        g20.CopyTo(g, (firstRow + 2) * stride + firstColumn);
        g21.CopyTo(g, (firstRow + 2) * stride + firstColumn + count);
        g30.CopyTo(g, (firstRow + 3) * stride + firstColumn);
        g31.CopyTo(g, (firstRow + 3) * stride + firstColumn + count);
    }

    /// <summary>Unit u's Σ z·target over the columns of panel c: a multiply, then an add, as the scalar loop rounds.</summary>
    private void RhsTile(int c, int u, int rows)
    {
        int width = Width, size = _depth + 1, first = c * width;
        if (first >= size) return;
        var p = _panels;
        int panel = c * BlockRows * width, target = u * BlockRows;
        if (first + width <= size)
        {
            int count = Vector<double>.Count, at = u * size + first;
            var b0 = new Vector<double>(Rhs, at);
            var b1 = new Vector<double>(Rhs, at + count);
            for (int row = 0; row < rows; row++)
            {
                var t = new Vector<double>(_targets[target + row]);
                b0 += new Vector<double>(p, panel + row * width) * t;
                b1 += new Vector<double>(p, panel + row * width + count) * t;
            }
            b0.CopyTo(Rhs, at);
            b1.CopyTo(Rhs, at + count);
            return;
        }
        for (int k = first; k < size; k++)
        {
            double b = Rhs[u * size + k];
            for (int row = 0; row < rows; row++) b += p[panel + row * width + k - first] * _targets[target + row];
            Rhs[u * size + k] = b;
        }
    }
}
