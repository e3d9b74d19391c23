using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Where an int8 plan leaves a float island (docs/compression.md, "Float islands"): a float step's output quantized with
/// its calibrated parameters for the int8 steps that read it — round half to even, add the zero point, saturate — exactly
/// as Predict quantizes the plan's inputs (<see cref="FixedPointVectors.QuantizeAll"/>).
/// </summary>
public sealed class FloatIslandExit : FloatIslandBoundary
{
    public FloatIslandExit(string source, ArenaSlice input, ArenaSlice output, QuantizationParameters parameters)
        : base(source, input, output, parameters, ElementType.Float32, ElementType.Int8) { }

    public override KernelKind Kind => KernelKind.FloatIslandExit;
    public override IEnumerable<string> Helpers => new[] { nameof(FixedPointVectors), nameof(FixedPoint) };

    public override void Run(PlanArena arena) =>
        FixedPointVectors.QuantizeAll(arena.Floats(Input), Quantization.Scale, Quantization.ZeroPoint, arena.Int8s(Output));

    public static FloatIslandExit Read(PlanBinaryReader r, string source)
    {
        var (input, output, parameters) = ReadPayload(r);
        return new(source, input, output, parameters);
    }

    public override void EmitCall(CodeWriter code, string name) => EmitConversion(code, "QuantizeAll");
}
