using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.WindowBounds;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Max or average pooling on int8 tensors. The output keeps the input's scale and zero point (as in TensorFlow Lite
/// Micro), so max pooling is exact and average pooling is one rounded integer division.
/// </summary>
public sealed class PoolInt8 : Int8Kernel, IChannelsLastKernel
{
    public PoolInt8(string source, PoolKind pooling, ArenaSlice input, ArenaSlice output, PoolGeometry geometry, int zeroPoint) : base(source)
    {
        Pooling = pooling;
        Input = input;
        Output = output;
        Geometry = geometry;
        ZeroPoint = zeroPoint;
    }

    public PoolKind Pooling { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public PoolGeometry Geometry { get; }
    /// <summary>Of input and output alike: real 0, what padding stands for when it is averaged.</summary>
    public int ZeroPoint { get; }

    /// <summary>The output gets the input's parameters: pooling never leaves the input's range.</summary>
    public static PoolInt8 From(PoolFloat pool, QuantizationContext q)
    {
        var parameters = q.Fix(pool.Output, q.Parameters(pool.Input));
        return new PoolInt8(pool.Source, pool.Pooling, q.Slice(pool.Input), q.Slice(pool.Output), pool.Geometry, parameters.ZeroPoint);
    }

    public override KernelKind Kind => KernelKind.PoolInt8;

    public IReadOnlyList<LayoutOperand>? LayoutOperands =>
        PoolInt8ChannelsLast.Supports(Geometry) && Input.Shape is { Length: 4 } shape && Geometry.Planes == shape[0] * shape[1]
            ? new[]
            {
                new LayoutOperand(Input, shape[0], shape[1], Geometry.InputHeight * Geometry.InputWidth),
                new LayoutOperand(Output, shape[0], shape[1], Geometry.OutputHeight * Geometry.OutputWidth),
            }
            : null;

    public bool LeadsChannelsLast => false;

    public Kernel ToChannelsLast(Func<ArenaSlice, ArenaSlice> slice) => PoolInt8ChannelsLast.Of(this, Input.Shape![1], slice(Input), slice(Output));
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0; // the geometry is passed as literals
    public override IEnumerable<string> Helpers => new[] { nameof(PoolInt8), nameof(WindowBounds) };

    public override void Run(PlanArena arena)
    {
        var g = Geometry;
        Pool((int)Pooling, arena.Int8s(Input),
            g.Planes, g.InputDepth, g.InputHeight, g.InputWidth, g.OutputDepth, g.OutputHeight, g.OutputWidth,
            g.KernelDepth, g.KernelHeight, g.KernelWidth, g.StrideDepth, g.StrideHeight, g.StrideWidth, g.DilationDepth, g.DilationHeight, g.DilationWidth,
            g.PadFront, g.PadTop, g.PadLeft, g.PaddedDepth, g.PaddedHeight, g.PaddedWidth,
            ZeroPoint, arena.Int8s(Output));
    }

    // <emit>
    /// <summary>
    /// Int8 pooling (same scale and zero point in and out), kind 0 = max, 1 = average over the taps inside the input,
    /// 2 = average counting padding as real 0. Averages round half away from zero: zeroPoint + (Σ(q − zeroPoint) ± count/2) / count.
    /// The geometry as for the float Pool.
    /// </summary>
    public static void Pool(int kind, ReadOnlySpan<sbyte> input,
        int planes, int inputDepth, int inputHeight, int inputWidth, int outputDepth, int outputHeight, int outputWidth,
        int kernelDepth, int kernelHeight, int kernelWidth, int strideDepth, int strideHeight, int strideWidth,
        int dilationDepth, int dilationHeight, int dilationWidth, int padFront, int padTop, int padLeft,
        int paddedDepth, int paddedHeight, int paddedWidth,
        int zeroPoint, Span<sbyte> output)
    {
        int inputPlane = inputDepth * inputHeight * inputWidth;
        InsideRange(outputWidth, inputWidth, kernelWidth, strideWidth, dilationWidth, padLeft, out int firstInside, out int endInside);
        if (kind == 0 && inputDepth == 1 && kernelDepth == 1 && dilationHeight == 1 && inputWidth <= 4096)
        {
            MaxPoolRows(input, planes, inputHeight, inputWidth, outputHeight, outputWidth, kernelHeight, kernelWidth, strideHeight, strideWidth,
                dilationWidth, padTop, padLeft, firstInside, endInside, output);
            return;
        }
        int o = 0;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<sbyte> plane = input.Slice(p * inputPlane, inputPlane);
            for (int od = 0; od < outputDepth; od++)
            {
                int front = od * strideDepth - padFront;
                TapRange(front, kernelDepth, dilationDepth, inputDepth, out int d0, out int d1);
                TapRange(front + padFront, kernelDepth, dilationDepth, paddedDepth, out _, out int paddedTapsDepth);
                for (int oh = 0; oh < outputHeight; oh++)
                {
                    int top = oh * strideHeight - padTop;
                    TapRange(top, kernelHeight, dilationHeight, inputHeight, out int h0, out int h1);
                    TapRange(top + padTop, kernelHeight, dilationHeight, paddedHeight, out _, out int paddedTapsHeight);
                    for (int ow = 0; ow < outputWidth; ow++, o++)
                    {
                        int left = ow * strideWidth - padLeft;
                        // Inside the input every tap counts: the divisions of TapRange only at the border.
                        int w0 = 0, w1 = kernelWidth;
                        if (ow < firstInside || ow >= endInside) TapRange(left, kernelWidth, dilationWidth, inputWidth, out w0, out w1);
                        int best = -128, sum = 0;
                        for (int kd = d0; kd < d1; kd++)
                        {
                            for (int kh = h0; kh < h1; kh++)
                            {
                                int row = ((front + kd * dilationDepth) * inputHeight + top + kh * dilationHeight) * inputWidth + left;
                                for (int kw = w0; kw < w1; kw++)
                                {
                                    int value = plane[row + kw * dilationWidth];
                                    if (value > best) best = value;
                                    sum += value - zeroPoint;
                                }
                            }
                        }
                        if (kind == 0)
                        {
                            output[o] = (sbyte)best;
                            continue;
                        }
                        int count;
                        if (kind == 1)
                        {
                            count = (d1 - d0) * (h1 - h0) * (w1 - w0);
                        }
                        else
                        {
                            TapRange(left + padLeft, kernelWidth, dilationWidth, paddedWidth, out _, out int paddedTapsWidth);
                            count = paddedTapsDepth * paddedTapsHeight * paddedTapsWidth;
                        }
                        int mean = count == 0 ? 0 : (sum >= 0 ? sum + count / 2 : sum - count / 2) / count;
                        int result = mean + zeroPoint;
                        output[o] = (sbyte)(result < -128 ? -128 : result > 127 ? 127 : result);
                    }
                }
            }
        }
    }

