using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;

using static ModelBaker.Core.Kernels.ScaleLayout;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ONNX QuantizeLinear at run time: y = saturate(round(x / scale) + zeroPoint) into int8, uint8, int16 or uint16, with x / scale in
/// float32 and rounding half to even, as the ONNX spec and ONNX Runtime do; per tensor, per axis or per block
/// (<see cref="ScaleLayout"/>). NaN becomes the zero point (real 0): ONNX leaves it undefined. Into float32, x / scale alone:
/// the first half of a QuantizeLinear to a float8 or float4 type, which a <see cref="SmallFloatRounding"/> step completes.
/// </summary>
public sealed class LinearQuantization : FloatKernel
{
    public LinearQuantization(string source, ArenaSlice input, ArenaSlice output, ScaleLayout layout, float[] scales, int[] zeroPoints) : base(source)
    {
        if (output.Type is not (ElementType.Int8 or ElementType.UInt8 or ElementType.Int16 or ElementType.UInt16 or ElementType.Float32))
            throw new ArgumentOutOfRangeException(nameof(output), output.Type, "QuantizeLinear writes int8, uint8, int16, uint16 or float32.");
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

    /// <summary>
    /// An int8 bake turns a QDQ model's QuantizeLinear → DequantizeLinear pairs into fixed quantization parameters before
    /// lowering (Compression/QdqModel); a QuantizeLinear left over has no int8 counterpart.
    /// </summary>
    public override Kernel Quantize(QuantizationContext q) => throw NotQuantizable(Source, "QuantizeLinear");

    internal static BakeException NotQuantizable(string source, string opType) =>
        new(ErrorCodes.UnsupportedOperatorUsage,
            $"Node {source}: an int8 bake supports {opType} only as part of a QDQ model's QuantizeLinear → DequantizeLinear pairs " +
            "(per-tensor activations) and DequantizeLinear'd constant weights. Bake this model with Precision=\"Float32\": its quantized " +
            "operators then run on their own integer tensors exactly as the model specifies.");

    public override KernelKind Kind => KernelKind.LinearQuantization;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Scales.Length + ZeroPoints.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(LinearQuantization), nameof(ScaleLayout) };

    public override void Run(PlanArena arena)
    {
        var l = Layout;
        var x = arena.Floats(Input);
        switch (Output.Type)
        {
            case ElementType.Int16:
                QuantizeLinear(x, Scales, ZeroPoints, l.AxisLength, l.Inner, l.BlockSize, l.OuterStride, l.AxisStride, l.InnerStride, arena.Of<short>(Output));
                break;
            case ElementType.UInt16:
                QuantizeLinear(x, Scales, ZeroPoints, l.AxisLength, l.Inner, l.BlockSize, l.OuterStride, l.AxisStride, l.InnerStride, arena.Of<ushort>(Output));
                break;
            case ElementType.Float32:
                QuantizeLinear(x, Scales, ZeroPoints, l.AxisLength, l.Inner, l.BlockSize, l.OuterStride, l.AxisStride, l.InnerStride, arena.Floats(Output));
                break;
            default:
                var (min, max) = Output.Type == ElementType.Int8 ? (-128, 127) : (0, 255);
                QuantizeLinear(x, Scales, ZeroPoints, l.AxisLength, l.Inner, l.BlockSize, l.OuterStride, l.AxisStride, l.InnerStride,
                    min, max, Output.Type == ElementType.Int8 ? System.Runtime.InteropServices.MemoryMarshal.Cast<sbyte, byte>(arena.Int8s(Output)) : arena.Of<byte>(Output));
                break;
        }
    }

    // <emit>
    /// <summary>ONNX QuantizeLinear into int8: saturate(round half to even(x / scale) + zero point).</summary>
    public static void QuantizeLinear(ReadOnlySpan<float> x, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints,
        int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride, Span<sbyte> y) =>
        QuantizeLinear(x, scales, zeroPoints, axisLength, inner, blockSize, outerStride, axisStride, innerStride, -128, 127,
            System.Runtime.InteropServices.MemoryMarshal.Cast<sbyte, byte>(y));

