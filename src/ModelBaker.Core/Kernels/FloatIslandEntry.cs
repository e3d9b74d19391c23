using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Kernels.FixedPoint;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Where an int8 plan enters a float island (docs/compression.md, "Float islands"): an int8 tensor back to reals for a
/// step with no int8 form (<see cref="IFloatOnlyKernel"/>), real = scale × (q − zero point), exactly as Predict
/// dequantizes the plan's outputs.
/// </summary>
public sealed class FloatIslandEntry : Int8Kernel
{
    public FloatIslandEntry(string source, ArenaSlice input, ArenaSlice output, QuantizationParameters parameters) : base(source)
    {
        if (input.Type != ElementType.Int8 || output.Type != ElementType.Float32 || input.Length != output.Length)
            throw new ArgumentException("A float island's entry reads an int8 tensor into a float one of the same length.");
        Input = input;
        Output = output;
        Quantization = parameters;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    /// <summary>The int8 tensor's scale and zero point.</summary>
    public QuantizationParameters Quantization { get; }

    public override KernelKind Kind => KernelKind.FloatIslandEntry;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0; // scale and zero point are literals
    public override IEnumerable<string> Helpers => new[] { nameof(FloatIslandEntry), nameof(FixedPoint) };

    public override void Run(PlanArena arena) =>
        DequantizeAll(arena.Int8s(Input), Quantization.Scale, Quantization.ZeroPoint, arena.Floats(Output));

    // <emit>
    /// <summary>int8 → real for every value (FixedPoint.Dequantize): the entry of a float island.</summary>
    public static void DequantizeAll(ReadOnlySpan<sbyte> values, double scale, int zeroPoint, Span<float> output)
    {
        for (int i = 0; i < values.Length; i++) output[i] = Dequantize(values[i], scale, zeroPoint);
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Double(Quantization.Scale); w.Int(Quantization.ZeroPoint);
    }

    public static FloatIslandEntry Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), new QuantizationParameters(r.Double(), r.Int()));

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"DequantizeAll({Input.Expression(code)}, {CodeWriter.Double(Quantization.Scale)}, {Quantization.ZeroPoint}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
