using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The requantizing half of ONNX QLinearConv and QLinearMatMul: int32 accumulators to int8 or uint8,
/// y = saturate(round(accumulator · multiplier + zeroPoint)), with the multiplier (input scale × weight scale / output
/// scale) computed in float32 and the product in float64, rounding half to even — exactly as the ONNX reference does
/// (numpy promotes int32 × float32 to float64). One multiplier per channel: element e uses (e / inner) % channels.
/// Integer tensors are not quantized: an int8 plan runs this step as it is.
/// </summary>
public sealed class Requantization : FloatKernel
{
    public Requantization(string source, ArenaSlice input, ArenaSlice output, float[] multipliers, int inner, int zeroPoint) : base(source)
    {
        if (input.Type != ElementType.Int32 || output.Type is not (ElementType.Int8 or ElementType.UInt8))
            throw new ArgumentException("Requantization reads int32 and writes int8 or uint8.");
        Input = input;
        Output = output;
        Multipliers = multipliers;
        Inner = inner;
        ZeroPoint = zeroPoint;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public float[] Multipliers { get; }
    public int Inner { get; }
    public int ZeroPoint { get; }

    public override Kernel Quantize(QuantizationContext context) => this;

    public override KernelKind Kind => KernelKind.Requantization;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * Multipliers.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(Requantization) };

    public override void Run(PlanArena arena)
    {
        var (min, max) = Output.Type == ElementType.Int8 ? (-128, 127) : (0, 255);
        RequantizeLinear(arena.Of<int>(Input), Multipliers, Inner, ZeroPoint, min, max,
            Output.Type == ElementType.Int8 ? System.Runtime.InteropServices.MemoryMarshal.Cast<sbyte, byte>(arena.Int8s(Output)) : arena.Of<byte>(Output));
    }

    // <emit>
    /// <summary>int32 accumulators to int8 as the ONNX reference of QLinearConv / QLinearMatMul computes them.</summary>
    public static void RequantizeLinear(ReadOnlySpan<int> x, ReadOnlySpan<float> multipliers, int inner, int zeroPoint, Span<sbyte> y) =>
        RequantizeLinear(x, multipliers, inner, zeroPoint, -128, 127, System.Runtime.InteropServices.MemoryMarshal.Cast<sbyte, byte>(y));

    /// <summary>int32 accumulators to uint8.</summary>
    public static void RequantizeLinear(ReadOnlySpan<int> x, ReadOnlySpan<float> multipliers, int inner, int zeroPoint, Span<byte> y) =>
        RequantizeLinear(x, multipliers, inner, zeroPoint, 0, 255, y);

    /// <summary>Both types; an int8 result is stored as its byte pattern.</summary>
    public static void RequantizeLinear(ReadOnlySpan<int> x, ReadOnlySpan<float> multipliers, int inner, int zeroPoint, int min, int max, Span<byte> y)
    {
        int channels = multipliers.Length;
        for (int e = 0; e < x.Length; e++)
        {
            // float64, as numpy computes int32 × float32; Math.Round rounds half to even.
            double q = Math.Round(x[e] * (double)multipliers[e / inner % channels] + zeroPoint);
            y[e] = unchecked((byte)(q <= min ? min : q >= max ? max : (int)q));
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Floats(Multipliers); w.Int(Inner); w.Int(ZeroPoint);
    }

    public static Requantization Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Floats(), r.Int(), r.Int());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"RequantizeLinear({Input.Expression(code)}, {name}Multipliers, inner: {Inner}, zeroPoint: {ZeroPoint}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) =>
        EmitArrays.Floats(code, $"{name}Multipliers", Multipliers, "input scale × weight scale / output scale (float32), one per channel");
}