    /// <summary>ONNX QuantizeLinear into uint8.</summary>
    public static void QuantizeLinear(ReadOnlySpan<float> x, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints,
        int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride, Span<byte> y) =>
        QuantizeLinear(x, scales, zeroPoints, axisLength, inner, blockSize, outerStride, axisStride, innerStride, 0, 255, y);

    /// <summary>
    /// Both types, parameters per element as ParameterIndex says. An int8 result is stored as
    /// its byte pattern.
    /// </summary>
    public static void QuantizeLinear(ReadOnlySpan<float> x, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints,
        int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride, int min, int max, Span<byte> y)
    {
        for (int e = 0; e < x.Length; e++)
        {
            int p = ParameterIndex(e, axisLength, inner, blockSize, outerStride, axisStride, innerStride);
            y[e] = QuantizeElement(x[e], scales[p], zeroPoints[p], min, max);
        }
    }

    /// <summary>ONNX QuantizeLinear into int16 (ONNX Runtime's 16-bit QDQ).</summary>
    public static void QuantizeLinear(ReadOnlySpan<float> x, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints,
        int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride, Span<short> y)
    {
        for (int e = 0; e < x.Length; e++)
        {
            int p = ParameterIndex(e, axisLength, inner, blockSize, outerStride, axisStride, innerStride);
            y[e] = (short)QuantizeValue(x[e], scales[p], zeroPoints[p], -32768, 32767);
        }
    }

    /// <summary>ONNX QuantizeLinear into uint16.</summary>
    public static void QuantizeLinear(ReadOnlySpan<float> x, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints,
        int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride, Span<ushort> y)
    {
        for (int e = 0; e < x.Length; e++)
        {
            int p = ParameterIndex(e, axisLength, inner, blockSize, outerStride, axisStride, innerStride);
            y[e] = (ushort)QuantizeValue(x[e], scales[p], zeroPoints[p], 0, 65535);
        }
    }

    /// <summary>
    /// ONNX QuantizeLinear into a float8 or float4 type, before the rounding to it: x / scale in float32 (the zero point of
    /// those types is 0).
    /// </summary>
    public static void QuantizeLinear(ReadOnlySpan<float> x, ReadOnlySpan<float> scales, ReadOnlySpan<int> zeroPoints,
        int axisLength, int inner, int blockSize, int outerStride, int axisStride, int innerStride, Span<float> y)
    {
        for (int e = 0; e < x.Length; e++)
            y[e] = x[e] / scales[ParameterIndex(e, axisLength, inner, blockSize, outerStride, axisStride, innerStride)];
    }

    /// <summary>One 8-bit element (<see cref="QuantizeValue"/>); an int8 result is its byte pattern.</summary>
    public static byte QuantizeElement(float x, float scale, int zeroPoint, int min, int max) =>
        unchecked((byte)QuantizeValue(x, scale, zeroPoint, min, max));

    /// <summary>
    /// One element: x / scale in float32, then Math.Round (half to even, as ONNX specifies), plus the zero point,
    /// saturated to [min, max]; NaN gives the zero point.
    /// </summary>
    public static int QuantizeValue(float x, float scale, int zeroPoint, int min, int max)
    {
        double q = Math.Round((double)(x / scale)) + zeroPoint;
        return double.IsNaN(q) ? zeroPoint : q <= min ? min : q >= max ? max : (int)q;
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        Layout.Write(w);
        w.Floats(Scales); w.Ints(ZeroPoints);
    }

    public static LinearQuantization Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), ScaleLayout.Read(r), r.Floats(), r.Ints());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"QuantizeLinear({Input.Expression(code)}, {name}Scales, {name}ZeroPoints,")
            .Line($"    {Layout.Arguments()}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Floats(code, $"{name}Scales", Scales, "quantization scales (real = scale × (q − zero point))");
        EmitArrays.Ints(code, $"{name}ZeroPoints", ZeroPoints, "quantization zero points, one per scale");
    }
}
