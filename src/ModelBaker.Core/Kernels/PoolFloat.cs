using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Compression;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.WindowBounds;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Max or average pooling in float32 over 1, 2 or 3 spatial dimensions (MaxPool, AveragePool, GlobalMaxPool,
/// GlobalAveragePool), with strides, dilations, padding and ceil_mode's partial windows.
/// </summary>
public sealed class PoolFloat : FloatKernel
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

    public override Kernel Quantize(QuantizationContext context) => PoolInt8.From(this, context);

    public override KernelKind Kind => KernelKind.PoolFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * Geometry.ToArray().Length;
    public override IEnumerable<string> Helpers => new[] { nameof(PoolFloat), nameof(WindowBounds) };

    public override void Run(PlanArena arena) => Pool((int)Pooling, arena.Floats(Input), Geometry.ToArray(), arena.Floats(Output));

    // <emit>
    /// <summary>
    /// Float pooling, kind 0 = max, 1 = average over the taps inside the input, 2 = average counting padding as 0.
    /// geometry: planes, input D H W, output D H W, kernel D H W, strides D H W, dilations D H W, padding before D H W,
    /// padded extent D H W.
    /// </summary>
    public static void Pool(int kind, ReadOnlySpan<float> input, ReadOnlySpan<int> geometry, Span<float> output)
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
                    for (int ow = 0; ow < outputWidth; ow++, o++)
                    {
                        int left = ow * strideWidth - padLeft;
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

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Pool({(int)Pooling} /* {Pooling} */, {Input.Expression()}, {name}Geometry, {Output.Expression()});");

    public override void EmitData(CodeWriter code, string name) =>
        EmitArrays.Ints(code, $"{name}Geometry", Geometry.ToArray(), "pooling geometry: " + Geometry.Describe());
}
