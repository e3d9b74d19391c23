using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.WindowBounds;
using static ModelBaker.Core.Kernels.FloatGemm;
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
    public override IEnumerable<string> Helpers => new[] { nameof(PoolFloat), nameof(FloatGemm), nameof(WindowBounds) };

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
        if (kernelDepth == inputDepth && kernelHeight == inputHeight && kernelWidth == inputWidth && padFront == 0 && padTop == 0 && padLeft == 0
            && outputDepth == 1 && outputHeight == 1 && outputWidth == 1 && (kernelDepth == 1 || dilationDepth == 1)
            && (kernelHeight == 1 || dilationHeight == 1) && (kernelWidth == 1 || dilationWidth == 1))
        {
            WholePlanes(kind, input, planes, inputPlane, output);
            return;
        }
        // Outputs whose window lies inside the input along the width; with full depth and height ranges they read every tap.
        InsideRange(outputWidth, inputWidth, kernelWidth, strideWidth, dilationWidth, padLeft, out int firstInside, out int endInside);
#if NET8_0_OR_GREATER
        InsideRange(outputDepth, inputDepth, kernelDepth, strideDepth, dilationDepth, padFront, out int firstFront, out int endFront);
        InsideRange(outputHeight, inputHeight, kernelHeight, strideHeight, dilationHeight, padTop, out int firstTop, out int endTop);
        int outputPlane = outputDepth * outputHeight * outputWidth;
        if (System.Numerics.Vector.IsHardwareAccelerated && outputWidth < System.Numerics.Vector<float>.Count
            && outputPlane >= System.Numerics.Vector<float>.Count && window * outputPlane <= 4096
            && firstInside == 0 && endInside == outputWidth && firstTop == 0 && endTop == outputHeight && firstFront == 0 && endFront == outputDepth)
        {
            PoolPanels(kind, input, planes, inputDepth, inputHeight, inputWidth, outputDepth, outputHeight, outputWidth, kernelDepth, kernelHeight, kernelWidth,
                strideDepth, strideHeight, strideWidth, dilationDepth, dilationHeight, dilationWidth, padFront, padTop, padLeft, output);
            return;
        }
#endif
        // Interior runs of outputs go through vectors, lanes along the row, when the run fills at least one vector; the
        // strided rows' column phases are copied to the stack so that each tap of neighbouring outputs is one load.
        int vectorEnd = firstInside, reach = (kernelWidth - 1) * dilationWidth / strideWidth;
        int phaseLength = endInside - firstInside + reach, tapRows = kernelDepth * kernelHeight;
#if NET8_0_OR_GREATER
        if (System.Numerics.Vector.IsHardwareAccelerated && endInside - firstInside >= System.Numerics.Vector<float>.Count
            && (strideWidth == 1 || tapRows * strideWidth * phaseLength <= 4096))
            vectorEnd = endInside;
#endif
        bool phased = strideWidth > 1;
#if NET8_0_OR_GREATER
        phased = phased && !PairedColumns(strideWidth);
#endif
        Span<float> phases = stackalloc float[vectorEnd > firstInside && phased ? tapRows * strideWidth * phaseLength : 0];
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
#if NET8_0_OR_GREATER
                    if (fullRows && vectorEnd > firstInside)
                        PoolRunVectors(kind, plane, front, top, inputHeight, inputWidth, kernelDepth, kernelHeight, kernelWidth,
                            strideWidth, dilationDepth, dilationHeight, dilationWidth, firstInside * strideWidth - padLeft, phaseLength, phases,
                            output.Slice(o + firstInside, endInside - firstInside));
