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
public sealed class FloatIslandExit : Int8Kernel
{
    public FloatIslandExit(string source, ArenaSlice input, ArenaSlice output, QuantizationParameters parameters) : base(source)
    {
        if (input.Type != ElementType.Float32 || output.Type != ElementType.Int8 || input.Length != output.Length)
            throw new ArgumentException("A float island's exit quantizes a float tensor into an int8 one of the same length.");
        Input = input;
        Output = output;
        Quantization = parameters;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    /// <summary>The int8 tensor's scale and zero point (from the float tensor's calibration range).</summary>
    public QuantizationParameters Quantization { get; }

    public override KernelKind Kind => KernelKind.FloatIslandExit;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0; // scale and zero point are literals
    public override IEnumerable<string> Helpers => new[] { nameof(FixedPointVectors), nameof(FixedPoint) };

    public override void Run(PlanArena arena) =>
        FixedPointVectors.QuantizeAll(arena.Floats(Input), Quantization.Scale, Quantization.ZeroPoint, arena.Int8s(Output));

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Double(Quantization.Scale); w.Int(Quantization.ZeroPoint);
    }

    public static FloatIslandExit Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), new QuantizationParameters(r.Double(), r.Int()));

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"QuantizeAll({Input.Expression(code)}, {CodeWriter.Double(Quantization.Scale)}, {Quantization.ZeroPoint}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
