using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The fixed shape of a 2-D convolution step (NCHW; a 1-D convolution has height 1): batch, channels and sizes in
/// and out, kernel, strides, dilations, the padding before each axis (the padding after is implied by the output
/// size) and the number of groups. Shared by <see cref="ConvFloat"/> and <see cref="ConvInt8"/>.
/// </summary>
public sealed record ConvGeometry(
    int Batch, int InputChannels, int InputHeight, int InputWidth,
    int OutputChannels, int OutputHeight, int OutputWidth,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth,
    int DilationHeight, int DilationWidth, int PadTop, int PadLeft, int Groups)
{
    /// <summary>Weights per output channel: input channels of its group × kernel height × kernel width.</summary>
    public int WeightsPerChannel => InputChannels / Groups * KernelHeight * KernelWidth;

    public int OutputLength => Batch * OutputChannels * OutputHeight * OutputWidth;

    public void Write(PlanBinaryWriter w)
    {
        foreach (int v in new[] { Batch, InputChannels, InputHeight, InputWidth, OutputChannels, OutputHeight, OutputWidth,
                     KernelHeight, KernelWidth, StrideHeight, StrideWidth, DilationHeight, DilationWidth, PadTop, PadLeft, Groups })
            w.Int(v);
    }

    public static ConvGeometry Read(PlanBinaryReader r) =>
        new(r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int());

    /// <summary>The geometry as named arguments of the emitted Conv call, two lines of generated code.</summary>
    public string[] Arguments() => new[]
    {
        $"batch: {Batch}, inputChannels: {InputChannels}, inputHeight: {InputHeight}, inputWidth: {InputWidth}, " +
        $"outputChannels: {OutputChannels}, outputHeight: {OutputHeight}, outputWidth: {OutputWidth}, groups: {Groups},",
        $"kernelHeight: {KernelHeight}, kernelWidth: {KernelWidth}, strideHeight: {StrideHeight}, strideWidth: {StrideWidth}, " +
        $"dilationHeight: {DilationHeight}, dilationWidth: {DilationWidth}, padTop: {PadTop}, padLeft: {PadLeft},",
    };
}
