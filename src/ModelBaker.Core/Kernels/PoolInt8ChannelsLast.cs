using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.PoolInt8;
using static ModelBaker.Core.Kernels.WindowBounds;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// <see cref="PoolInt8"/> (2-D, dilation 1) on channels-last activations: for each output pixel, the window's pixels are
/// rows of channels, so the maximum or the sum runs across channels, sixteen at a time. Same results bit for bit.
/// </summary>
public sealed class PoolInt8ChannelsLast : Int8Kernel
{
    public PoolInt8ChannelsLast(string source, PoolKind pooling, ArenaSlice input, ArenaSlice output, PoolGeometry geometry, int channels, int zeroPoint)
        : base(source)
    {
        if (!Supports(geometry) || channels <= 0 || geometry.Planes % channels != 0)
            throw new ArgumentException($"Node {source}: a channels-last pool is 2-D with dilation 1 over whole images of {channels} channels.", nameof(geometry));
        Pooling = pooling;
        Input = input;
        Output = output;
        Geometry = geometry;
        Channels = channels;
        ZeroPoint = zeroPoint;
    }

    /// <summary>The same step as <paramref name="pool"/> on channels-last data of <paramref name="channels"/> channels in the given slices.</summary>
    public static PoolInt8ChannelsLast Of(PoolInt8 pool, int channels, ArenaSlice input, ArenaSlice output) =>
        new(pool.Source, pool.Pooling, input, output, pool.Geometry, channels, pool.ZeroPoint);

    /// <summary>2-D windows (depth 1) without dilation.</summary>
    public static bool Supports(PoolGeometry g) =>
        g.InputDepth == 1 && g.OutputDepth == 1 && g.KernelDepth == 1 && g.PadFront == 0 && g.DilationHeight == 1 && g.DilationWidth == 1;

    public PoolKind Pooling { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public PoolGeometry Geometry { get; }
    public int Channels { get; }
    public int ZeroPoint { get; }

    public override KernelKind Kind => KernelKind.PoolInt8ChannelsLast;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(PoolInt8ChannelsLast), nameof(PoolInt8), nameof(WindowBounds) };

    public override void Run(PlanArena arena)
    {
        var g = Geometry;
        PoolChannelsLast((int)Pooling, arena.Int8s(Input), g.Planes / Channels, Channels, g.InputHeight, g.InputWidth, g.OutputHeight, g.OutputWidth,
            g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth, g.PadTop, g.PadLeft, g.PaddedHeight, g.PaddedWidth, ZeroPoint, arena.Int8s(Output));
    }