    /// <summary>
    /// 2-D max pooling, separably: the maximum of each window's rows first, a whole input row at a time (vectorised), then
    /// the maximum across each window's columns of that row. Taps in the padding are skipped, as in <see cref="Pool"/>.
    /// </summary>
    public static void MaxPoolRows(ReadOnlySpan<sbyte> input, int planes, int inputHeight, int inputWidth, int outputHeight, int outputWidth,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationWidth, int padTop, int padLeft,
        int firstInside, int endInside, Span<sbyte> output)
    {
        Span<sbyte> rowMax = stackalloc sbyte[inputWidth];
        int o = 0;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<sbyte> plane = input.Slice(p * inputHeight * inputWidth, inputHeight * inputWidth);
            for (int oh = 0; oh < outputHeight; oh++)
            {
                int top = oh * strideHeight - padTop;
                TapRange(top, kernelHeight, 1, inputHeight, out int h0, out int h1);
                if (h1 <= h0) rowMax.Fill(-128);
                else plane.Slice((top + h0) * inputWidth, inputWidth).CopyTo(rowMax);
                for (int kh = h0 + 1; kh < h1; kh++) MaxInto(rowMax, plane.Slice((top + kh) * inputWidth, inputWidth));
                for (int ow = 0; ow < outputWidth; ow++, o++)
                {
                    int left = ow * strideWidth - padLeft, w0 = 0, w1 = kernelWidth;
                    if (ow < firstInside || ow >= endInside) TapRange(left, kernelWidth, dilationWidth, inputWidth, out w0, out w1);
                    int best = -128;
                    for (int kw = w0; kw < w1; kw++)
                    {
                        int value = rowMax[left + kw * dilationWidth];
                        if (value > best) best = value;
                    }
                    output[o] = (sbyte)best;
                }
            }
        }
    }

    /// <summary>into[i] = max(into[i], row[i]).</summary>
    public static void MaxInto(Span<sbyte> into, ReadOnlySpan<sbyte> row)
    {
        int i = 0;
#if NET8_0_OR_GREATER
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)
        {
            ref sbyte target = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(into);
            ref sbyte source = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(row);
            for (; i <= into.Length - 16 && i <= row.Length - 16; i += 16)
                System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector128.Max(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref target, (nuint)i),
                    System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref source, (nuint)i)), ref target, (nuint)i);
            // Eight bytes at a time for what is left (channels-last pooling of 8–15 channels: a pixel's channels per call).
            for (; i <= into.Length - 8 && i <= row.Length - 8; i += 8)
            {
                ref byte t = ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(ref System.Runtime.CompilerServices.Unsafe.Add(ref target, i));
                var max = System.Runtime.Intrinsics.Vector128.Max(
                    System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.CreateScalar(System.Runtime.CompilerServices.Unsafe.ReadUnaligned<long>(ref t))),
                    System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.CreateScalar(System.Runtime.CompilerServices.Unsafe.ReadUnaligned<long>(
                        ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(ref System.Runtime.CompilerServices.Unsafe.Add(ref source, i))))));
                System.Runtime.CompilerServices.Unsafe.WriteUnaligned(ref t, System.Runtime.Intrinsics.Vector128.ToScalar(System.Runtime.Intrinsics.Vector128.AsInt64(max)));
            }
        }
