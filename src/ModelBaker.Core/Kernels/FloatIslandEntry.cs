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
public sealed class FloatIslandEntry : FloatIslandBoundary
{
    public FloatIslandEntry(string source, ArenaSlice input, ArenaSlice output, QuantizationParameters parameters)
        : base(source, input, output, parameters, ElementType.Int8, ElementType.Float32) { }

    public override KernelKind Kind => KernelKind.FloatIslandEntry;
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

    public static FloatIslandEntry Read(PlanBinaryReader r, string source)
    {
        var (input, output, parameters) = ReadPayload(r);
        return new(source, input, output, parameters);
    }

    public override void EmitCall(CodeWriter code, string name) => EmitConversion(code, "DequantizeAll");
}
