using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Ir.SmallFloats;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// A Cast to bfloat16, a float8 type or float4e2m1 in a plan that computes in float32: each value rounded to the target's
/// precision and range (ties to even, subnormals, its ±∞/NaN rules and the Cast's saturate attribute), kept as a float
/// (docs/architecture.md, "Narrow floats and integers"). One step for every such format (<see cref="SmallFloats"/>).
/// </summary>
public sealed class SmallFloatRounding : FloatKernel, IDifferentiable
{
    public SmallFloatRounding(string source, ArenaSlice input, ArenaSlice output, ElementType target, bool saturate, int roundMode = 0) : base(source)
    {
        if (input.Type != ElementType.Float32 || output.Type != ElementType.Float32 || input.Length != output.Length)
            throw new ArgumentException("Rounding to a small float reads and writes float tensors of one length.", nameof(output));
        if (NarrowTypes.Format(target) == null) throw new ArgumentOutOfRangeException(nameof(target), target, "Not a small float type.");
        Input = input;
        Output = output;
        Target = target;
        Saturate = saturate;
        RoundMode = target == ElementType.Float8E8M0 ? roundMode : 0;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    /// <summary>bfloat16, float8e4m3fn, float8e4m3fnuz, float8e5m2, float8e5m2fnuz or float4e2m1.</summary>
    public ElementType Target { get; }
    /// <summary>The Cast's saturate attribute: past the largest finite value, that value (else ±∞ or NaN, per format).</summary>
    public bool Saturate { get; }
    /// <summary>float8e8m0's round_mode: 0 up, 1 down, 2 nearest (0 for every other format).</summary>
    public int RoundMode { get; }

    /// <summary>The format's specials as this step rounds (float8e8m0's with its round mode).</summary>
    private int Specials => NarrowTypes.Specials(Target, RoundMode);

    /// <summary>The rounding of one value, as the step computes it.</summary>
    public float Round(float value)
    {
        var f = NarrowTypes.Format(Target)!.Value;
        return RoundToSmallFloat(value, f.ExponentBits, f.MantissaBits, f.Bias, Specials, Saturate);
    }

    /// <summary>A 256-entry table of the rounding of each int8 code's value.</summary>
    public override Kernel Quantize(QuantizationContext context) =>
        LookupInt8.From(Source, NarrowTypes.OnnxName(Target), x => Round((float)x), Input, Output, context);

    public override KernelKind Kind => KernelKind.SmallFloatRounding;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(SmallFloatRounding), nameof(SmallFloats), nameof(HalfPrecision) };
    public override ArenaSlice? InPlaceInput => Input;

    public override void Run(PlanArena arena)
    {
        var f = NarrowTypes.Format(Target)!.Value;
        RoundToSmallFloats(arena.Floats(Input), arena.Floats(Output), f.ExponentBits, f.MantissaBits, f.Bias, Specials, Saturate);
    }

    // <emit>
    /// <summary>Each value rounded to a small float format's precision and range, as a float (a Cast to that type).</summary>
    public static void RoundToSmallFloats(ReadOnlySpan<float> input, Span<float> output, int exponentBits, int mantissaBits, int bias,
        int specials, bool saturate)
    {
        for (int i = 0; i < input.Length; i++)
            output[i] = RoundToSmallFloat(input[i], exponentBits, mantissaBits, bias, specials, saturate);
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Byte((byte)Target); w.Byte(Saturate ? (byte)1 : (byte)0); w.Byte((byte)RoundMode);
    }

    public static SmallFloatRounding Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), (ElementType)r.Byte(), r.Byte() == 1, r.Byte());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"RoundToSmallFloats({Input.Expression(code)}, {Output.Expression(code)}, {NarrowTypes.FormatArguments(Target, Specials)}, " +
            $"saturate: {(Saturate ? "true" : "false")}); // {NarrowTypes.OnnxName(Target)}");

    public override void EmitData(CodeWriter code, string name) { }

    /// <summary>Straight through: the rounding is the identity up to the format's precision.</summary>
    public string? NoGradient => null;

    public void Backward(float[][] inputs, float[] output, double[] outputGradient, double[][] inputGradients)
    {
        for (int i = 0; i < outputGradient.Length; i++) inputGradients[0][i] += outputGradient[i];
    }
}
