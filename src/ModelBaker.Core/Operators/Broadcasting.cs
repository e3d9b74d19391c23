using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Operators;

/// <summary>Index maps for numpy broadcasting, shared by the element-wise binary operators.</summary>
internal static class Broadcasting
{
    /// <summary>
    /// For each element of <paramref name="output"/> (row-major), the flat index of the element of an input
    /// of shape <paramref name="input"/> that broadcasting reads. Simple over fast: this is the reference.
    /// </summary>
    public static int[] SourceIndices(int[] input, int[] output)
    {
        int[] inStrides = ShapeMath.BroadcastStrides(input, output);
        int[] outStrides = ShapeMath.Strides(output);
        var map = new int[ShapeMath.Length(output)];
        for (int flat = 0; flat < map.Length; flat++)
        {
            int source = 0, rest = flat;
            for (int d = 0; d < output.Length; d++)
            {
                source += rest / outStrides[d] * inStrides[d];
                rest %= outStrides[d];
            }
            map[flat] = source;
        }
        return map;
    }
}
