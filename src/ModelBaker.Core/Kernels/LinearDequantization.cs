using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;

using static ModelBaker.Core.Kernels.ScaleLayout;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ONNX DequantizeLinear at run time: y = (x − zeroPoint) · scale from int8, uint8, int16, uint16 or int32, in float32 as the ONNX
/// reference computes it ((float)x − (float)zeroPoint, then × scale); per tensor, per axis or per block
/// (<see cref="ScaleLayout"/>). From float32: a float8 or float4 tensor, which the plan holds as float32 (zero point 0).
/// </summary>
public sealed class LinearDequantization : FloatKernel
{
    public LinearDequantization(string source, ArenaSlice input, ArenaSlice output, ScaleLayout layout, float[] scales, int[] zeroPoints) : base(source)
    {
        if (input.Type is not (ElementType.Int8 or ElementType.UInt8 or ElementType.Int32 or ElementType.Int16 or ElementType.UInt16 or ElementType.Float32))
            throw new ArgumentOutOfRangeException(nameof(input), input.Type, "DequantizeLinear reads int8, uint8, int16, uint16, int32 or float32.");
        Input = input;
        Output = output;
        Layout = layout;
        Scales = scales;
        ZeroPoints = zeroPoints;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public ScaleLayout Layout { get; }
    public float[] Scales { get; }
    public int[] ZeroPoints { get; }

    /// <summary>See <see cref="LinearQuantization.Quantize"/>: only QDQ pairs and constant weights are understood in int8 bakes.</summary>
    public override Kernel Quantize(QuantizationContext q) => throw LinearQuantization.NotQuantizable(Source, "DequantizeLinear");

    public override KernelKind Kind => KernelKind.LinearDequantization;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Scales.Length + ZeroPoints.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(LinearDequantization), nameof(ScaleLayout) };

    public override void Run(PlanArena arena)
    {
        var l = Layout;
        var y = arena.Floats(Output);
        switch (Input.Type)
        {
            case ElementType.Int8:
                DequantizeLinear(arena.Int8s(Input), Scales, ZeroPoints, l.AxisLength, l.Inner, l.BlockSize, l.OuterStride, l.AxisStride, l.InnerStride, y);
                break;
            case ElementType.UInt8:
                DequantizeLinear(arena.Of<byte>(Input), Scales, ZeroPoints, l.AxisLength, l.Inner, l.BlockSize, l.OuterStride, l.AxisStride, l.InnerStride, y);
                break;
            case ElementType.Int16:
                DequantizeLinear(arena.Of<short>(Input), Scales, ZeroPoints, l.AxisLength, l.Inner, l.BlockSize, l.OuterStride, l.AxisStride, l.InnerStride, y);
                break;
            case ElementType.UInt16:
                DequantizeLinear(arena.Of<ushort>(Input), Scales, ZeroPoints, l.AxisLength, l.Inner, l.BlockSize, l.OuterStride, l.AxisStride, l.InnerStride, y);
                break;
            case ElementType.Float32:
                DequantizeLinear(arena.Floats(Input), Scales, ZeroPoints, l.AxisLength, l.Inner, l.BlockSize, l.OuterStride, l.AxisStride, l.InnerStride, y);
                break;
            default:
                DequantizeLinear(arena.Of<int>(Input), Scales, ZeroPoints, l.AxisLength, l.Inner, l.BlockSize, l.OuterStride, l.AxisStride, l.InnerStride, y);
                break;
        }
    }

    // <emit>
    /// <summary>ONNX DequantizeLinear from uint8: ((float)x − (float)zero point) · scale.</summary>
    public static void DequantizeLinear(ReadOnlySpan<byte> x, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints,
        int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride, Span<float> y)
    {
        for (int e = 0; e < x.Length; e++)
        {
            int p = ParameterIndex(e, axisLength, inner, blockSize, outerStride, axisStride, innerStride);
            y[e] = ((float)x[e] - (float)zeroPoints[p]) * scales[p];
        }
    }

    /// <summary>ONNX DequantizeLinear from a float8 or float4 type, held as float32.</summary>
    public static void DequantizeLinear(ReadOnlySpan<float> x, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints,
        int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride, Span<float> y)
    {
        for (int e = 0; e < x.Length; e++)
        {
            int p = ParameterIndex(e, axisLength, inner, blockSize, outerStride, axisStride, innerStride);
            y[e] = (x[e] - (float)zeroPoints[p]) * scales[p];
        }
    }

    /// <summary>ONNX DequantizeLinear from int8.</summary>
    public static void DequantizeLinear(ReadOnlySpan<sbyte> x, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints,
        int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride, Span<float> y)
    {
        for (int e = 0; e < x.Length; e++)
        {
            int p = ParameterIndex(e, axisLength, inner, blockSize, outerStride, axisStride, innerStride);
            y[e] = ((float)x[e] - (float)zeroPoints[p]) * scales[p];
        }
    }

    /// <summary>ONNX DequantizeLinear from int32 (a quantized bias; ONNX requires its zero point to be 0).</summary>
    public static void DequantizeLinear(ReadOnlySpan<int> x, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints,
        int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride, Span<float> y)
    {
        for (int e = 0; e < x.Length; e++)
        {
            int p = ParameterIndex(e, axisLength, inner, blockSize, outerStride, axisStride, innerStride);
            y[e] = ((float)x[e] - (float)zeroPoints[p]) * scales[p];
        }
    }

    /// <summary>ONNX DequantizeLinear from int16 (ONNX Runtime's 16-bit QDQ).</summary>
    public static void DequantizeLinear(ReadOnlySpan<short> x, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints,
        int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride, Span<float> y)
    {
        for (int e = 0; e < x.Length; e++)
        {
            int p = ParameterIndex(e, axisLength, inner, blockSize, outerStride, axisStride, innerStride);
            y[e] = ((float)x[e] - (float)zeroPoints[p]) * scales[p];
        }
    }

    /// <summary>ONNX DequantizeLinear from uint16 (ONNX Runtime's 16-bit QDQ).</summary>
    public static void DequantizeLinear(ReadOnlySpan<ushort> x, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints,
        int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride, Span<float> y)
    {
        for (int e = 0; e < x.Length; e++)
        {
            int p = ParameterIndex(e, axisLength, inner, blockSize, outerStride, axisStride, innerStride);
            y[e] = ((float)x[e] - (float)zeroPoints[p]) * scales[p];
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        Layout.Write(w);
        w.Floats(Scales); w.Ints(ZeroPoints);
    }

    public static LinearDequantization Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), ScaleLayout.Read(r), r.Floats(), r.Ints());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"DequantizeLinear({Input.Expression(code)}, {name}Scales, {name}ZeroPoints,")
            .Line($"    {Layout.Arguments()}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Floats(code, $"{name}Scales", Scales, "dequantization scales (real = scale × (q − zero point))");
        EmitArrays.Ints(code, $"{name}ZeroPoints", ZeroPoints, "dequantization zero points, one per scale");
    }
}
