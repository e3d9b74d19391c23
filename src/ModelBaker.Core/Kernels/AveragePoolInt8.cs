using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.WindowBounds;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Average pooling on int8 tensors whose output has parameters of its own (a QDQ or QOperator model's
/// QLinearAveragePool / QLinearGlobalAveragePool; <see cref="PoolInt8"/> keeps the input's). Each window's
/// Σ(q − input zero point) is scaled by input scale ÷ output scale (a Q31 multiplier and a shift) and divided by the
/// window's count in one 64-bit rounding — round half away from zero — then offset by the output zero point and saturated.
/// </summary>
public sealed class AveragePoolInt8 : Int8Kernel
{
    public AveragePoolInt8(string source, PoolKind pooling, ArenaSlice input, ArenaSlice output, PoolGeometry geometry,
        int inputZeroPoint, int multiplier, int shift, int outputZeroPoint) : base(source)
    {
        Pooling = pooling;
        Input = input;
        Output = output;
        Geometry = geometry;
        InputZeroPoint = inputZeroPoint;
        Multiplier = multiplier;
        Shift = shift;
        OutputZeroPoint = outputZeroPoint;
    }

    /// <summary><see cref="PoolKind.Average"/> or <see cref="PoolKind.AverageIncludingPadding"/>.</summary>
    public PoolKind Pooling { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public PoolGeometry Geometry { get; }
    public int InputZeroPoint { get; }
    /// <summary>Input scale ÷ output scale = Multiplier · 2^(Shift − 31).</summary>
    public int Multiplier { get; }
    public int Shift { get; }
    public int OutputZeroPoint { get; }

    /// <summary>An average pool whose output parameters are fixed apart from its input's.</summary>
    public static AveragePoolInt8 From(PoolFloat pool, QuantizationContext q)
    {
        var input = q.Parameters(pool.Input);
        var output = q.Parameters(pool.Output);
        var (multiplier, shift) = FixedPoint.QuantizeMultiplier(input.Scale / output.Scale);
        if (shift > 24 || shift < -30)
            throw new Diagnostics.BakeException(Diagnostics.ErrorCodes.UnsupportedOperatorUsage,
                $"Node {pool.Source}: its input scale {input.Scale} and output scale {output.Scale} are too far apart for an int8 average (ratio {input.Scale / output.Scale}). Bake the model with Precision=\"Float32\".");
        return new AveragePoolInt8(pool.Source, pool.Pooling, q.Slice(pool.Input), q.Slice(pool.Output), pool.Geometry,
            input.ZeroPoint, multiplier, shift, output.ZeroPoint);
    }

    public override KernelKind Kind => KernelKind.AveragePoolInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0; // the geometry and parameters are passed as literals
    public override IEnumerable<string> Helpers => new[] { nameof(AveragePoolInt8), nameof(WindowBounds) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(AveragePoolInt8) + "#Nano", nameof(WindowBounds) };

    public override void Run(PlanArena arena)
    {
        var g = Geometry;
        AveragePool(Pooling == PoolKind.AverageIncludingPadding, arena.Int8s(Input),
            g.Planes, g.InputDepth, g.InputHeight, g.InputWidth, g.OutputDepth, g.OutputHeight, g.OutputWidth,
            g.KernelDepth, g.KernelHeight, g.KernelWidth, g.StrideDepth, g.StrideHeight, g.StrideWidth, g.DilationDepth, g.DilationHeight, g.DilationWidth,
            g.PadFront, g.PadTop, g.PadLeft, g.PaddedDepth, g.PaddedHeight, g.PaddedWidth,
            InputZeroPoint, Multiplier, Shift, OutputZeroPoint, arena.Int8s(Output));
    }

    // <emit>
    /// <summary>
    /// Int8 average pooling into other output parameters: outputZeroPoint + round(Σ(q − inputZeroPoint) · multiplier ·
    /// 2^(shift − 31) / count), rounding half away from zero. count is the taps inside the input, or (includePadding)
    /// the taps inside the explicit padding as well. The geometry as for the float Pool.
    /// </summary>
    public static void AveragePool(bool includePadding, ReadOnlySpan<sbyte> input,
        int planes, int inputDepth, int inputHeight, int inputWidth, int outputDepth, int outputHeight, int outputWidth,
        int kernelDepth, int kernelHeight, int kernelWidth, int strideDepth, int strideHeight, int strideWidth,
        int dilationDepth, int dilationHeight, int dilationWidth, int padFront, int padTop, int padLeft,
        int paddedDepth, int paddedHeight, int paddedWidth,
        int inputZeroPoint, int multiplier, int shift, int outputZeroPoint, Span<sbyte> output)
    {
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
                        int sum = 0;
                        for (int kd = d0; kd < d1; kd++)
                        for (int kh = h0; kh < h1; kh++)
                        {
                            int row = ((front + kd * dilationDepth) * inputHeight + top + kh * dilationHeight) * inputWidth + left;
                            for (int kw = w0; kw < w1; kw++) sum += plane[row + kw * dilationWidth] - inputZeroPoint;
                        }
                        int count = (d1 - d0) * (h1 - h0) * (w1 - w0);
                        if (includePadding)
                        {
                            TapRange(left + padLeft, kernelWidth, dilationWidth, paddedWidth, out _, out int paddedTapsWidth);
                            count = paddedTapsDepth * paddedTapsHeight * paddedTapsWidth;
                        }
                        output[o] = ScaledMean(sum, count, multiplier, shift, outputZeroPoint);
                    }
                }
            }
        }
    }

    /// <summary>outputZeroPoint + round(sum · multiplier · 2^(shift − 31) / count), halves away from zero, saturated to int8.</summary>
    public static sbyte ScaledMean(int sum, int count, int multiplier, int shift, int outputZeroPoint)
    {
        if (count == 0) return (sbyte)(outputZeroPoint < -128 ? -128 : outputZeroPoint > 127 ? 127 : outputZeroPoint);
        long numerator = (long)sum * multiplier; // |sum| < 2^8 · count, multiplier < 2^31
        long q = (numerator >= 0 ? numerator + count / 2 : numerator - count / 2) / count;
        int right = 31 - shift;
        if (right > 0)
        {
            long half = 1L << (right - 1);
            q = q >= 0 ? (q + half) >> right : -((-q + half) >> right);
        }
        else q <<= -right;
        long result = q + outputZeroPoint;
        return (sbyte)(result < -128 ? -128 : result > 127 ? 127 : result);
    }
    // </emit>

    // <emit Nano>
    /// <summary>
    /// Int8 average pooling into other output parameters on arrays: outputZeroPoint + round(Σ(q − inputZeroPoint) ·
    /// multiplier · 2^(shift − 31) / count), rounding half away from zero; count as for the float Pool's average.
    /// </summary>
    public static void AveragePool(bool includePadding, sbyte[] input, int inputOffset,
        int planes, int inputDepth, int inputHeight, int inputWidth, int outputDepth, int outputHeight, int outputWidth,
        int kernelDepth, int kernelHeight, int kernelWidth, int strideDepth, int strideHeight, int strideWidth,
        int dilationDepth, int dilationHeight, int dilationWidth, int padFront, int padTop, int padLeft,
        int paddedDepth, int paddedHeight, int paddedWidth,
        int inputZeroPoint, int multiplier, int shift, int outputZeroPoint, sbyte[] output, int outputOffset)
    {
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
                        int sum = 0;
                        for (int kd = d0; kd < d1; kd++)
                        for (int kh = h0; kh < h1; kh++)
                        {
                            int row = ((front + kd * dilationDepth) * inputHeight + top + kh * dilationHeight) * inputWidth + left;
                            for (int kw = w0; kw < w1; kw++) sum += input[plane + row + kw * dilationWidth] - inputZeroPoint;
                        }
                        int count = (d1 - d0) * (h1 - h0) * (w1 - w0);
                        if (includePadding)
                        {
                            TapRange(left + padLeft, kernelWidth, dilationWidth, paddedWidth, out _, out int paddedTapsWidth);
                            count = paddedTapsDepth * paddedTapsHeight * paddedTapsWidth;
                        }
                        output[o] = NanoScaledMean(sum, count, multiplier, shift, outputZeroPoint);
                    }
                }
            }
        }
    }

    /// <summary>outputZeroPoint + round(sum · multiplier · 2^(shift − 31) / count), halves away from zero, saturated to int8.</summary>
    public static sbyte NanoScaledMean(int sum, int count, int multiplier, int shift, int outputZeroPoint)
    {
        if (count == 0) return (sbyte)(outputZeroPoint < -128 ? -128 : outputZeroPoint > 127 ? 127 : outputZeroPoint);
        long numerator = (long)sum * multiplier;
        long q = (numerator >= 0 ? numerator + count / 2 : numerator - count / 2) / count;
        int right = 31 - shift;
        if (right > 0)
        {
            long half = 1L << (right - 1);
            q = q >= 0 ? (q + half) >> right : -((-q + half) >> right);
        }
        else q <<= -right;
        long result = q + outputZeroPoint;
        return (sbyte)(result < -128 ? -128 : result > 127 ? 127 : result);
    }
    // </emit>

    private string Literals() =>
        $"inputZeroPoint: {InputZeroPoint}, multiplier: {Multiplier}, shift: {Shift}, outputZeroPoint: {OutputZeroPoint}";

    public override void EmitCall(CodeWriter code, string name)
    {
        string[] g = Geometry.Arguments();
        code.Line($"AveragePool({(Pooling == PoolKind.AverageIncludingPadding ? "true" : "false")} /* include padding */, {Input.Expression(code)},")
            .Line($"    {g[0]}").Line($"    {g[1]}").Line($"    {g[2]}").Line($"    {Literals()}, {Output.Expression(code)});");
    }

    public override void EmitNanoCall(CodeWriter code, string name)
    {
        string[] g = Geometry.Arguments();
        code.Line($"AveragePool({(Pooling == PoolKind.AverageIncludingPadding ? "true" : "false")} /* include padding */, {Input.NanoArguments(code)},")
            .Line($"    {g[0]}").Line($"    {g[1]}").Line($"    {g[2]}").Line($"    {Literals()}, {Output.NanoArguments(code)});");
    }

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Pooling); w.Slice(Input); w.Slice(Output);
        Geometry.Write(w);
        w.Int(InputZeroPoint); w.Int(Multiplier); w.Int(Shift); w.Int(OutputZeroPoint);
    }

    public static AveragePoolInt8 Read(PlanBinaryReader r, string source) =>
        new(source, (PoolKind)r.Byte(), r.Slice(), r.Slice(), PoolGeometry.Read(r), r.Int(), r.Int(), r.Int(), r.Int());

    public override void EmitData(CodeWriter code, string name) { }
}