#endif
                    for (int ow = 0; ow < outputWidth; ow++, o++)
                    {
                        int left = ow * strideWidth - padLeft;
                        if (fullRows && ow >= firstInside && ow < vectorEnd)
                        {
                            ow = vectorEnd - 1; // written by the vectors
                            o += vectorEnd - firstInside - 1;
                            continue;
                        }
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

    /// <summary>
    /// A pool whose window is each whole plane, read in memory order (global pooling): four planes at a time, four
    /// independent chains of compares or adds instead of one, each in the taps' order from the same start.
    /// </summary>
    private static void WholePlanes(int kind, ReadOnlySpan<float> input, int planes, int window, Span<float> output)
    {
        int p = 0;
        for (; p + 4 <= planes; p += 4)
        {
            ReadOnlySpan<float> a = input.Slice(p * window, window), b = input.Slice((p + 1) * window, window);
            ReadOnlySpan<float> c = input.Slice((p + 2) * window, window), d = input.Slice((p + 3) * window, window);
            float sa = kind == 0 ? float.MinValue : 0f, sb = sa, sc = sa, sd = sa;
            if (kind == 0)
            {
                for (int t = 0; t < window; t++)
                {
                    float va = a[t], vb = b[t], vc = c[t], vd = d[t];
                    if (va > sa) sa = va;
                    if (vb > sb) sb = vb;
                    if (vc > sc) sc = vc;
                    if (vd > sd) sd = vd;
                }
                output[p] = sa; output[p + 1] = sb; output[p + 2] = sc; output[p + 3] = sd;
                continue;
            }
            for (int t = 0; t < window; t++)
            {
                sa += a[t]; sb += b[t]; sc += c[t]; sd += d[t];
            }
            output[p] = sa / window; output[p + 1] = sb / window; output[p + 2] = sc / window; output[p + 3] = sd / window;
        }
        for (; p < planes; p++)
        {
            ReadOnlySpan<float> a = input.Slice(p * window, window);
            float largest = float.MinValue, total = 0f;
            for (int t = 0; t < window; t++)
            {
                float value = a[t];
                if (value > largest) largest = value;
                total += value;
            }
            output[p] = kind == 0 ? largest : total / window;
        }
    }

#if NET8_0_OR_GREATER
    /// <summary>
    /// Small maps (rows narrower than a vector) whose every window lies inside the input: per plane, each tap's value for
    /// every output is copied into a panel (tap-major), and lanes run along the plane's outputs in order, across rows —
    /// each lane the scalar loop's sequence of taps, from the same start.
    /// </summary>
    private static void PoolPanels(int kind, ReadOnlySpan<float> input, int planes, int inputDepth, int inputHeight, int inputWidth,
        int outputDepth, int outputHeight, int outputWidth, int kernelDepth, int kernelHeight, int kernelWidth, int strideDepth, int strideHeight,
        int strideWidth, int dilationDepth, int dilationHeight, int dilationWidth, int padFront, int padTop, int padLeft, Span<float> output)
    {
        int lanes = System.Numerics.Vector<float>.Count, window = kernelDepth * kernelHeight * kernelWidth;
        int inputPlane = inputDepth * inputHeight * inputWidth, outputPlane = outputDepth * outputHeight * outputWidth;
        Span<float> panel = stackalloc float[window * outputPlane];
        Span<int> taps = stackalloc int[window];
        for (int kd = 0, t = 0; kd < kernelDepth; kd++)
            for (int kh = 0; kh < kernelHeight; kh++)
                for (int kw = 0; kw < kernelWidth; kw++, t++)
                    taps[t] = (kd * dilationDepth * inputHeight + kh * dilationHeight) * inputWidth + kw * dilationWidth;
        var divisor = new System.Numerics.Vector<float>(window);
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<float> plane = input.Slice(p * inputPlane, inputPlane);
            for (int od = 0, q = 0; od < outputDepth; od++)
                for (int oh = 0; oh < outputHeight; oh++)
                    for (int ow = 0; ow < outputWidth; ow++, q++)
                    {
                        ReadOnlySpan<float> corner = plane.Slice(((od * strideDepth - padFront) * inputHeight + oh * strideHeight - padTop) * inputWidth
                            + ow * strideWidth - padLeft);
                        for (int t = 0; t < window; t++) panel[t * outputPlane + q] = corner[taps[t]];
                    }
            for (int j0 = 0; j0 < outputPlane; j0 += lanes)
            {
                int j = Math.Min(j0, outputPlane - lanes); // a last vector overlapping the one before recomputes the same bits
                var acc = kind == 0 ? new System.Numerics.Vector<float>(float.MinValue) : System.Numerics.Vector<float>.Zero;
                for (int t = 0; t < window; t++) acc = PoolTap(kind, acc, new System.Numerics.Vector<float>(panel.Slice(t * outputPlane + j)));
                (kind == 0 ? acc : acc / divisor).CopyTo(output.Slice(p * outputPlane + j));
            }
        }
    }

    /// <summary>Stride-2 rows read in place with AVX2 (eight lanes): no column phases to copy.</summary>
    private static bool PairedColumns(int strideWidth) =>
        strideWidth == 2 && System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Numerics.Vector<float>.Count == 8;

    /// <summary>One tap into a lane's running maximum (value &gt; largest, NaN never taken) or sum.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Numerics.Vector<float> PoolTap(int kind, System.Numerics.Vector<float> acc, System.Numerics.Vector<float> value) =>
        kind == 0 ? System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.GreaterThan(value, acc), value, acc) : acc + value;

    /// <summary>
    /// One output row's run of interior windows (every tap inside the input), vectorised along the run: lane j is
    /// output j of <paramref name="output"/>, whose window starts at input column <paramref name="left"/> + j·stride of
    /// each tap row (kd, kh) from input slice <paramref name="front"/>, row <paramref name="top"/>. Each lane keeps the
    /// first largest tap (value &gt; largest, from float.MinValue) or sums the taps from +0 in (kd, kh, kw) order and
    /// divides by the window, as the scalar loop does; a last partial vector ends at the run's last output, recomputing
    /// some outputs to the same bits. Strided rows are first split into column phases in <paramref name="phases"/>.
    /// </summary>
    private static void PoolRunVectors(int kind, ReadOnlySpan<float> plane, int front, int top, int inputHeight, int inputWidth,
        int kernelDepth, int kernelHeight, int kernelWidth, int strideWidth, int dilationDepth, int dilationHeight, int dilationWidth,
        int left, int phaseLength, Span<float> phases, Span<float> output)
    {
        int lanes = System.Numerics.Vector<float>.Count, count = output.Length;
        bool paired = PairedColumns(strideWidth);
        if (strideWidth > 1 && !paired)
        {
            // Tap row r's phase f, index i: input column left + i·stride + f (0 where outside the row, never read by an interior window).
            for (int kd = 0, r = 0; kd < kernelDepth; kd++)
                for (int kh = 0; kh < kernelHeight; kh++, r++)
                {
                    ReadOnlySpan<float> from = plane.Slice(((front + kd * dilationDepth) * inputHeight + top + kh * dilationHeight) * inputWidth, inputWidth);
                    for (int f = 0; f < strideWidth; f++)
                    {
                        Span<float> to = phases.Slice((r * strideWidth + f) * phaseLength, phaseLength);
                        TapRange(left + f, phaseLength, strideWidth, inputWidth, out int first, out int end);
                        to.Slice(0, first).Clear();
                        for (int i = first; i < end; i++) to[i] = from[left + f + i * strideWidth];
                        to.Slice(end).Clear();
                    }
                }
        }
        var divisor = new System.Numerics.Vector<float>(kernelDepth * kernelHeight * kernelWidth);
        ReadOnlySpan<float> source = strideWidth > 1 && !paired ? phases : plane;
        for (int j0 = 0; j0 < count; j0 += lanes)
        {
            int j = Math.Min(j0, count - lanes);
            var acc = kind == 0 ? new System.Numerics.Vector<float>(float.MinValue) : System.Numerics.Vector<float>.Zero;
            for (int kd = 0, r = 0; kd < kernelDepth; kd++)
            {
                for (int kh = 0; kh < kernelHeight; kh++, r++)
                {
                    for (int kw = 0; kw < kernelWidth; kw++)
                    {
                        int tap = kw * dilationWidth, row = ((front + kd * dilationDepth) * inputHeight + top + kh * dilationHeight) * inputWidth;
                        if (paired)
                        {
                            acc = PoolTap(kind, acc, System.Runtime.Intrinsics.Vector256.AsVector(EvenColumns(plane.Slice(row + left + tap + 2 * j, 2 * lanes - 1))));
                            continue;
                        }
                        int at = strideWidth > 1 ? (r * strideWidth + tap % strideWidth) * phaseLength + tap / strideWidth + j : row + left + tap + j;
                        var value = new System.Numerics.Vector<float>(source.Slice(at)); // throws when fewer than a vector's lanes remain
                        acc = PoolTap(kind, acc, value);
                    }
                }
            }
            (kind == 0 ? acc : acc / divisor).CopyTo(output.Slice(j));
        }
    }
#endif
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
