using System;

namespace ModelBaker.Core.Ir;

/// <summary>Small helpers on shapes (int arrays, row-major) shared by the operators.</summary>
public static class ShapeMath
{
    public static int Length(int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            n *= d; // both below 2^31 here, so the product cannot wrap a long
            if (n > int.MaxValue) throw new OverflowException("Tensor has more than 2^31 elements.");
        }
        return (int)n;
    }

    public static int[] Strides(int[] shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
        return strides;
    }

    public static string Format(int[] shape) => "[" + string.Join(",", shape) + "]";

    /// <summary>Numpy broadcasting of two shapes; null when they are incompatible.</summary>
    public static int[]? Broadcast(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1) return null;
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>
    /// Strides to read <paramref name="input"/> as if it had the (broadcast) <paramref name="output"/> shape:
    /// 0 along every broadcast dimension.
    /// </summary>
    public static int[] BroadcastStrides(int[] input, int[] output)
    {
        var own = Strides(input);
        var strides = new int[output.Length];
        int offset = output.Length - input.Length;
        for (int i = 0; i < input.Length; i++)
            strides[i + offset] = input[i] == 1 && output[i + offset] != 1 ? 0 : own[i];
        return strides;
    }
}
