using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Compression;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.WindowBounds;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Max or average pooling on int8 tensors. The output keeps the input's scale and zero point (as in TensorFlow Lite
/// Micro), so max pooling is exact and average pooling is one rounded integer division.
/// </summary>
public sealed class PoolInt8 : Int8Kernel
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
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * Geometry.ToArray().Length;
    public override IEnumerable<string> Helpers => new[] { nameof(PoolInt8), nameof(WindowBounds) };

    public override void Run(PlanArena arena) =>
        Pool((int)Pooling, arena.Int8s(Input), Geometry.ToArray(), ZeroPoint, arena.Int8s(Output));

    // <emit>
    /// <summary>
    /// Int8 pooling (same scale and zero point in and out), kind 0 = max, 1 = average over the taps inside the input,
    /// 2 = average counting padding as real 0. Averages round half away from zero: zeroPoint + (Σ(q − zeroPoint) ± count/2) / count.
    /// geometry: as for the float Pool.
    /// </summary>
    public static void Pool(int kind, ReadOnlySpan<sbyte> input, ReadOnlySpan<int> geometry, int zeroPoint, Span<sbyte> output)
    {
        int planes = geometry[0], inputDepth = geometry[1], inputHeight = geometry[2], inputWidth = geometry[3];
        int outputDepth = geometry[4], outputHeight = geometry[5], outputWidth = geometry[6];
        int kernelDepth = geometry[7], kernelHeight = geometry[8], kernelWidth = geometry[9];
        int strideDepth = geometry[10], strideHeight = geometry[11], strideWidth = geometry[12];
        int dilationDepth = geometry[13], dilationHeight = geometry[14], dilationWidth = geometry[15];
        int padFront = geometry[16], padTop = geometry[17], padLeft = geometry[18];
        int paddedDepth = geometry[19], paddedHeight = geometry[20], paddedWidth = geometry[21];
        int inputPlane = inputDepth * inputHeight * inputWidth;
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
                        TapRange(left, kernelWidth, dilationWidth, inputWidth, out int w0, out int w1);
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
    // </emit>

    // <emit Nano>
    /// <summary>
    /// Int8 pooling on arrays (same scale and zero point in and out), kind 0 = max, 1 = average over the taps inside the input,
    /// 2 = average counting padding as real 0. Averages round half away from zero: zeroPoint + (Σ(q − zeroPoint) ± count/2) / count.
    /// geometry: as for the float Pool.
    /// </summary>
    public static void Pool(int kind, sbyte[] input, int inputOffset, int[] geometry, int zeroPoint, sbyte[] output, int outputOffset)
    {
        int planes = geometry[0], inputDepth = geometry[1], inputHeight = geometry[2], inputWidth = geometry[3];
        int outputDepth = geometry[4], outputHeight = geometry[5], outputWidth = geometry[6];
        int kernelDepth = geometry[7], kernelHeight = geometry[8], kernelWidth = geometry[9];
        int strideDepth = geometry[10], strideHeight = geometry[11], strideWidth = geometry[12];
        int dilationDepth = geometry[13], dilationHeight = geometry[14], dilationWidth = geometry[15];
        int padFront = geometry[16], padTop = geometry[17], padLeft = geometry[18];
        int paddedDepth = geometry[19], paddedHeight = geometry[20], paddedWidth = geometry[21];
        int inputPlane = inputDepth * inputHeight * inputWidth;
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
                        TapRange(left, kernelWidth, dilationWidth, inputWidth, out int w0, out int w1);
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

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"Pool({(int)Pooling} /* {Pooling} */, {Input.NanoArguments()}, {name}Geometry, zeroPoint: {ZeroPoint}, {Output.NanoArguments()});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Pooling); w.Slice(Input); w.Slice(Output);
        Geometry.Write(w);
        w.Int(ZeroPoint);
    }

    public static PoolInt8 Read(PlanBinaryReader r, string source) =>
        new(source, (PoolKind)r.Byte(), r.Slice(), r.Slice(), PoolGeometry.Read(r), r.Int());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Pool({(int)Pooling} /* {Pooling} */, {Input.Expression()}, {name}Geometry, zeroPoint: {ZeroPoint}, {Output.Expression()});");

    public override void EmitData(CodeWriter code, string name) =>
        EmitArrays.Ints(code, $"{name}Geometry", Geometry.ToArray(), "pooling geometry: " + Geometry.Describe());
}
