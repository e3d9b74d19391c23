using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.WindowBounds;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// A 2-D float convolution (geometry as <see cref="ConvFloat"/>) whose weights are one value per output channel: every
/// weight of output channel m is <see cref="ChannelWeights"/>[m]. That is what a weight tensor filled with one value
/// (ConstantOfShape, then perhaps a BatchNormalization folded in) becomes. The plan and the generated code store one
/// float per channel instead of channels × inputs × kernel, and the kernel computes each window's plain sum once per
/// group and scales it per channel: output = clamp(Σ window · weight[m] + bias[m]).
/// </summary>
public sealed class UniformConvFloat : FloatKernel
{
    public UniformConvFloat(string source, ArenaSlice input, ArenaSlice output, ConvGeometry geometry, float[] channelWeights, float[] bias,
        float activationMin, float activationMax) : base(source)
    {
        if (channelWeights.Length != geometry.OutputChannels || bias.Length != geometry.OutputChannels)
            throw new ArgumentException("Channel weights or bias do not fit the convolution's geometry.");
        Input = input;
        Output = output;
        Geometry = geometry;
        ChannelWeights = channelWeights;
        Bias = bias;
        ActivationMin = activationMin;
        ActivationMax = activationMax;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public ConvGeometry Geometry { get; }
    /// <summary>The one weight value of each output channel.</summary>
    public float[] ChannelWeights { get; }
    public float[] Bias { get; }
    public float ActivationMin { get; }
    public float ActivationMax { get; }

    public bool IsLinear => float.IsNegativeInfinity(ActivationMin) && float.IsPositiveInfinity(ActivationMax);

    /// <summary>The same convolution with its weights written out element by element (for int8, which quantizes those).</summary>
    public ConvFloat ToDense()
    {
        int per = Geometry.WeightsPerChannel;
        var weights = new float[Geometry.OutputChannels * per];
        for (int m = 0; m < ChannelWeights.Length; m++)
            for (int i = 0; i < per; i++) weights[m * per + i] = ChannelWeights[m];
        return new ConvFloat(Source, Input, Output, Geometry, weights, Bias, ActivationMin, ActivationMax);
    }

    public override FloatKernel? WithActivation(string source, ArenaSlice output, float min, float max) =>
        new UniformConvFloat(source, Input, output, Geometry, ChannelWeights, Bias,
            Math.Min(Math.Max(ActivationMin, min), max), Math.Min(Math.Max(ActivationMax, min), max)); // composed clamps, even disjoint ones

    /// <summary>A constant addend with one value per output channel folds into the bias (not after a clamp).</summary>
    public override FloatKernel? WithBias(string source, ArenaSlice output, int[] outputShape, Tensor addend)
    {
        if (!IsLinear || output.Length != Output.Length) return null;
        var extra = ConvFloat.PerChannel(addend, outputShape, Geometry.OutputChannels);
        if (extra == null) return null;
        var bias = new float[Bias.Length];
        for (int m = 0; m < bias.Length; m++) bias[m] = Bias[m] + extra[m];
        return new UniformConvFloat(source, Input, output, Geometry, ChannelWeights, bias, ActivationMin, ActivationMax);
    }

    /// <summary>
    /// Followed by y = x · scale[c] + shift[c] (an inference BatchNormalization): the weights stay one per channel,
    /// scaled by scale[c]; bias c becomes bias · scale[c] + shift[c]. Null after a clamp.
    /// </summary>
    public override FloatKernel? WithChannelAffine(string source, ArenaSlice output, int[] outputShape, float[] scale, float[] shift)
    {
        if (!IsLinear || scale.Length != Geometry.OutputChannels) return null;
        var weights = new float[ChannelWeights.Length];
        var bias = new float[Bias.Length];
        for (int m = 0; m < bias.Length; m++)
        {
            weights[m] = ChannelWeights[m] * scale[m];
            bias[m] = Bias[m] * scale[m] + shift[m];
        }
        return new UniformConvFloat(source, Input, output, Geometry, weights, bias, ActivationMin, ActivationMax);
    }

    /// <summary>Int8 quantizes weights per element, so it starts from the written-out weights.</summary>
    public override Kernel Quantize(Quantization.QuantizationContext context) => ConvInt8.From(ToDense(), context);

    public override int Parameters => Geometry.OutputChannels * Geometry.WeightsPerChannel;
    public override int ZeroParameters => ChannelWeights.Count(w => w == 0f) * Geometry.WeightsPerChannel;
    public override string Encoding => "uniform per channel";

    public override KernelKind Kind => KernelKind.UniformConvFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (ChannelWeights.Length + Bias.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(UniformConvFloat), nameof(WindowBounds) };

    public override void Run(PlanArena arena)
    {
        var g = Geometry;
        UniformConv(arena.Floats(Input), ChannelWeights, Bias, g.Batch, g.InputChannels, g.InputHeight, g.InputWidth,
            g.OutputChannels, g.OutputHeight, g.OutputWidth, g.Groups, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth,
            g.DilationHeight, g.DilationWidth, g.PadTop, g.PadLeft, ActivationMin, ActivationMax, arena.Floats(Output));
    }

    // <emit>
    /// <summary>
    /// Float convolution, NCHW, grouped, zero padded, with every weight of output channel m equal to channelWeights[m]:
    /// output = clamp(Σ window · channelWeights[m] + bias[m]). The window sums (over the group's input channels and
    /// the taps inside the input) are the same for every channel of a group, so they are computed once, into the
    /// group's first output plane, and each channel's plane is then one multiply-add per element.
    /// </summary>
    public static void UniformConv(ReadOnlySpan<float> input, ReadOnlySpan<float> channelWeights, ReadOnlySpan<float> bias,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        float activationMin, float activationMax, Span<float> output)
    {
        int groupInputChannels = inputChannels / groups, groupOutputChannels = outputChannels / groups;
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        for (int n = 0; n < batch; n++)
        {
            for (int g = 0; g < groups; g++)
            {
                ReadOnlySpan<float> groupInput = input.Slice((n * inputChannels + g * groupInputChannels) * inputPlane, groupInputChannels * inputPlane);
                int first = g * groupOutputChannels;
                Span<float> sums = output.Slice((n * outputChannels + first) * outputPlane, outputPlane);
                for (int oy = 0; oy < outputHeight; oy++)
                {
                    int top = oy * strideHeight - padTop;
                    TapRange(top, kernelHeight, dilationHeight, inputHeight, out int firstRow, out int endRow);
                    for (int ox = 0; ox < outputWidth; ox++)
                    {
                        int left = ox * strideWidth - padLeft;
                        TapRange(left, kernelWidth, dilationWidth, inputWidth, out int firstColumn, out int endColumn);
                        // Taps in the padding read 0 and add nothing: only the taps inside the input are summed.
                        float sum = 0f;
                        for (int ic = 0; ic < groupInputChannels; ic++)
                        {
                            for (int ky = firstRow; ky < endRow; ky++)
                            {
                                int row = ic * inputPlane + (top + ky * dilationHeight) * inputWidth + left;
                                for (int kx = firstColumn; kx < endColumn; kx++) sum += groupInput[row + kx * dilationWidth];
                            }
                        }
                        sums[oy * outputWidth + ox] = sum;
                    }
                }
                // The group's other channels first: the first channel's plane holds the sums until it is overwritten last.
                for (int m = first + groupOutputChannels - 1; m >= first; m--)
                {
                    Span<float> plane = output.Slice((n * outputChannels + m) * outputPlane, outputPlane);
                    float weight = channelWeights[m], offset = bias[m];
                    for (int o = 0; o < outputPlane; o++)
                    {
                        float value = sums[o] * weight + offset;
                        plane[o] = value < activationMin ? activationMin : value > activationMax ? activationMax : value;
                    }
                }
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        Geometry.Write(w);
        w.Floats(ChannelWeights); w.Floats(Bias); w.Float(ActivationMin); w.Float(ActivationMax);
    }

    public static UniformConvFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), ConvGeometry.Read(r), r.Floats(), r.Floats(), r.Float(), r.Float());

    public override void EmitCall(CodeWriter code, string name)
    {
        string[] geometry = Geometry.Arguments();
        code.Line($"UniformConv({Input.Expression(code)}, {name}ChannelWeights, {name}Bias,")
            .Line($"    {geometry[0]}")
            .Line($"    {geometry[1]}")
            .Line($"    activationMin: {CodeWriter.Float(ActivationMin)}, activationMax: {CodeWriter.Float(ActivationMax)}, {Output.Expression(code)});");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        var g = Geometry;
        EmitArrays.Floats(code, $"{name}ChannelWeights", ChannelWeights,
            $"float weight of each of the {g.OutputChannels} output channels, shared by all its {g.InputChannels / g.Groups} input channels × {g.KernelHeight} × {g.KernelWidth} taps");
        EmitArrays.Floats(code, $"{name}Bias", Bias, "float bias, one per output channel");
    }
}
