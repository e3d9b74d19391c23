using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.WindowBounds;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// A 2-D convolution in float32, NCHW (a 1-D convolution has height 1): grouped (depthwise when groups equals the
/// channels), strided, dilated, zero padded, with a per-output-channel bias and an optional fused clamp (Relu).
/// Weights are ONNX's [output channels, input channels / groups, kernel height, kernel width].
/// </summary>
public sealed class ConvFloat : FloatKernel, IWeightedKernel
{
    public ConvFloat(string source, ArenaSlice input, ArenaSlice output, ConvGeometry geometry, float[] weights, float[] bias,
        float activationMin, float activationMax)
        : this(source, input, output, geometry, FloatWeights.Dense(weights, geometry.OutputChannels, geometry.WeightsPerChannel), bias, activationMin, activationMax)
    {
    }

    public ConvFloat(string source, ArenaSlice input, ArenaSlice output, ConvGeometry geometry, FloatWeights weights, float[] bias,
        float activationMin, float activationMax) : base(source)
    {
        if (weights.Units != geometry.OutputChannels || weights.Depth != geometry.WeightsPerChannel || bias.Length != geometry.OutputChannels)
            throw new ArgumentException("Weights or bias do not fit the convolution's geometry.");
        Input = input;
        Output = output;
        Geometry = geometry;
        StoredWeights = weights;
        Bias = bias;
        ActivationMin = activationMin;
        ActivationMax = activationMax;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public ConvGeometry Geometry { get; }
    /// <summary>The weights, dense or one value per output channel (a ConstantOfShape fill).</summary>
    public FloatWeights StoredWeights { get; }
    /// <summary>[output channels, input channels / groups, kernel height, kernel width], row-major (a fill written out).</summary>
    public float[] Weights => StoredWeights.Values;
    public float[] Bias { get; }
    /// <summary>Output channels: pruning and reconstruction work on one row of weights per channel.</summary>
    public int Units => Geometry.OutputChannels;
    public int WeightsPerUnit => Geometry.WeightsPerChannel;
    public int ClusteredValues { get; set; }
    public override int Clusters => ClusteredValues;
    public int Groups => Geometry.Groups;

    /// <summary>The receptive field of every output position, over the group's input channels (im2col), 0 where padding.</summary>
    public IEnumerable<float[]> Patches(float[] input, int group)
    {
        var g = Geometry;
        int channels = g.InputChannels / g.Groups, first = group * channels;
        for (int n = 0; n < g.Batch; n++)
            for (int oy = 0; oy < g.OutputHeight; oy++)
                for (int ox = 0; ox < g.OutputWidth; ox++)
                {
                    var patch = new float[WeightsPerUnit];
                    int i = 0;
                    for (int c = 0; c < channels; c++)
                        for (int ky = 0; ky < g.KernelHeight; ky++)
                            for (int kx = 0; kx < g.KernelWidth; kx++, i++)
                            {
                                int y = oy * g.StrideHeight - g.PadTop + ky * g.DilationHeight;
                                int x = ox * g.StrideWidth - g.PadLeft + kx * g.DilationWidth;
                                if (y >= 0 && y < g.InputHeight && x >= 0 && x < g.InputWidth)
                                    patch[i] = input[((n * g.InputChannels + first + c) * g.InputHeight + y) * g.InputWidth + x];
                            }
                    yield return patch;
                }
    }
    public override int Parameters => StoredWeights.Count;
    public override int ZeroParameters => StoredWeights.Zeros;
    public override string Encoding => StoredWeights.UnitValues != null ? "uniform per channel" : "dense";
    public float ActivationMin { get; }
    public float ActivationMax { get; }

    /// <summary>True when the output is not clamped, so an affine map after it may fold into weights and bias.</summary>
    public bool IsLinear => float.IsNegativeInfinity(ActivationMin) && float.IsPositiveInfinity(ActivationMax);

    public override FloatKernel? WithActivation(string source, ArenaSlice output, float min, float max) =>
        new ConvFloat(source, Input, output, Geometry, StoredWeights, Bias, Math.Min(Math.Max(ActivationMin, min), max), Math.Min(Math.Max(ActivationMax, min), max)); // composed clamps, even disjoint ones

    /// <summary>
    /// A constant addend with one value per output channel ([C,1,1], [1,C,1,1], [C,1] for 1-D, a scalar …) folds into the
    /// bias; not after a clamp, where it would no longer be a bias.
    /// </summary>
    public override FloatKernel? WithBias(string source, ArenaSlice output, int[] outputShape, Tensor addend)
    {
        if (!IsLinear || output.Length != Output.Length) return null;
        var extra = PerChannel(addend, outputShape, Geometry.OutputChannels);
        if (extra == null) return null;
        var bias = new float[Bias.Length];
        for (int m = 0; m < bias.Length; m++) bias[m] = Bias[m] + extra[m];
        return new ConvFloat(source, Input, output, Geometry, StoredWeights, bias, ActivationMin, ActivationMax);
    }

    /// <summary>
    /// This convolution followed by y = x · scale[c] + shift[c] (an inference BatchNormalization): weights of output
    /// channel c scaled by scale[c], bias c becomes bias · scale[c] + shift[c]. Null after a clamp.
    /// </summary>
    public override FloatKernel? WithChannelAffine(string source, ArenaSlice output, int[] outputShape, float[] scale, float[] shift)
    {
        if (!IsLinear || scale.Length != Geometry.OutputChannels) return null;
        var bias = new float[Bias.Length];
        for (int m = 0; m < bias.Length; m++) bias[m] = Bias[m] * scale[m] + shift[m];
        return new ConvFloat(source, Input, output, Geometry, StoredWeights.ScaledPerUnit(scale), bias, ActivationMin, ActivationMax);
    }

    /// <summary>
    /// The addend's values as one per channel (axis 1 of an NC… output) when it broadcasts to the output shape without
    /// growing it and varies along no other axis; null otherwise.
    /// </summary>
    public static float[]? PerChannel(Tensor addend, int[] outputShape, int channels)
    {
        if (addend.Shape.Length > outputShape.Length || outputShape.Length < 2) return null;
        var broadcast = ShapeMath.Broadcast(addend.Shape, outputShape);
        if (broadcast == null || !ShapeMath.Format(broadcast).Equals(ShapeMath.Format(outputShape), StringComparison.Ordinal)) return null;
        int[] strides = ShapeMath.BroadcastStrides(addend.Shape, outputShape);
        for (int d = 0; d < strides.Length; d++)
            if (d != 1 && strides[d] != 0 && outputShape[d] != 1) return null;
        var data = addend.AsFloats();
        var perChannel = new float[channels];
        for (int c = 0; c < channels; c++) perChannel[c] = data[c * strides[1]];
        return perChannel;
    }

    public override Kernel Quantize(Quantization.QuantizationContext context) => ConvInt8.From(this, context);

    public override KernelKind Kind => KernelKind.ConvFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => StoredWeights.Bytes + 4 * Bias.Length;
    public override IEnumerable<string> Helpers =>
        new[] { StoredWeights.UnitValues != null ? nameof(ConvFloat) + "#Uniform" : nameof(ConvFloat), nameof(WindowBounds) };

    /// <summary>Weights one value per output channel run the uniform specialization, which never writes them out.</summary>
    public override void Run(PlanArena arena)
    {
        var g = Geometry;
        if (StoredWeights.UnitValues is { } channelWeights)
            UniformConv(arena.Floats(Input), channelWeights, Bias, g.Batch, g.InputChannels, g.InputHeight, g.InputWidth,
                g.OutputChannels, g.OutputHeight, g.OutputWidth, g.Groups, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth,
                g.DilationHeight, g.DilationWidth, g.PadTop, g.PadLeft, ActivationMin, ActivationMax, arena.Floats(Output));
        else
            Conv(arena.Floats(Input), Weights, Bias, g.Batch, g.InputChannels, g.InputHeight, g.InputWidth,
                g.OutputChannels, g.OutputHeight, g.OutputWidth, g.Groups, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth,
                g.DilationHeight, g.DilationWidth, g.PadTop, g.PadLeft, ActivationMin, ActivationMax, arena.Floats(Output));
    }

    // <emit>
    /// <summary>
    /// Float convolution, NCHW, grouped, zero padded: output = clamp(bias + Σ input · weights) per output channel.
    /// Outputs whose window lies inside the input skip the bounds checks that border outputs need.
    /// </summary>
    public static void Conv(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        float activationMin, float activationMax, Span<float> output)
    {
        int groupInputChannels = inputChannels / groups, groupOutputChannels = outputChannels / groups;
        int weightsPerChannel = groupInputChannels * kernelHeight * kernelWidth;
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        InsideRange(outputHeight, inputHeight, kernelHeight, strideHeight, dilationHeight, padTop, out int firstRow, out int endRow);
        InsideRange(outputWidth, inputWidth, kernelWidth, strideWidth, dilationWidth, padLeft, out int firstColumn, out int endColumn);
        int rowStep = dilationHeight * inputWidth;
        for (int n = 0; n < batch; n++)
        {
            for (int m = 0; m < outputChannels; m++)
            {
                ReadOnlySpan<float> channelWeights = weights.Slice(m * weightsPerChannel, weightsPerChannel);
                ReadOnlySpan<float> groupInput = input.Slice((n * inputChannels + m / groupOutputChannels * groupInputChannels) * inputPlane,
                    groupInputChannels * inputPlane);
                Span<float> plane = output.Slice((n * outputChannels + m) * outputPlane, outputPlane);
                for (int oy = 0; oy < outputHeight; oy++)
                {
                    int top = oy * strideHeight - padTop;
                    bool rowInside = oy >= firstRow && oy < endRow;
                    for (int ox = 0; ox < outputWidth; ox++)
                    {
                        int left = ox * strideWidth - padLeft;
                        float sum = 0f;
                        int w = 0;
                        if (rowInside && ox >= firstColumn && ox < endColumn)
                        {
                            // Whole window inside the input: no checks.
                            for (int ic = 0; ic < groupInputChannels; ic++)
                            {
                                int row = ic * inputPlane + top * inputWidth + left;
                                for (int ky = 0; ky < kernelHeight; ky++, row += rowStep)
                                    for (int kx = 0; kx < kernelWidth; kx++, w++)
                                        sum += groupInput[row + kx * dilationWidth] * channelWeights[w];
                            }
                        }
                        else
                        {
                            // Border: taps in the padding read 0 and add nothing.
                            for (int ic = 0; ic < groupInputChannels; ic++)
                            {
                                for (int ky = 0; ky < kernelHeight; ky++)
                                {
                                    int y = top + ky * dilationHeight;
                                    if (y < 0 || y >= inputHeight) { w += kernelWidth; continue; }
                                    int row = ic * inputPlane + y * inputWidth;
                                    for (int kx = 0; kx < kernelWidth; kx++, w++)
                                    {
                                        int x = left + kx * dilationWidth;
                                        if (x >= 0 && x < inputWidth) sum += groupInput[row + x] * channelWeights[w];
                                    }
                                }
                            }
                        }
                        float value = sum + bias[m];
                        plane[oy * outputWidth + ox] = value < activationMin ? activationMin : value > activationMax ? activationMax : value;
                    }
                }
            }
        }
    }
    // </emit>

    // <emit Uniform>
    /// <summary>
    /// Float convolution, NCHW, grouped, zero padded, with every weight of output channel m equal to channelWeights[m]
    /// (a ConstantOfShape fill): output = clamp(Σ window · channelWeights[m] + bias[m]). The window sums (over the
    /// group's input channels and the taps inside the input) are the same for every channel of a group, so they are
    /// computed once, into the group's first output plane, and each channel's plane is then one multiply-add per element.
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
        StoredWeights.Write(w); w.Floats(Bias); w.Float(ActivationMin); w.Float(ActivationMax);
    }

    public static ConvFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), ConvGeometry.Read(r), FloatWeights.Read(r), r.Floats(), r.Float(), r.Float());

    public override void EmitCall(CodeWriter code, string name)
    {
        string[] geometry = Geometry.Arguments();
        code.Line(StoredWeights.UnitValues != null
                ? $"UniformConv({Input.Expression(code)}, {name}UnitWeights, {name}Bias,"
                : $"Conv({Input.Expression(code)}, {name}Weights, {name}Bias,")
            .Line($"    {geometry[0]}")
            .Line($"    {geometry[1]}")
            .Line($"    activationMin: {CodeWriter.Float(ActivationMin)}, activationMax: {CodeWriter.Float(ActivationMax)}, {Output.Expression(code)});");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        var g = Geometry;
        StoredWeights.EmitData(code, name, $"[{g.OutputChannels} output channels × {g.InputChannels / g.Groups} input channels × {g.KernelHeight} × {g.KernelWidth}]");
        EmitArrays.Floats(code, $"{name}Bias", Bias, "float bias, one per output channel");
    }
}
