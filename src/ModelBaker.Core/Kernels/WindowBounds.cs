namespace ModelBaker.Core.Kernels;

/// <summary>
/// Where a sliding window (convolution or pooling) stays inside its input along one axis, so kernels can run the
/// bulk of their outputs without bounds checks and keep the checks for the border.
/// </summary>
public static class WindowBounds
{
    // <emit>
    /// <summary>
    /// Output positions [first, end) along one axis whose whole window (start o·stride − pad, taps every dilation)
    /// lies inside [0, inputSize): there no tap reads padding.
    /// </summary>
    public static void InsideRange(int outputSize, int inputSize, int kernel, int stride, int dilation, int pad, out int first, out int end)
    {
        first = (pad + stride - 1) / stride;
        int lastStart = inputSize - ((kernel - 1) * dilation + 1) + pad; // o·stride may reach this and still fit
        end = lastStart < 0 ? 0 : lastStart / stride + 1;
        if (end > outputSize) end = outputSize;
        if (first > end) first = end;
    }

    /// <summary>Taps [first, end) of a window starting at <paramref name="start"/> that fall inside [0, limit).</summary>
    public static void TapRange(int start, int kernel, int dilation, int limit, out int first, out int end)
    {
        first = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
        int room = limit - start; // taps at start + k·dilation < limit
        end = room <= 0 ? 0 : (room + dilation - 1) / dilation;
        if (end > kernel) end = kernel;
        if (first > end) first = end;
    }
    // </emit>
}
