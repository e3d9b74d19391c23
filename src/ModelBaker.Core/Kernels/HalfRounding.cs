using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Ir.HalfPrecision;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// A Cast to float16 in a plan that computes in float32: each value rounded to float16's precision and range (ties to
/// even, ±∞ past 65504, subnormals below 2^−14), kept as a float (docs/architecture.md, "Double and float16 tensors").
/// </summary>
public sealed class HalfRounding : FloatKernel, IDifferentiable
{
    public HalfRounding(string source, ArenaSlice input, ArenaSlice output) : base(source)
    {
        if (input.Type != Ir.ElementType.Float32 || output.Type != Ir.ElementType.Float32 || input.Length != output.Length)
            throw new ArgumentException("Rounding to float16 reads and writes float tensors of one length.", nameof(output));
        Input = input;
        Output = output;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    /// <summary>A 256-entry table of the rounding (int8 codes are far coarser than float16, so mostly the identity).</summary>
    public override Kernel Quantize(QuantizationContext context) =>
        LookupInt8.From(Source, "Float16", x => RoundToHalf((float)x), Input, Output, context);

    public override KernelKind Kind => KernelKind.HalfRounding;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(HalfRounding), nameof(Ir.HalfPrecision) };
    public override ArenaSlice? InPlaceInput => Input;

    public override void Run(PlanArena arena) => RoundToFloat16(arena.Floats(Input), arena.Floats(Output));

    // <emit>
    /// <summary>Each value rounded to float16's precision and range, as a float (a Cast to float16).</summary>
    public static void RoundToFloat16(ReadOnlySpan<float> input, Span<float> output)
    {
        for (int i = 0; i < input.Length; i++) output[i] = RoundToHalf(input[i]);
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
    }

    public static HalfRounding Read(PlanBinaryReader r, string source) => new(source, r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"RoundToFloat16({Input.Expression(code)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }

    /// <summary>Straight through: the rounding is the identity up to float16's precision.</summary>
    public string? NoGradient => null;

    public void Backward(float[][] inputs, float[] output, double[] outputGradient, double[][] inputGradients)
    {
        for (int i = 0; i < outputGradient.Length; i++) inputGradients[0][i] += outputGradient[i];
    }
}
