using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// output = clamp(requantize(input · weight[c] + bias[c]) + outputZeroPoint) per channel: an unfolded BatchNormalization
/// as a 1×1 depthwise layer. The scale quantizes to ±127 (symmetric per channel), so the requantization multiplier
/// carries all of its precision; the bias is int32 with −inputZeroPoint · weight folded in.
/// </summary>
public sealed class ChannelAffineInt8 : Int8Kernel
{
    public ChannelAffineInt8(string source, ArenaSlice input, ArenaSlice output, int inner, sbyte[] weights, OutputStage outputStage)
        : base(source)
    {
        Input = input;
        Output = output;
        Inner = inner;
        Weights = weights;
        OutputStage = outputStage;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Inner { get; }
    public sbyte[] Weights { get; }
    public OutputStage OutputStage { get; }

    public static ChannelAffineInt8 From(ChannelAffineFloat affine, QuantizationContext q)
    {
        var input = q.Parameters(affine.Input);
        // A model input quantized per feature (a Scaler's, the channel its last axis): each channel has its own parameters.
        var features = affine.Inner == 1 ? q.FeatureParameters(affine.Input) : null;
        var output = q.Parameters(affine.Output);
        int channels = affine.Channels;
        var weights = new sbyte[channels];
        var bias = new int[channels];
        var multipliers = new int[channels];
        var shifts = new int[channels];
        var realMultipliers = new double[channels];
        for (int c = 0; c < channels; c++)
        {
            double weightScale = QuantizationParameters.WeightScale(Math.Abs(affine.Scale[c]));
            weights[c] = QuantizationParameters.QuantizeWeight(affine.Scale[c], weightScale);
            var channelInput = features?[c] ?? input;
            double accumulatorScale = channelInput.Scale * weightScale;
            bias[c] = QuantizationParameters.SaturateInt32(Math.Round(affine.Shift[c] / accumulatorScale)) - channelInput.ZeroPoint * weights[c];
            realMultipliers[c] = accumulatorScale / output.Scale;
            (multipliers[c], shifts[c]) = QuantizeMultiplierQ15(realMultipliers[c]);
        }
        bias = CoarsenBias(bias, realMultipliers);
        (multipliers, shifts) = ShareShift(multipliers, shifts);
        var (min, max) = QuantizationContext.ActivationRange(affine.ActivationMin, affine.ActivationMax, output);
        return new ChannelAffineInt8(affine.Source, q.Slice(affine.Input), q.Slice(affine.Output), affine.Inner, weights,
            new OutputStage(bias, multipliers, shifts, output.ZeroPoint, min, max));
    }

    public override KernelKind Kind => KernelKind.ChannelAffineInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Weights.Length + OutputStage.Bytes;
    public override IEnumerable<string> Helpers => new[] { nameof(ChannelAffineInt8), nameof(FixedPoint) };

    public override void Run(PlanArena arena)
    {
        var o = OutputStage;
        ChannelAffine(arena.Int8s(Input), Inner, Weights, o.Bias, o.StoredMultipliers, o.StoredShifts, o.ZeroPoint, o.ActivationMin, o.ActivationMax,
            arena.Int8s(Output));
    }

    // <emit>
    /// <summary>Int8 per-channel affine map (a 1×1 depthwise layer), channels of <paramref name="inner"/> elements.</summary>
    public static void ChannelAffine(ReadOnlySpan<sbyte> input, int inner, ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> bias,
        ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts, int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int channels = weights.Length;
        for (int start = 0, c = 0; start < input.Length; start += inner, c = c + 1 == channels ? 0 : c + 1)
        {
            int weight = weights[c], channelBias = bias[c], multiplier = multipliers[c] << 16, shift = shifts[shifts.Length == 1 ? 0 : c];
            for (int i = start; i < start + inner; i++)
            {
                output[i] = Requantize(input[i] * weight + channelBias, multiplier, shift, outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Int8 per-channel affine map (a 1×1 depthwise layer) on arrays, channels of <paramref name="inner"/> elements.</summary>
    public static void ChannelAffine(sbyte[] input, int inputOffset, int length, int inner, sbyte[] weights, int[] bias,
        short[] multipliers, sbyte[] shifts, int outputZeroPoint, int activationMin, int activationMax, sbyte[] output, int outputOffset)
    {
        int channels = weights.Length;
        for (int start = 0, c = 0; start < length; start += inner, c = c + 1 == channels ? 0 : c + 1)
        {
            int weight = weights[c], channelBias = bias[c], multiplier = multipliers[c] << 16, shift = shifts[shifts.Length == 1 ? 0 : c];
            for (int i = start; i < start + inner; i++)
            {
                output[outputOffset + i] = Requantize(input[inputOffset + i] * weight + channelBias, multiplier, shift, outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(ChannelAffineInt8) + "#Nano", nameof(FixedPoint) };

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"ChannelAffine({Input.NanoArguments(code)}, length: {Input.Length}, inner: {Inner}, {name}Weights, {name}Bias, {name}Multipliers, {name}Shifts,")
            .Line($"    {OutputStage.Arguments}, {Output.NanoArguments(code)});");

    /// <summary>Element i is read only to write element i.</summary>
    public override ArenaSlice? InPlaceInput => Input;

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Inner);
        w.SBytes(Weights); OutputStage.Write(w);
    }

    public static ChannelAffineInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.SBytes(), OutputStage.Read(r));

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ChannelAffine({Input.Expression(code)}, inner: {Inner}, {name}Weights, {name}Bias, {name}Multipliers, {name}Shifts,")
            .Line($"    {OutputStage.Arguments}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.SBytes(code, $"{name}Weights", Weights, "per-channel int8 scale (±127 or 0)");
        OutputStage.EmitData(code, name, "channel");
    }
}
