using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.WindowBounds;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Max or average pooling in float32 over 1, 2 or 3 spatial dimensions (MaxPool, AveragePool, GlobalMaxPool,
/// GlobalAveragePool), with strides, dilations, padding and ceil_mode's partial windows.
/// </summary>
public sealed class PoolFloat : FloatKernel, IDifferentiable
{
    public PoolFloat(string source, PoolKind pooling, ArenaSlice input, ArenaSlice output, PoolGeometry geometry) : base(source)
    {
        Pooling = pooling;
        Input = input;
        Output = output;
        Geometry = geometry;
    }

    /// <summary>Max or average (the plan's kind tag is <see cref="Kind"/>).</summary>
    public PoolKind Pooling { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public PoolGeometry Geometry { get; }

    /// <summary>
    /// Int8 pooling keeps the input's parameters; an average whose output parameters a QDQ model fixes apart from its
    /// input's requantizes as it divides.
    /// </summary>
    public override Kernel Quantize(QuantizationContext context) =>
        Pooling != PoolKind.Max && context.HasParameters(Output) && !context.Parameters(Output).Equals(context.Parameters(Input))
            ? AveragePoolInt8.From(this, context)
            : PoolInt8.From(this, context);

    public override KernelKind Kind => KernelKind.PoolFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0; // the geometry is passed as literals
    public override IEnumerable<string> Helpers => new[] { nameof(PoolFloat), nameof(WindowBounds) };

    public override void Run(PlanArena arena)
    {
        var g = Geometry;
        Pool((int)Pooling, arena.Floats(Input),
            g.Planes, g.InputDepth, g.InputHeight, g.InputWidth, g.OutputDepth, g.OutputHeight, g.OutputWidth,
            g.KernelDepth, g.KernelHeight, g.KernelWidth, g.StrideDepth, g.StrideHeight, g.StrideWidth, g.DilationDepth, g.DilationHeight, g.DilationWidth,
            g.PadFront, g.PadTop, g.PadLeft, g.PaddedDepth, g.PaddedHeight, g.PaddedWidth,
            arena.Floats(Output));
    }

    // <emit>
    /// <summary>
    /// Float pooling, kind 0 = max, 1 = average over the taps inside the input, 2 = average counting padding as 0.
    /// The geometry: planes, input D H W, output D H W, kernel D H W, strides D H W, dilations D H W, padding before D H W,
    /// padded extent D H W (where the padding after each axis ends).
    /// </summary>
    public static void Pool(int kind, ReadOnlySpan<float> input,
        int planes, int inputDepth, int inputHeight, int inputWidth, int outputDepth, int outputHeight, int outputWidth,
        int kernelDepth, int kernelHeight, int kernelWidth, int strideDepth, int strideHeight, int strideWidth,
        int dilationDepth, int dilationHeight, int dilationWidth, int padFront, int padTop, int padLeft,
        int paddedDepth, int paddedHeight, int paddedWidth,
        Span<float> output)
    {
        int inputPlane = inputDepth * inputHeight * inputWidth, window = kernelDepth * kernelHeight * kernelWidth;
        // Outputs whose window lies inside the input along the width; with full depth and height ranges they read every tap.
        InsideRange(outputWidth, inputWidth, kernelWidth, strideWidth, dilationWidth, padLeft, out int firstInside, out int endInside);
        int o = 0;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<float> plane = input.Slice(p * inputPlane, inputPlane);
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
                    bool fullRows = d0 == 0 && d1 == kernelDepth && h0 == 0 && h1 == kernelHeight;
                    for (int ow = 0; ow < outputWidth; ow++, o++)
                    {
                        int left = ow * strideWidth - padLeft;
                        if (fullRows && ow >= firstInside && ow < endInside)
                        {
                            // Every tap inside the input: no bounds, and both averages count the whole window (same taps, same order).
                            float largest = float.MinValue, total = 0f;
                            for (int kd = 0; kd < kernelDepth; kd++)
                            {
                                for (int kh = 0; kh < kernelHeight; kh++)
                                {
                                    ReadOnlySpan<float> taps = plane.Slice(((front + kd * dilationDepth) * inputHeight + top + kh * dilationHeight) * inputWidth + left,
                                        (kernelWidth - 1) * dilationWidth + 1);
                                    for (int kw = 0; kw < taps.Length; kw += dilationWidth)
                                    {
                                        float value = taps[kw];
                                        if (value > largest) largest = value;
                                        total += value;
                                    }
                                }
                            }
                            output[o] = kind == 0 ? largest : total / window;
                            continue;
                        }
                        TapRange(left, kernelWidth, dilationWidth, inputWidth, out int w0, out int w1);
                        float best = float.MinValue, sum = 0f;
                        for (int kd = d0; kd < d1; kd++)
                        {
                            for (int kh = h0; kh < h1; kh++)
                            {
                                int row = ((front + kd * dilationDepth) * inputHeight + top + kh * dilationHeight) * inputWidth + left;
                                for (int kw = w0; kw < w1; kw++)
                                {
                                    float value = plane[row + kw * dilationWidth];
                                    if (value > best) best = value;
                                    sum += value;
                                }
                            }
                        }
                        if (kind == 0)
                        {
                            output[o] = best;
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
                        output[o] = count == 0 ? 0f : sum / count;
                    }
                }
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Pooling); w.Slice(Input); w.Slice(Output);
        Geometry.Write(w);
    }

    public static PoolFloat Read(PlanBinaryReader r, string source) =>
        new(source, (PoolKind)r.Byte(), r.Slice(), r.Slice(), PoolGeometry.Read(r));

    public override void EmitCall(CodeWriter code, string name)
    {
        string[] g = Geometry.Arguments();
        code.Line($"Pool({(int)Pooling} /* {Pooling} */, {Input.Expression(code)},").Line($"    {g[0]}").Line($"    {g[1]}").Line($"    {g[2]}").Line($"    {Output.Expression(code)});");
    }

    public override void EmitData(CodeWriter code, string name) { }

    /// <summary>Max pooling sends each gradient to the window's first largest tap; average pooling spreads it over the counted taps.</summary>
    public string? NoGradient => null;

    public void Backward(float[][] inputs, float[] forwardOutput, double[] output, double[][] inputGradients)
    {
        float[] input = inputs[0];
        double[] inputGradient = inputGradients[0];
        var g = Geometry;
        int inputPlane = g.InputDepth * g.InputHeight * g.InputWidth, o = 0;
        for (int p = 0; p < g.Planes; p++)
            for (int od = 0; od < g.OutputDepth; od++)
            {
                int front = od * g.StrideDepth - g.PadFront;
                WindowBounds.TapRange(front, g.KernelDepth, g.DilationDepth, g.InputDepth, out int d0, out int d1);
                WindowBounds.TapRange(front + g.PadFront, g.KernelDepth, g.DilationDepth, g.PaddedDepth, out _, out int paddedDepth);
                for (int oh = 0; oh < g.OutputHeight; oh++)
                {
                    int top = oh * g.StrideHeight - g.PadTop;
                    WindowBounds.TapRange(top, g.KernelHeight, g.DilationHeight, g.InputHeight, out int h0, out int h1);
                    WindowBounds.TapRange(top + g.PadTop, g.KernelHeight, g.DilationHeight, g.PaddedHeight, out _, out int paddedHeight);
                    for (int ow = 0; ow < g.OutputWidth; ow++, o++)
                    {
                        int left = ow * g.StrideWidth - g.PadLeft;
                        WindowBounds.TapRange(left, g.KernelWidth, g.DilationWidth, g.InputWidth, out int w0, out int w1);
                        WindowBounds.TapRange(left + g.PadLeft, g.KernelWidth, g.DilationWidth, g.PaddedWidth, out _, out int paddedWidth);
                        var taps = new List<int>();
                        for (int kd = d0; kd < d1; kd++)
                            for (int kh = h0; kh < h1; kh++)
                                for (int kw = w0; kw < w1; kw++)
                                    taps.Add(p * inputPlane + ((front + kd * g.DilationDepth) * g.InputHeight + top + kh * g.DilationHeight) * g.InputWidth
                                        + left + kw * g.DilationWidth);
                        if (taps.Count == 0) continue;
                        if (Pooling == PoolKind.Max)
                        {
                            int best = taps[0];
                            foreach (int t in taps) if (input[t] > input[best]) best = t;
                            inputGradient[best] += output[o];
                            continue;
                        }
                        int count = Pooling == PoolKind.Average ? taps.Count : paddedDepth * paddedHeight * paddedWidth;
                        foreach (int t in taps) inputGradient[t] += output[o] / count;
                    }
                }
            }
    }
}
