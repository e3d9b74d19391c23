namespace ModelBaker.Core.Encodings;

/// <summary>
/// The nanoFramework flavour's dot product of a weight row with an input row (<see cref="WeightRows.DotWith"/>), kept
/// with the row readers that call it.
/// </summary>
public static class RowDot
{
    // <emit Nano>
    /// <summary>
    /// Σ a[i + k] · b[j + k] for k below <paramref name="length"/>, four products per loop step: on nanoCLR a loop step
    /// (compare, branch, increment) costs as much as a multiply-add, so unrolling nearly halves the time per product.
    /// </summary>
    public static int Dot(sbyte[] a, int i, sbyte[] b, int j, int length)
    {
        int sum = 0, end = i + length - 3;
        for (; i < end; i += 4, j += 4) sum += a[i] * b[j] + a[i + 1] * b[j + 1] + a[i + 2] * b[j + 2] + a[i + 3] * b[j + 3];
        for (end += 3; i < end; i++, j++) sum += a[i] * b[j];
        return sum;
    }
    // </emit>
}
