using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.WindowBounds;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// MaxPool's optional Indices output: for every pooled value, the flat position in X of the (first) maximum —
/// batch and channel included; with storage_order 1 the spatial part counts column-major. Works on float or int8
/// input alike (int8 quantization keeps the order of values), writes int64.
/// </summary>
public sealed class MaxPoolIndices : FloatKernel
{
    public MaxPoolIndices(string source, ArenaSlice input, ArenaSlice output, PoolGeometry geometry, bool columnMajor) : base(source)
    {
        Input = input;
        Output = output;
        Geometry = geometry;
        ColumnMajor = columnMajor;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public PoolGeometry Geometry { get; }
    public bool ColumnMajor { get; }

    public override KernelKind Kind => KernelKind.MaxPoolIndices;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0; // the geometry is passed as literals
    public override IEnumerable<string> Helpers => new[] { nameof(MaxPoolIndices), nameof(WindowBounds) };

    /// <summary>The same positions on the int8 input: no arithmetic to quantize.</summary>
    public override Kernel Quantize(QuantizationContext context) =>
        new MaxPoolIndices(Source, context.Slice(Input), Output, Geometry, ColumnMajor);

    public override void Run(PlanArena arena)
    {
        int columnMajor = ColumnMajor ? 1 : 0;
        var g = Geometry;
        if (Input.Type == ElementType.Int8) Positions(arena.Int8s(Input), arena.Of<long>(Output));
        else Positions(arena.Floats(Input), arena.Of<long>(Output));

        void Positions<T>(ReadOnlySpan<T> input, Span<long> output) where T : IComparable<T> => Indices(input,
            g.Planes, g.InputDepth, g.InputHeight, g.InputWidth, g.OutputDepth, g.OutputHeight, g.OutputWidth,
            g.KernelDepth, g.KernelHeight, g.KernelWidth, g.StrideDepth, g.StrideHeight, g.StrideWidth, g.DilationDepth, g.DilationHeight, g.DilationWidth,
            g.PadFront, g.PadTop, g.PadLeft, g.PaddedDepth, g.PaddedHeight, g.PaddedWidth,
            columnMajor, output);
    }

    // <emit>
    /// <summary>
    /// Flat positions in the input of each pooling window's first maximum (geometry as for Pool); columnMajor 1 counts
    /// the spatial part column-major (ONNX storage_order 1).
    /// </summary>
    public static void Indices<T>(ReadOnlySpan<T> input,
        int planes, int inputDepth, int inputHeight, int inputWidth, int outputDepth, int outputHeight, int outputWidth,
        int kernelDepth, int kernelHeight, int kernelWidth, int strideDepth, int strideHeight, int strideWidth,
        int dilationDepth, int dilationHeight, int dilationWidth, int padFront, int padTop, int padLeft,
        int paddedDepth, int paddedHeight, int paddedWidth,
        int columnMajor, Span<long> output)
        where T : IComparable<T>
    {
        int inputPlane = inputDepth * inputHeight * inputWidth;
        int o = 0;
        for (int p = 0; p < planes; p++)
        {
            ReadOnlySpan<T> plane = input.Slice(p * inputPlane, inputPlane);
            for (int od = 0; od < outputDepth; od++)
            {
                int front = od * strideDepth - padFront;
                TapRange(front, kernelDepth, dilationDepth, inputDepth, out int d0, out int d1);
                for (int oh = 0; oh < outputHeight; oh++)
                {
                    int top = oh * strideHeight - padTop;
                    TapRange(top, kernelHeight, dilationHeight, inputHeight, out int h0, out int h1);
                    for (int ow = 0; ow < outputWidth; ow++, o++)
                    {
                        int left = ow * strideWidth - padLeft;
                        TapRange(left, kernelWidth, dilationWidth, inputWidth, out int w0, out int w1);
                        int bestD = 0, bestH = 0, bestW = 0;
                        bool found = false;
                        T best = default!;
                        for (int kd = d0; kd < d1; kd++)
                            for (int kh = h0; kh < h1; kh++)
                                for (int kw = w0; kw < w1; kw++)
                                {
                                    int d = front + kd * dilationDepth, h = top + kh * dilationHeight, w = left + kw * dilationWidth;
                                    T value = plane[(d * inputHeight + h) * inputWidth + w];
                                    if (!found || value.CompareTo(best) > 0)
                                    {
                                        best = value;
                                        bestD = d; bestH = h; bestW = w;
                                        found = true;
                                    }
                                }
                        long spatial = columnMajor == 1
                            ? ((long)bestW * inputHeight + bestH) * inputDepth + bestD
                            : ((long)bestD * inputHeight + bestH) * inputWidth + bestW;
                        output[o] = (long)p * inputPlane + spatial;
                    }
                }
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); Geometry.Write(w); w.Byte(ColumnMajor ? (byte)1 : (byte)0);
    }

    public static MaxPoolIndices Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), PoolGeometry.Read(r), r.Byte() == 1);

    public override void EmitCall(CodeWriter code, string name)
    {
        string[] g = Geometry.Arguments();
        code.Line($"Indices<{Arenas.CSharpType(Input.Type)}>({Input.Expression(code)},").Line($"    {g[0]}").Line($"    {g[1]}").Line($"    {g[2]}").Line($"    columnMajor: {(ColumnMajor ? 1 : 0)}, {Output.Expression(code)});");
    }

    public override void EmitData(CodeWriter code, string name) { }
}
