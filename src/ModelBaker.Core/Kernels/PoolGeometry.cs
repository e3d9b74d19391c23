using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>What a pooling step computes per window: the largest value or the mean (two ways of counting padding).</summary>
public enum PoolKind
{
    Max = 0,
    /// <summary>Mean over the taps inside the input (count_include_pad = 0).</summary>
    Average = 1,
    /// <summary>Mean over the taps inside the padded input, padding counting as 0 (count_include_pad = 1).</summary>
    AverageIncludingPadding = 2,
}

/// <summary>
/// The fixed shape of a pooling step, in three spatial dimensions (1-D and 2-D pools have leading sizes 1): planes
/// (batch × channels), sizes in and out, kernel, strides, dilations, the padding before each axis, and where the
/// padding after each axis ends (taps from there on, reached only with ceil_mode, are not counted as padding).
/// </summary>
public sealed record PoolGeometry(
    int Planes, int InputDepth, int InputHeight, int InputWidth, int OutputDepth, int OutputHeight, int OutputWidth,
    int KernelDepth, int KernelHeight, int KernelWidth, int StrideDepth, int StrideHeight, int StrideWidth,
    int DilationDepth, int DilationHeight, int DilationWidth, int PadFront, int PadTop, int PadLeft,
    int PaddedDepth, int PaddedHeight, int PaddedWidth)
{
    public int OutputLength => Planes * OutputDepth * OutputHeight * OutputWidth;

    private int[] Values => new[]
    {
        Planes, InputDepth, InputHeight, InputWidth, OutputDepth, OutputHeight, OutputWidth, KernelDepth, KernelHeight, KernelWidth,
        StrideDepth, StrideHeight, StrideWidth, DilationDepth, DilationHeight, DilationWidth, PadFront, PadTop, PadLeft,
        PaddedDepth, PaddedHeight, PaddedWidth,
    };

    public void Write(PlanBinaryWriter w) => w.Ints(Values);

    public static PoolGeometry Read(PlanBinaryReader r)
    {
        int[] v = r.Ints();
        if (v.Length != 22) throw new System.IO.InvalidDataException($"a pooling geometry has 22 values, not {v.Length}");
        return new(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16],
            v[17], v[18], v[19], v[20], v[21]);
    }

    /// <summary>
    /// The geometry as named literal arguments of the generated Pool calls, one line per group: literals cost no constant
    /// array (nor, on nanoFramework, its RAM), and the call reads as what it computes.
    /// </summary>
    public string[] Arguments() => new[]
    {
        $"planes: {Planes}, inputDepth: {InputDepth}, inputHeight: {InputHeight}, inputWidth: {InputWidth}, " +
        $"outputDepth: {OutputDepth}, outputHeight: {OutputHeight}, outputWidth: {OutputWidth},",
        $"kernelDepth: {KernelDepth}, kernelHeight: {KernelHeight}, kernelWidth: {KernelWidth}, " +
        $"strideDepth: {StrideDepth}, strideHeight: {StrideHeight}, strideWidth: {StrideWidth}, " +
        $"dilationDepth: {DilationDepth}, dilationHeight: {DilationHeight}, dilationWidth: {DilationWidth},",
        $"padFront: {PadFront}, padTop: {PadTop}, padLeft: {PadLeft}, " +
        $"paddedDepth: {PaddedDepth}, paddedHeight: {PaddedHeight}, paddedWidth: {PaddedWidth},",
    };
}
