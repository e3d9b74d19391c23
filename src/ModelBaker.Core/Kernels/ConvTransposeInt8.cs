using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Kernels.FixedPoint;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Int8 transposed convolution (TensorFlow Lite Micro's TRANSPOSE_CONV scheme), laid out as
/// <see cref="ConvTransposeFloat"/>: weights symmetric int8 with one scale per output channel, bias int32 at input scale ×
/// weight scale, each output Σ (x − input zero point) · w in int32, requantized per output channel. Unlike an ordinary
/// convolution, how many taps reach an output depends on where it lies (fewer at the borders and between strided input
/// positions), so the input zero point cannot be folded into the bias: it is subtracted tap by tap. Not a weighted layer
/// for compression (no pruning or clustering; <see cref="IWeightedKernel"/>'s patches are an ordinary convolution's).
/// </summary>
public sealed class ConvTransposeInt8 : Int8Kernel
{
    public ConvTransposeInt8(string source, ArenaSlice input, ArenaSlice output, int[] geometry, sbyte[] weights, int[] bias,
        int[] multipliers, int[] shifts, int inputZeroPoint, int outputZeroPoint) : base(source)
    {
        if (geometry.Length != ConvTransposeFloat.GeometryLength) throw new ArgumentException($"The geometry has {ConvTransposeFloat.GeometryLength} entries.", nameof(geometry));
        int outputs = geometry[2];
        if (weights.Length != geometry[1] * (outputs / geometry[3]) * geometry[10] * geometry[11] * geometry[12])
            throw new ArgumentException("Weights are [C, M/group, kernel…].", nameof(weights));
        if (bias.Length != outputs || multipliers.Length != outputs || shifts.Length != outputs)
            throw new ArgumentException("Bias, multiplier and shift: one per output channel.", nameof(bias));
        Input = input;
        Output = output;
        Geometry = geometry;
        Weights = weights;
        Bias = bias;
        Multipliers = multipliers;
        Shifts = shifts;
        InputZeroPoint = inputZeroPoint;
        OutputZeroPoint = outputZeroPoint;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    /// <summary>As <see cref="ConvTransposeFloat.Geometry"/>.</summary>
    public int[] Geometry { get; }
    /// <summary>[C, M/group, kD, kH, kW], output channel m's weights at scale <c>weight scale[m]</c>.</summary>
    public sbyte[] Weights { get; }
    public int[] Bias { get; }
    public int[] Multipliers { get; }
    public int[] Shifts { get; }
    public int InputZeroPoint { get; }
    public int OutputZeroPoint { get; }

    /// <summary>
    /// Per output channel m, the weight scale max |w| / 127 over every weight writing to m (its group's input channels,
    /// every tap), raised where the bias would not fit int32 (<see cref="LayerQuantizer.BiasSafe"/>).
    /// </summary>
    public static ConvTransposeInt8 From(ConvTransposeFloat layer, QuantizationContext q)
    {
        var input = q.Parameters(layer.Input);
        var output = q.Parameters(layer.Output);
        int[] g = layer.Geometry;
        int channels = g[1], outputs = g[2], groups = g[3], groupOutputs = outputs / groups, taps = g[10] * g[11] * g[12];
        // Weights are [input channel c, output f of c's group, tap]: the output channel of weight i.
        int OutputChannel(int i)
        {
            int row = i / taps;
            return row / groupOutputs / (channels / groups) * groupOutputs + row % groupOutputs;
        }
        var maxAbs = new float[outputs];
        for (int i = 0; i < layer.Weights.Length; i++)
            maxAbs[OutputChannel(i)] = Math.Max(maxAbs[OutputChannel(i)], Math.Abs(layer.Weights[i]));
        var scales = LayerQuantizer.BiasSafe(Array.ConvertAll(maxAbs, QuantizationParameters.WeightScale), layer.Bias, input.Scale);
        var weights = new sbyte[layer.Weights.Length];
        for (int i = 0; i < weights.Length; i++) weights[i] = QuantizationParameters.QuantizeWeight(layer.Weights[i], scales[OutputChannel(i)]);
        var bias = new int[outputs];
        var multipliers = new int[outputs];
        var shifts = new int[outputs];
        for (int m = 0; m < outputs; m++)
        {
            double accumulatorScale = input.Scale * scales[m];
            bias[m] = QuantizationParameters.SaturateInt32(Math.Round(layer.Bias[m] / accumulatorScale));
            (multipliers[m], shifts[m]) = QuantizeMultiplier(accumulatorScale / output.Scale);
        }
        return new ConvTransposeInt8(layer.Source, q.Slice(layer.Input), q.Slice(layer.Output), g, weights, bias, multipliers, shifts,
            input.ZeroPoint, output.ZeroPoint);
    }

    public override KernelKind Kind => KernelKind.ConvTransposeInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Weights.Length + 4 * (Bias.Length + Multipliers.Length + Shifts.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(ConvTransposeInt8), nameof(FixedPoint) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(ConvTransposeInt8) + "#Nano", nameof(FixedPoint) };

    public override void Run(PlanArena arena) =>
        ConvTransposeInt8s(arena.Int8s(Input), Geometry, Weights, Bias, Multipliers, Shifts, InputZeroPoint, OutputZeroPoint, arena.Int8s(Output));

    // <emit>
    /// <summary>
    /// Int8 transposed convolution; <paramref name="geometry"/> and the weight layout as in the float form. Each output
    /// is bias[m] + Σ (x − inputZeroPoint) · w over the taps that reach it, requantized with output channel m's multiplier.
    /// </summary>
    public static void ConvTransposeInt8s(ReadOnlySpan<sbyte> input, ReadOnlySpan<int> geometry, ReadOnlySpan<sbyte> weights,
        ReadOnlySpan<int> bias, ReadOnlySpan<int> multipliers, ReadOnlySpan<int> shifts, int inputZeroPoint, int outputZeroPoint,
        Span<sbyte> output)
    {
        int batch = geometry[0], channels = geometry[1], outputs = geometry[2], groups = geometry[3];
        int inD = geometry[4], inH = geometry[5], inW = geometry[6];
        int outD = geometry[7], outH = geometry[8], outW = geometry[9];
        int kD = geometry[10], kH = geometry[11], kW = geometry[12];
        int sD = geometry[13], sH = geometry[14], sW = geometry[15];
        int dD = geometry[16], dH = geometry[17], dW = geometry[18];
        int pD = geometry[19], pH = geometry[20], pW = geometry[21];
        int groupChannels = channels / groups, groupOutputs = outputs / groups;
        int inPlane = inD * inH * inW, taps = kD * kH * kW;
        int position = 0;
        for (int n = 0; n < batch; n++)
        {
            for (int m = 0; m < outputs; m++)
            {
                int firstChannel = m / groupOutputs * groupChannels, filter = m % groupOutputs;
                for (int od = 0; od < outD; od++)
                for (int oh = 0; oh < outH; oh++)
                for (int ow = 0; ow < outW; ow++, position++)
                {
                    int sum = bias[m];
                    for (int td = 0; td < kD; td++)
                    {
                        int fd = od + pD - td * dD; // = input depth · stride when a whole input position lands here
                        if (fd < 0 || fd % sD != 0 || fd / sD >= inD) continue;
                        for (int th = 0; th < kH; th++)
                        {
                            int fh = oh + pH - th * dH;
                            if (fh < 0 || fh % sH != 0 || fh / sH >= inH) continue;
                            for (int tw = 0; tw < kW; tw++)
                            {
                                int fw = ow + pW - tw * dW;
                                if (fw < 0 || fw % sW != 0 || fw / sW >= inW) continue;
                                int at = (n * channels + firstChannel) * inPlane + (fd / sD * inH + fh / sH) * inW + fw / sW;
                                int w = (firstChannel * groupOutputs + filter) * taps + (td * kH + th) * kW + tw;
                                for (int c = 0; c < groupChannels; c++, at += inPlane, w += groupOutputs * taps)
                                    sum += (input[at] - inputZeroPoint) * weights[w];
                            }
                        }
                    }
                    output[position] = Requantize(sum, multipliers[m], shifts[m], outputZeroPoint, -128, 127);
                }
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Int8 transposed convolution on arrays (see the .NET flavour).</summary>
    public static void ConvTransposeInt8s(sbyte[] input, int inputOffset, int[] geometry, sbyte[] weights, int[] bias, int[] multipliers,
        int[] shifts, int inputZeroPoint, int outputZeroPoint, sbyte[] output, int outputOffset)
    {
        int batch = geometry[0], channels = geometry[1], outputs = geometry[2], groups = geometry[3];
        int inD = geometry[4], inH = geometry[5], inW = geometry[6];
        int outD = geometry[7], outH = geometry[8], outW = geometry[9];
        int kD = geometry[10], kH = geometry[11], kW = geometry[12];
        int sD = geometry[13], sH = geometry[14], sW = geometry[15];
        int dD = geometry[16], dH = geometry[17], dW = geometry[18];
        int pD = geometry[19], pH = geometry[20], pW = geometry[21];
        int groupChannels = channels / groups, groupOutputs = outputs / groups;
        int inPlane = inD * inH * inW, taps = kD * kH * kW, channelStride = groupOutputs * taps;
        int position = outputOffset;
        for (int n = 0; n < batch; n++)
        {
            for (int m = 0; m < outputs; m++)
            {
                int firstChannel = m / groupOutputs * groupChannels, filter = m % groupOutputs;
                int multiplier = multipliers[m], shift = shifts[m], start = bias[m];
                for (int od = 0; od < outD; od++)
                for (int oh = 0; oh < outH; oh++)
                for (int ow = 0; ow < outW; ow++, position++)
                {
                    int sum = start;
                    for (int td = 0; td < kD; td++)
                    {
                        int fd = od + pD - td * dD;
                        if (fd < 0 || fd % sD != 0 || fd / sD >= inD) continue;
                        for (int th = 0; th < kH; th++)
                        {
                            int fh = oh + pH - th * dH;
                            if (fh < 0 || fh % sH != 0 || fh / sH >= inH) continue;
                            for (int tw = 0; tw < kW; tw++)
                            {
                                int fw = ow + pW - tw * dW;
                                if (fw < 0 || fw % sW != 0 || fw / sW >= inW) continue;
                                int at = inputOffset + (n * channels + firstChannel) * inPlane + (fd / sD * inH + fh / sH) * inW + fw / sW;
                                int w = (firstChannel * groupOutputs + filter) * taps + (td * kH + th) * kW + tw;
                                for (int c = 0; c < groupChannels; c++, at += inPlane, w += channelStride)
                                    sum += (input[at] - inputZeroPoint) * weights[w];
                            }
                        }
                    }
                    output[position] = Requantize(sum, multiplier, shift, outputZeroPoint, -128, 127);
                }
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Ints(Geometry); w.SBytes(Weights); w.Ints(Bias); w.Ints(Multipliers); w.Ints(Shifts);
        w.Int(InputZeroPoint); w.Int(OutputZeroPoint);
    }

    public static ConvTransposeInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Ints(), r.SBytes(), r.Ints(), r.Ints(), r.Ints(), r.Int(), r.Int());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ConvTransposeInt8s({Input.Expression(code)}, {name}Geometry, {name}Weights, {name}Bias, {name}Multipliers, {name}Shifts,")
            .Line($"    inputZeroPoint: {InputZeroPoint}, outputZeroPoint: {OutputZeroPoint}, {Output.Expression(code)});");

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"ConvTransposeInt8s({Input.NanoArguments(code)}, {name}Geometry, {name}Weights, {name}Bias, {name}Multipliers, {name}Shifts,")
            .Line($"    inputZeroPoint: {InputZeroPoint}, outputZeroPoint: {OutputZeroPoint}, {Output.NanoArguments(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Geometry", Geometry,
            "batch, channels, output channels, groups; (depth, height, width) of input, output, kernel, stride, dilation, start padding");
        EmitArrays.SBytes(code, $"{name}Weights", Weights, "int8 weights [C, M/group, kD, kH, kW], one scale per output channel");
        EmitArrays.Ints(code, $"{name}Bias", Bias, "int32 bias per output channel (input scale × weight scale)");
        EmitArrays.Ints(code, $"{name}Multipliers", Multipliers, "requantization multiplier per output channel (Q31)");
        EmitArrays.Ints(code, $"{name}Shifts", Shifts, "requantization shift per output channel");
    }
}
