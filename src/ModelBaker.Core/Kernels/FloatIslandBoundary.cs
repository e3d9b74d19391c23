using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// A step at the edge of a float island (docs/compression.md, "Float islands"): one tensor converted between its int8
/// form and reals with one scale and zero point — <see cref="FloatIslandEntry"/> into the island, <see cref="FloatIslandExit"/>
/// out of it. What they share: the tensors, the parameters and the plan payload.
/// </summary>
public abstract class FloatIslandBoundary : Int8Kernel
{
    protected FloatIslandBoundary(string source, ArenaSlice input, ArenaSlice output, QuantizationParameters parameters, ElementType from, ElementType to)
        : base(source)
    {
        if (input.Type != from || output.Type != to || input.Length != output.Length)
            throw new ArgumentException($"{GetType().Name} converts a {from} tensor into a {to} one of the same length.");
        Input = input;
        Output = output;
        Quantization = parameters;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    /// <summary>The int8 tensor's scale and zero point (from the float tensor's calibration range).</summary>
    public QuantizationParameters Quantization { get; }

    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0; // scale and zero point are literals

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Double(Quantization.Scale); w.Int(Quantization.ZeroPoint);
    }

    /// <summary>The payload <see cref="WritePayload"/> wrote.</summary>
    protected static (ArenaSlice Input, ArenaSlice Output, QuantizationParameters Parameters) ReadPayload(PlanBinaryReader r) =>
        (r.Slice(), r.Slice(), new QuantizationParameters(r.Double(), r.Int()));

    /// <summary>The emitted call: <paramref name="method"/>(input, scale, zero point, output).</summary>
    protected void EmitConversion(CodeWriter code, string method) =>
        code.Line($"{method}({Input.Expression(code)}, {CodeWriter.Double(Quantization.Scale)}, {Quantization.ZeroPoint}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
