using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Float transposed convolution (ONNX ConvTranspose) of up to three spatial dimensions (fewer are viewed with size-1
/// leading dimensions): X [N, C, D, H, W] and weights [C, M/group, kD, kH, kW] give Y [N, M, oD, oH, oW] where input
/// position i with tap k lands on output position i · stride + k · dilation − padBegin (positions outside the output
/// are dropped; output positions nothing lands on hold the bias). Computed as a gather per output element, so each sum
/// runs in one fixed order.
/// </summary>
public sealed class ConvTransposeFloat : FloatKernel
{
    /// <param name="geometry">
    /// batch, input channels, output channels, groups, then per spatial axis (depth, height, width) in blocks of three:
    /// input size, output size, kernel size, stride, dilation, padding at the start.
    /// </param>
    public ConvTransposeFloat(string source, ArenaSlice input, ArenaSlice output, int[] geometry, float[] weights, float[] bias) : base(source)
    {
        if (geometry.Length != GeometryLength) throw new ArgumentException($"The geometry has {GeometryLength} entries.", nameof(geometry));
        int channels = geometry[1], outputs = geometry[2], groups = geometry[3];
        int taps = geometry[10] * geometry[11] * geometry[12];
        if (weights.Length != channels * (outputs / groups) * taps || bias.Length != outputs)
            throw new ArgumentException("Weights are [C, M/group, kernel…], bias one per output channel.", nameof(weights));
        Input = input;
        Output = output;
        Geometry = geometry;
        Weights = weights;
        Bias = bias;
    }

    /// <summary>4 sizes, then 6 blocks of (depth, height, width).</summary>
    public const int GeometryLength = 4 + 6 * 3;

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int[] Geometry { get; }
    public float[] Weights { get; }
    public float[] Bias { get; }

    public override Kernel Quantize(QuantizationContext context) => ConvTransposeInt8.From(this, context);

    public override KernelKind Kind => KernelKind.ConvTransposeFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Weights.Length + Bias.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(ConvTransposeFloat) };

    public override void Run(PlanArena arena) => ConvTranspose(arena.Floats(Input), Geometry, Weights, Bias, arena.Floats(Output));

    // <emit>
    /// <summary>
    /// Float transposed convolution. <paramref name="geometry"/>: batch, input channels C, output channels M, groups,
    /// then (depth, height, width) triples of input size, output size, kernel size, stride, dilation and start padding.
    /// Weights are [C, M/groups, kD, kH, kW]; output[n, m, o] = bias[m] + Σ x[n, c, i] · w[c, m mod M/groups, k] over the
    /// channels c of m's group and the taps k with i · stride + k · dilation = o + padding for a whole input position i.
    /// </summary>
    public static void ConvTranspose(ReadOnlySpan<float> input, ReadOnlySpan<int> geometry, ReadOnlySpan<float> weights,
        ReadOnlySpan<float> bias, Span<float> output)
    {
        int batch = geometry[0], channels = geometry[1], outputs = geometry[2], groups = geometry[3];
        int inD = geometry[4], inH = geometry[5], inW = geometry[6];
        int outD = geometry[7], outH = geometry[8], outW = geometry[9];
        int kD = geometry[10], kH = geometry[11], kW = geometry[12];
        int sD = geometry[13], sH = geometry[14], sW = geometry[15];
        int dD = geometry[16], dH = geometry[17], dW = geometry[18];
        int pD = geometry[19], pH = geometry[20], pW = geometry[21];
        int groupChannels = channels / groups, groupOutputs = outputs / groups;
        int inPlane = inD * inH * inW, outPlane = outD * outH * outW, taps = kD * kH * kW;
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
                    float sum = bias[m];
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
                                int at = (fd / sD * inH + fh / sH) * inW + fw / sW, tap = (td * kH + th) * kW + tw;
                                for (int c = 0; c < groupChannels; c++)
                                    sum += input[(n * channels + firstChannel + c) * inPlane + at]
                                         * weights[((firstChannel + c) * groupOutputs + filter) * taps + tap];
                            }
                        }
                    }
                    output[position] = sum;
                }
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Ints(Geometry); w.Floats(Weights); w.Floats(Bias);
    }

    public static ConvTransposeFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Ints(), r.Floats(), r.Floats());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ConvTranspose({Input.Expression(code)}, {name}Geometry, {name}Weights, {name}Bias, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Geometry", Geometry,
            "batch, channels, output channels, groups; (depth, height, width) of input, output, kernel, stride, dilation, start padding");
        EmitArrays.Floats(code, $"{name}Weights", Weights, "weights [C, M/group, kD, kH, kW]");
        EmitArrays.Floats(code, $"{name}Bias", Bias, "bias, one per output channel");
    }
}
