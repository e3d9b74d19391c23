using System;
using System.Collections.Generic;

namespace ModelBaker.Core.Operators;

/// <summary>
/// The interpolation filter of Resize's linear and cubic modes, as ONNX's reference (onnx/reference/ops/op_resize.py)
/// computes it for one axis: around the original coordinate x, base = ⌈x⌉ − 1 and ratio = x − base (in (0, 1]); tap j
/// reads input index base + j (clamped into the input: edge padding) with weight filter((j − ratio) · s). Without antialias
/// s = 1 and the taps are j = 0, 1 (linear) or −1 … 2 (cubic); antialias widens the filter by 1 / scale when downsampling
/// (s = scale) and normalizes the weights. exclude_outside zeroes the taps outside the input and normalizes again.
/// </summary>
internal sealed record ResizeFilter(bool Cubic, double CubicA, bool Antialias, bool ExcludeOutside)
{
    /// <summary>One input index and its weight.</summary>
    public readonly record struct Tap(int Index, double Weight);

    /// <summary>The taps of original coordinate <paramref name="x"/> on an axis of <paramref name="input"/> elements; zero weights dropped.</summary>
    public Tap[] Taps(double x, int input, double scale)
    {
        double s = Antialias && scale < 1 ? scale : 1;
        double support = Cubic ? 2 : 1;
        int start = (int)Math.Floor(-support / s) + 1, count = 2 - 2 * start;
        if (!Cubic && !Antialias) (start, count) = (0, 2);
        int baseIndex = (int)Math.Ceiling(x) - 1;
        double ratio = x - baseIndex;
        var weights = new double[count];
        var indices = new int[count];
        for (int k = 0; k < count; k++)
        {
            int j = start + k;
            indices[k] = baseIndex + j;
            weights[k] = Weight(Math.Abs((j - ratio) * s));
        }
        if (Antialias) Normalize(weights);
        if (ExcludeOutside)
        {
            for (int k = 0; k < count; k++)
                if (indices[k] < 0 || indices[k] >= input) weights[k] = 0;
            Normalize(weights);
        }
        var taps = new List<Tap>(count);
        for (int k = 0; k < count; k++)
            if (weights[k] != 0) taps.Add(new Tap(Math.Max(0, Math.Min(input - 1, indices[k])), weights[k]));
        return taps.ToArray();
    }

    /// <summary>The filter at distance <paramref name="d"/> ≥ 0: the triangle, or Keys' cubic convolution with coefficient A.</summary>
    private double Weight(double d)
    {
        if (!Cubic) return Math.Max(0, 1 - d);
        double a = CubicA;
        if (d <= 1) return ((a + 2) * d - (a + 3)) * d * d + 1;
        if (d < 2) return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
        return 0;
    }

    private static void Normalize(double[] weights)
    {
        double sum = 0;
        foreach (double w in weights) sum += w;
        if (sum == 0) return;
        for (int k = 0; k < weights.Length; k++) weights[k] /= sum;
    }
}