#endif
        for (; i < into.Length; i++)
            if (row[i] > into[i]) into[i] = row[i];
    }
    // </emit>

    // <emit Nano>
    /// <summary>
    /// Int8 pooling on arrays (same scale and zero point in and out), kind 0 = max, 1 = average over the taps inside the input,
    /// 2 = average counting padding as real 0. Averages round half away from zero: zeroPoint + (Σ(q − zeroPoint) ± count/2) / count.
    /// The geometry as for the float Pool.
    /// </summary>
    public static void Pool(int kind, sbyte[] input, int inputOffset,
        int planes, int inputDepth, int inputHeight, int inputWidth, int outputDepth, int outputHeight, int outputWidth,
        int kernelDepth, int kernelHeight, int kernelWidth, int strideDepth, int strideHeight, int strideWidth,
        int dilationDepth, int dilationHeight, int dilationWidth, int padFront, int padTop, int padLeft,
        int paddedDepth, int paddedHeight, int paddedWidth,
        int zeroPoint, sbyte[] output, int outputOffset)
    {
        int inputPlane = inputDepth * inputHeight * inputWidth;
        InsideRange(outputWidth, inputWidth, kernelWidth, strideWidth, dilationWidth, padLeft, out int firstInside, out int endInside);
        int o = outputOffset;
        for (int p = 0; p < planes; p++)
        {
            int plane = inputOffset + p * inputPlane;
            for (int od = 0; od < outputDepth; od++)
            {
                int front = od * strideDepth - padFront;
                TapRange(front, kernelDepth, dilationDepth, inputDepth, out int d0, out int d1);
                TapRange(front + padFront, kernelDepth, dilationDepth, paddedDepth, out _, out int paddedTapsDepth);
                for (int oh = 0; oh < outputHeight; oh++)
                {
                    int top = oh * strideHeight - padTop;
                    TapRange(top, kernelHeight, dilationHeight, inputHeight, out int h0, out int h1);
                    TapRange(top + padTop, kernelHeight, dilationHeight, paddedHeight, out _, out int paddedTapsHeight);
                    for (int ow = 0; ow < outputWidth; ow++, o++)
                    {
                        int left = ow * strideWidth - padLeft;
                        // Inside the input every tap counts: the divisions of TapRange only at the border.
                        int w0 = 0, w1 = kernelWidth;
                        if (ow < firstInside || ow >= endInside) TapRange(left, kernelWidth, dilationWidth, inputWidth, out w0, out w1);
                        int best = -128, sum = 0;
                        for (int kd = d0; kd < d1; kd++)
                        {
                            for (int kh = h0; kh < h1; kh++)
                            {
                                int row = ((front + kd * dilationDepth) * inputHeight + top + kh * dilationHeight) * inputWidth + left;
                                for (int kw = w0; kw < w1; kw++)
                                {
                                    int value = input[plane + row + kw * dilationWidth];
                                    if (value > best) best = value;
                                    sum += value - zeroPoint;
                                }
                            }
                        }
                        if (kind == 0)
                        {
                            output[o] = (sbyte)best;
                            continue;
                        }
                        int count;
                        if (kind == 1)
                        {
                            count = (d1 - d0) * (h1 - h0) * (w1 - w0);
                        }
                        else
                        {
                            TapRange(left + padLeft, kernelWidth, dilationWidth, paddedWidth, out _, out int paddedTapsWidth);
                            count = paddedTapsDepth * paddedTapsHeight * paddedTapsWidth;
                        }
                        int mean = count == 0 ? 0 : (sum >= 0 ? sum + count / 2 : sum - count / 2) / count;
                        int result = mean + zeroPoint;
                        output[o] = (sbyte)(result < -128 ? -128 : result > 127 ? 127 : result);
                    }
                }
            }
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(PoolInt8) + "#Nano", nameof(WindowBounds) };

    public override void EmitNanoCall(CodeWriter code, string name)
    {
        string[] g = Geometry.Arguments();
        code.Line($"Pool({(int)Pooling} /* {Pooling} */, {Input.NanoArguments(code)},").Line($"    {g[0]}").Line($"    {g[1]}").Line($"    {g[2]}").Line($"    zeroPoint: {ZeroPoint}, {Output.NanoArguments(code)});");
    }

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Pooling); w.Slice(Input); w.Slice(Output);
        Geometry.Write(w);
        w.Int(ZeroPoint);
    }

    public static PoolInt8 Read(PlanBinaryReader r, string source) =>
        new(source, (PoolKind)r.Byte(), r.Slice(), r.Slice(), PoolGeometry.Read(r), r.Int());

    public override void EmitCall(CodeWriter code, string name)
    {
        string[] g = Geometry.Arguments();
        code.Line($"Pool({(int)Pooling} /* {Pooling} */, {Input.Expression(code)},").Line($"    {g[0]}").Line($"    {g[1]}").Line($"    {g[2]}").Line($"    zeroPoint: {ZeroPoint}, {Output.Expression(code)});");
    }

    public override void EmitData(CodeWriter code, string name) { }
}
