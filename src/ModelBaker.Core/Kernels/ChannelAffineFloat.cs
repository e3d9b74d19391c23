using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// output = clamp(input · scale[c] + shift[c]) over an N×C×inner tensor: an inference BatchNormalization that could not
/// be folded into the convolution or fully connected step before it.
/// </summary>
public sealed class ChannelAffineFloat : FloatKernel
{
    public ChannelAffineFloat(string source, ArenaSlice input, ArenaSlice output, int inner, float[] scale, float[] shift,
        float activationMin, float activationMax) : base(source)
    {
        if (scale.Length != shift.Length || scale.Length == 0 || inner < 1 || input.Length % (scale.Length * inner) != 0)
            throw new ArgumentException("Scale, shift and inner size do not fit the input.");
        Input = input;
        Output = output;
        Inner = inner;
        Scale = scale;
        Shift = shift;
        ActivationMin = activationMin;
        ActivationMax = activationMax;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    /// <summary>Elements per channel and batch item (the product of the dimensions after C).</summary>
    public int Inner { get; }
    public float[] Scale { get; }
    public float[] Shift { get; }
    public float ActivationMin { get; }
    public float ActivationMax { get; }
    public int Channels => Scale.Length;

    public override FloatKernel? WithActivation(string source, ArenaSlice output, float min, float max) =>
        new ChannelAffineFloat(source, Input, output, Inner, Scale, Shift, Math.Min(Math.Max(ActivationMin, min), max), Math.Min(Math.Max(ActivationMax, min), max)); // composed clamps, even disjoint ones

    public override Kernel Quantize(QuantizationContext context) => ChannelAffineInt8.From(this, context);

    public override KernelKind Kind => KernelKind.ChannelAffineFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Scale.Length + Shift.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(ChannelAffineFloat) };

    public override void Run(PlanArena arena) =>
        ChannelAffine(arena.Floats(Input), Inner, Scale, Shift, ActivationMin, ActivationMax, arena.Floats(Output));

    // <emit>
    /// <summary>Per-channel affine map: output = clamp(input · scale[c] + shift[c]), channels of <paramref name="inner"/> elements.</summary>
    public static void ChannelAffine(ReadOnlySpan<float> input, int inner, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift,
        float activationMin, float activationMax, Span<float> output)
    {
        int channels = scale.Length;
        for (int start = 0, c = 0; start < input.Length; start += inner, c = c + 1 == channels ? 0 : c + 1)
        {
            float a = scale[c], b = shift[c];
            for (int i = start; i < start + inner; i++)
            {
                float value = input[i] * a + b;
                output[i] = value < activationMin ? activationMin : value > activationMax ? activationMax : value;
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Inner);
        w.Floats(Scale); w.Floats(Shift); w.Float(ActivationMin); w.Float(ActivationMax);
    }

    public static ChannelAffineFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Floats(), r.Floats(), r.Float(), r.Float());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ChannelAffine({Input.Expression(code)}, inner: {Inner}, {name}Scale, {name}Shift,")
            .Line($"    activationMin: {CodeWriter.Float(ActivationMin)}, activationMax: {CodeWriter.Float(ActivationMax)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Floats(code, $"{name}Scale", Scale, "per-channel scale");
        EmitArrays.Floats(code, $"{name}Shift", Shift, "per-channel shift");
    }
}