    // <emit>
    /// <summary>
    /// Int8 pooling on channels-last images, as <see cref="PoolInt8.Pool"/> computes it (kind 0 = max, 1 = average over the
    /// taps inside the input, 2 = average counting padding as real 0; averages round half away from zero).
    /// </summary>
    public static void PoolChannelsLast(int kind, ReadOnlySpan<sbyte> input, int batch, int channels, int inputHeight, int inputWidth,
        int outputHeight, int outputWidth, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padTop, int padLeft,
        int paddedHeight, int paddedWidth, int zeroPoint, Span<sbyte> output)
    {
        Span<int> sums = stackalloc int[kind == 0 ? 0 : channels];
        int image = inputHeight * inputWidth * channels;
        for (int n = 0; n < batch; n++)
            for (int oh = 0; oh < outputHeight; oh++)
            {
                int top = oh * strideHeight - padTop;
                TapRange(top, kernelHeight, 1, inputHeight, out int h0, out int h1);
                TapRange(top + padTop, kernelHeight, 1, paddedHeight, out _, out int paddedTapsHeight);
                for (int ow = 0; ow < outputWidth; ow++)
                {
                    int left = ow * strideWidth - padLeft;
                    TapRange(left, kernelWidth, 1, inputWidth, out int w0, out int w1);
                    Span<sbyte> target = output.Slice(((n * outputHeight + oh) * outputWidth + ow) * channels, channels);
                    if (kind == 0)
                    {
                        target.Fill(-128);
                        for (int kh = h0; kh < h1; kh++)
                            for (int kw = w0; kw < w1; kw++)
                                MaxInto(target, input.Slice(n * image + ((top + kh) * inputWidth + left + kw) * channels, channels));
                        continue;
                    }
                    sums.Clear();
                    for (int kh = h0; kh < h1; kh++)
                        for (int kw = w0; kw < w1; kw++)
                            AddInto(sums, input.Slice(n * image + ((top + kh) * inputWidth + left + kw) * channels, channels));
                    int inside = (h1 - h0) * (w1 - w0), count = inside;
                    if (kind == 2)
                    {
                        TapRange(left + padLeft, kernelWidth, 1, paddedWidth, out _, out int paddedTapsWidth);
                        count = paddedTapsHeight * paddedTapsWidth;
                    }
                    for (int c = 0; c < channels; c++)
                    {
                        int sum = sums[c] - inside * zeroPoint; // Σ (q − zeroPoint) over the taps inside
                        int mean = count == 0 ? 0 : (sum >= 0 ? sum + count / 2 : sum - count / 2) / count;
                        int result = mean + zeroPoint;
                        target[c] = (sbyte)(result < -128 ? -128 : result > 127 ? 127 : result);
                    }
                }
            }
    }

    /// <summary>sums[i] += row[i].</summary>
    public static void AddInto(Span<int> sums, ReadOnlySpan<sbyte> row)
    {
        int i = 0;
#if NET8_0_OR_GREATER
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated && sums.Length >= row.Length)
        {
            ref int target = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(sums);
            ref sbyte source = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(row);
            for (; i <= row.Length - 16; i += 16)
            {
                var (low, high) = System.Runtime.Intrinsics.Vector128.Widen(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref source, (nuint)i));
                var (v0, v1) = System.Runtime.Intrinsics.Vector128.Widen(low);
                var (v2, v3) = System.Runtime.Intrinsics.Vector128.Widen(high);
                System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref target, (nuint)i) + v0, ref target, (nuint)i);
                System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref target, (nuint)(i + 4)) + v1, ref target, (nuint)(i + 4));
                System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref target, (nuint)(i + 8)) + v2, ref target, (nuint)(i + 8));
                System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref target, (nuint)(i + 12)) + v3, ref target, (nuint)(i + 12));
            }
        }
#endif
        for (; i < row.Length; i++) sums[i] += row[i];
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int((int)Pooling);
        w.Slice(Input); w.Slice(Output);
        Geometry.Write(w);
        w.Int(Channels); w.Int(ZeroPoint);
    }

    public static PoolInt8ChannelsLast Read(PlanBinaryReader r, string source) =>
        new(source, (PoolKind)r.Int(), r.Slice(), r.Slice(), PoolGeometry.Read(r), r.Int(), r.Int());

    public override void EmitCall(CodeWriter code, string name)
    {
        var g = Geometry;
        code.Line($"PoolChannelsLast({(int)Pooling} /* {Pooling} */, {Input.Expression(code)}, batch: {g.Planes / Channels}, channels: {Channels}, " +
                  $"inputHeight: {g.InputHeight}, inputWidth: {g.InputWidth}, outputHeight: {g.OutputHeight}, outputWidth: {g.OutputWidth},")
            .Line($"    kernelHeight: {g.KernelHeight}, kernelWidth: {g.KernelWidth}, strideHeight: {g.StrideHeight}, strideWidth: {g.StrideWidth}, " +
                  $"padTop: {g.PadTop}, padLeft: {g.PadLeft}, paddedHeight: {g.PaddedHeight}, paddedWidth: {g.PaddedWidth},")
            .Line($"    zeroPoint: {ZeroPoint}, {Output.Expression(code)});");
    }

    public override void EmitData(CodeWriter code, string name) { }
}
