using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.WindowBounds;
using static ModelBaker.Core.Kernels.FloatGemm;

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
        StoredWeights.UnitValues != null
            ? new[] { nameof(ConvFloat) + "#Uniform", nameof(WindowBounds) }
            : new[] { nameof(ConvFloat), nameof(FloatGemm), nameof(WindowBounds) };

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
    /// <summary>Floats of stack the float convolution uses for an im2col panel or a band of padded rows (32 KB).</summary>
    public const int FloatPanelFloats = 8192;

    /// <summary>
    /// Float convolution, NCHW, grouped, zero padded: output = clamp(Σ input · weights + bias) per output channel, each
    /// sum starting at +0 and adding the taps in weight order (input channel, ky, kx). Layers with one input channel per
    /// group (depthwise) run vectorised along each output row over a band of padded input rows; the others are matrix
    /// products (the FloatGemm micro-kernel) read in place — from the input itself (1×1, stride 1, no padding) or, at
    /// stride 1, from a band of zero-padded input rows in the stack — or else from im2col panels of up to
    /// <see cref="FloatPanelFloats"/> floats, deeper windows summed a chunk of taps at a time through the output.
    /// </summary>
    public static void Conv(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        float activationMin, float activationMax, Span<float> output)
    {
        int groupInputChannels = inputChannels / groups, groupOutputChannels = outputChannels / groups;
        if (groupInputChannels == 1 && DepthwiseConv(input, weights, bias, batch, inputChannels, inputHeight, inputWidth, outputChannels,
                outputHeight, outputWidth, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft,
                activationMin, activationMax, output))
            return;
        int depth = groupInputChannels * kernelHeight * kernelWidth;
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        // A 1×1 window at stride 1 without padding reads pixel p of every input channel for output pixel p: the input is the matrix.
        bool pointwise = kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1 && padTop == 0 && padLeft == 0
            && outputHeight == inputHeight && outputWidth == inputWidth && depth <= FloatPanelFloats;
        if (!pointwise && PaddedBandConv(input, weights, bias, batch, inputChannels, inputHeight, inputWidth, outputChannels, outputHeight, outputWidth,
                groups, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft, activationMin, activationMax, output))
            return;
        // Small planes put output channels in lanes when blocks of sixteen pixels would leave more lanes idle.
        bool lanes = pointwise && LanesPay(outputPlane, (outputPlane + FloatBlockPixels - 1) / FloatBlockPixels * FloatBlockPixels, groupOutputChannels, depth);
        Span<float> packed = stackalloc float[lanes ? depth * LaneBlockChannels : 0];
        // Panels of up to `chunk` taps × `width` pixels; deeper windows are summed chunk by chunk through the output.
        int chunk = Math.Min(depth, FloatPanelFloats / FloatBlockPixels);
        int blockPixels = Math.Min((outputPlane + FloatBlockPixels - 1) / FloatBlockPixels * FloatBlockPixels,
            FloatPanelFloats / chunk / FloatBlockPixels * FloatBlockPixels);
        // Only the room the panels use: the runtime clears it on every call.
        Span<float> panel = stackalloc float[pointwise && (lanes || outputPlane >= FloatBlockPixels) ? 0 : chunk * blockPixels];
        Span<int> rows = stackalloc int[pointwise ? depth : chunk];
        for (int n = 0; n < batch; n++)
        {
            for (int g = 0; g < groups; g++)
            {
                ReadOnlySpan<float> groupInput = input.Slice((n * inputChannels + g * groupInputChannels) * inputPlane, groupInputChannels * inputPlane);
                ReadOnlySpan<float> groupWeights = weights.Slice(g * groupOutputChannels * depth, groupOutputChannels * depth);
                ReadOnlySpan<float> groupBias = bias.Slice(g * groupOutputChannels, groupOutputChannels);
                Span<float> groupOutput = output.Slice((n * outputChannels + g * groupOutputChannels) * outputPlane, groupOutputChannels * outputPlane);
                if (lanes)
                {
                    for (int k = 0; k < depth; k++) rows[k] = k * inputPlane;
                    ChannelsInLanes(groupInput, rows, outputWidth, outputHeight, outputWidth, groupWeights, groupBias, groupOutputChannels,
                        activationMin, activationMax, groupOutput, outputPlane, 0, packed);
                    continue;
                }
                int p0 = 0;
                if (pointwise && outputPlane >= FloatBlockPixels)
                {
                    // The last block ends at the last pixel, overlapping the one before: its pixels are computed twice, to the same bits.
                    for (int k = 0; k < depth; k++) rows[k] = k * inputPlane;
                    for (; p0 < outputPlane; p0 += FloatBlockPixels)
                    {
                        int first = Math.Min(p0, outputPlane - FloatBlockPixels);
                        for (int m = 0; m < groupOutputChannels; m += FloatBlockChannels)
                            MultiplyFloatBlock(groupInput.Slice(first), rows, groupWeights.Slice(m * depth), depth,
                                Math.Min(FloatBlockChannels, groupOutputChannels - m), false, true, groupBias.Slice(m), activationMin, activationMax,
                                groupOutput.Slice(m * outputPlane + first), outputPlane, FloatBlockPixels);
                    }
                }
                for (; p0 < outputPlane; p0 += blockPixels)
                {
                    int count = Math.Min(blockPixels, outputPlane - p0);
                    int width = (count + FloatBlockPixels - 1) / FloatBlockPixels * FloatBlockPixels;
                    for (int k0 = 0; k0 < depth; k0 += chunk)
                    {
                        int taps = Math.Min(chunk, depth - k0);
                        for (int t = 0; t < taps; t++) rows[t] = t * width;
                        Im2Col(groupInput, k0, taps, p0, count, width, inputHeight, inputWidth, outputWidth, kernelHeight, kernelWidth,
                            strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft, panel);
                        for (int j = 0; j < count; j += FloatBlockPixels)
                            for (int m = 0; m < groupOutputChannels; m += FloatBlockChannels)
                                MultiplyFloatBlock(panel.Slice(j), rows.Slice(0, taps), groupWeights.Slice(m * depth + k0), depth,
                                    Math.Min(FloatBlockChannels, groupOutputChannels - m), k0 > 0, k0 + taps == depth, groupBias.Slice(m),
                                    activationMin, activationMax, groupOutput.Slice(m * outputPlane + p0 + j), outputPlane, Math.Min(FloatBlockPixels, count - j));
                    }
                }
            }
        }
    }

    /// <summary>
    /// A convolution read in place: the input rows of a band of output rows, for all the group's input channels, are
    /// copied zero padded into the stack, each padded row split into its <paramref name="strideWidth"/> column phases
    /// (columns x ≡ φ mod stride) so that tap (c, ky, kx) of neighbouring outputs is a run of consecutive floats at a
    /// fixed offset. The micro-kernel then reads the band through a table of those offsets, with no im2col. At stride 1
    /// a band row is <c>outputWidth + (kernelWidth − 1)·dilation</c> wide and blocks of sixteen run across band rows
    /// (output (oy, ox) is band pixel oy·width + ox; the columns past the output width are computed and dropped);
    /// strided layers, and stride-1 rows whose blocks of sixteen compute no more pixels, run blocks along each output row. False, with nothing written, when one output row's band does
    /// not fit in <see cref="FloatPanelFloats"/>.
    /// </summary>
    private static bool PaddedBandConv(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        float activationMin, float activationMax, Span<float> output)
    {
        int groupInputChannels = inputChannels / groups, groupOutputChannels = outputChannels / groups;
        int depth = groupInputChannels * kernelHeight * kernelWidth;
        int reach = (kernelWidth - 1) * dilationWidth / strideWidth; // how far past an output's column its taps reach in a phase
        // At stride 1 blocks run across band rows, unless blocks along each row (the last one ending at the row's end) compute
        // no more pixels: those store straight to the output, with no tile to copy out (mnist-8's 28-wide stem).
        bool across = strideHeight == 1 && strideWidth == 1
            && !(outputWidth >= FloatBlockPixels && (outputWidth + FloatBlockPixels - 1) / FloatBlockPixels * FloatBlockPixels <= outputWidth + reach);
        int phase = across ? outputWidth + reach : (outputWidth + FloatBlockPixels - 1) / FloatBlockPixels * FloatBlockPixels + reach;
        int rowLength = strideWidth * phase, windowRows = (kernelHeight - 1) * dilationHeight + 1;
        int slack = across ? FloatBlockPixels + reach : 0; // what the last block's dropped columns read past the band
        if (depth > FloatPanelFloats / 4 || groupInputChannels * windowRows * rowLength + slack > FloatPanelFloats) return false;
        int bandRows = Math.Min(outputHeight, ((FloatPanelFloats - slack) / (groupInputChannels * rowLength) - windowRows) / strideHeight + 1);
        int bandPlane = ((bandRows - 1) * strideHeight + windowRows) * rowLength;
        Span<float> band = stackalloc float[groupInputChannels * bandPlane + slack];
        Span<int> rows = stackalloc int[depth];
        for (int c = 0, k = 0; c < groupInputChannels; c++)
            for (int ky = 0; ky < kernelHeight; ky++)
                for (int kx = 0; kx < kernelWidth; kx++, k++)
                    rows[k] = c * bandPlane + ky * dilationHeight * rowLength + kx * dilationWidth % strideWidth * phase + kx * dilationWidth / strideWidth;
        // A map in one band with fewer outputs than blocks of sixteen pixels would compute puts output channels in lanes.
        int pixelSlots = across ? (outputHeight * phase + FloatBlockPixels - 1) / FloatBlockPixels * FloatBlockPixels
            : outputHeight * ((outputWidth + FloatBlockPixels - 1) / FloatBlockPixels * FloatBlockPixels);
        bool lanes = bandRows == outputHeight && LanesPay(outputHeight * outputWidth, pixelSlots, groupOutputChannels, depth);
        Span<float> packed = stackalloc float[lanes ? depth * LaneBlockChannels : 0];
        Span<float> tile = stackalloc float[across && !lanes ? FloatBlockChannels * FloatBlockPixels : 0];
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        for (int n = 0; n < batch; n++)
        {
            for (int g = 0; g < groups; g++)
            {
                ReadOnlySpan<float> groupInput = input.Slice((n * inputChannels + g * groupInputChannels) * inputPlane, groupInputChannels * inputPlane);
                ReadOnlySpan<float> groupWeights = weights.Slice(g * groupOutputChannels * depth, groupOutputChannels * depth);
                ReadOnlySpan<float> groupBias = bias.Slice(g * groupOutputChannels, groupOutputChannels);
                Span<float> groupOutput = output.Slice((n * outputChannels + g * groupOutputChannels) * outputPlane, groupOutputChannels * outputPlane);
                for (int oy0 = 0; oy0 < outputHeight; oy0 += bandRows)
                {
                    int outputRows = Math.Min(bandRows, outputHeight - oy0);
                    for (int c = 0; c < groupInputChannels; c++)
                        FillBandRows(groupInput.Slice(c * inputPlane, inputPlane), oy0 * strideHeight - padTop, (outputRows - 1) * strideHeight + windowRows,
                            inputHeight, inputWidth, strideWidth, padLeft, phase, band.Slice(c * bandPlane, bandPlane));
                    if (lanes)
                    {
                        ChannelsInLanes(band, rows, strideHeight * rowLength, outputRows, outputWidth, groupWeights, groupBias, groupOutputChannels,
                            activationMin, activationMax, groupOutput, outputPlane, oy0 * outputWidth, packed);
                        continue;
                    }
                    if (!across)
                    {
                        for (int r = 0; r < outputRows; r++)
                        {
                            for (int ox = 0; ox < outputWidth; ox += FloatBlockPixels)
                            {
                                // The last block of a row of sixteen or more ends at its end (overlapping pixels get the same bits again).
                                int at = outputWidth >= FloatBlockPixels ? Math.Min(ox, outputWidth - FloatBlockPixels) : ox;
                                for (int m = 0; m < groupOutputChannels; m += FloatBlockChannels)
                                    MultiplyFloatBlock(band.Slice(r * strideHeight * rowLength + at), rows, groupWeights.Slice(m * depth), depth,
                                        Math.Min(FloatBlockChannels, groupOutputChannels - m), false, true, groupBias.Slice(m), activationMin, activationMax,
                                        groupOutput.Slice(m * outputPlane + (oy0 + r) * outputWidth + at), outputPlane, Math.Min(FloatBlockPixels, outputWidth - at));
                                ox = at;
                            }
                        }
                        continue;
                    }
                    int pixels = outputRows * phase;
                    for (int q0 = 0; q0 < pixels; q0 += FloatBlockPixels)
                    {
                        for (int m = 0; m < groupOutputChannels; m += FloatBlockChannels)
                        {
                            int channels = Math.Min(FloatBlockChannels, groupOutputChannels - m);
                            MultiplyFloatBlock(band.Slice(q0), rows, groupWeights.Slice(m * depth), depth, channels, false, true, groupBias.Slice(m),
                                activationMin, activationMax, tile, FloatBlockPixels, FloatBlockPixels);
                            // Band pixels to output pixels: runs along a band row, the columns past the output width dropped.
                            int oy = q0 / phase, ox = q0 % phase;
                            for (int j = 0; j < FloatBlockPixels && oy < outputRows; oy++, ox = 0)
                            {
                                int run = Math.Min(FloatBlockPixels - j, phase - ox), kept = Math.Min(run, outputWidth - ox);
                                for (int c = 0; c < channels && kept > 0; c++)
                                    tile.Slice(c * FloatBlockPixels + j, kept).CopyTo(groupOutput.Slice((m + c) * outputPlane + (oy0 + oy) * outputWidth + ox));
                                j += run;
                            }
                        }
                    }
                }
            }
        }
        return true;
    }

    /// <summary>
    /// True when output channels in lanes (<see cref="FloatGemm.MultiplyLaneBlock"/>: four pixels × sixteen channels per
    /// call) compute fewer (pixel, channel) slots than pixels in lanes (<see cref="FloatGemm.MultiplyFloatBlock"/>: sixteen
    /// pixels × four channels), which compute <paramref name="pixelSlots"/> pixels for <paramref name="outputs"/>: small
    /// maps, whose blocks of sixteen pixels leave lanes idle or compute dropped columns. Both cost about the same per slot.
    /// </summary>
    private static bool LanesPay(int outputs, int pixelSlots, int channels, int depth) =>
        depth * LaneBlockChannels <= FloatPanelFloats
        && (long)((outputs + LaneBlockPixels - 1) / LaneBlockPixels * LaneBlockPixels) * ((channels + LaneBlockChannels - 1) / LaneBlockChannels * LaneBlockChannels)
            < (long)pixelSlots * ((channels + FloatBlockChannels - 1) / FloatBlockChannels * FloatBlockChannels);

    /// <summary>
    /// Output pixels q &lt; outputRows·outputWidth of a group through the channels-in-lanes micro-kernel: pixel (r, ox)
    /// reads source offset r·rowStep + ox plus each tap's row, and is output[m·outputPlane + first + q]. Each block of
    /// sixteen channels is packed tap-major once into <paramref name="packed"/>; a short last group of pixels repeats its
    /// last pixel (same bits, stored once).
    /// </summary>
    private static void ChannelsInLanes(ReadOnlySpan<float> source, ReadOnlySpan<int> rows, int rowStep, int outputRows, int outputWidth,
        ReadOnlySpan<float> groupWeights, ReadOnlySpan<float> groupBias, int channels, float activationMin, float activationMax,
        Span<float> groupOutput, int outputPlane, int first, Span<float> packed)
    {
        int depth = rows.Length, count = outputRows * outputWidth;
        Span<float> packedBias = stackalloc float[LaneBlockChannels];
        Span<float> tile = stackalloc float[LaneBlockPixels * LaneBlockChannels];
        Span<int> pixels = stackalloc int[LaneBlockPixels];
        for (int m0 = 0; m0 < channels; m0 += LaneBlockChannels)
        {
            int block = Math.Min(LaneBlockChannels, channels - m0);
            PackLaneChannels(groupWeights.Slice(m0 * depth), depth, depth, block, groupBias.Slice(m0), packed, packedBias);
            for (int q0 = 0, r = 0, ox = 0; q0 < count; q0 += LaneBlockPixels)
            {
                int real = Math.Min(LaneBlockPixels, count - q0);
                for (int i = 0; i < real; i++)
                {
                    pixels[i] = r * rowStep + ox;
                    if (++ox == outputWidth)
                    {
                        ox = 0;
                        r++;
                    }
                }
                for (int i = real; i < LaneBlockPixels; i++) pixels[i] = pixels[real - 1];
                MultiplyLaneBlock(source, rows, pixels, packed, packedBias, activationMin, activationMax, groupOutput.Slice(m0 * outputPlane + first + q0),
                    outputPlane, block, real, tile);
            }
        }
    }

    /// <summary>
    /// Input rows top … top + count − 1 of one channel's <paramref name="plane"/> (0 outside it) into
    /// <paramref name="band"/>, each as <paramref name="strideWidth"/> phases of <paramref name="phase"/> floats: phase φ
    /// index i holds column i·stride + φ − padLeft.
    /// </summary>
    private static void FillBandRows(ReadOnlySpan<float> plane, int top, int count, int inputHeight, int inputWidth, int strideWidth, int padLeft,
        int phase, Span<float> band)
    {
        for (int r = 0; r < count; r++)
        {
            int y = top + r;
            for (int f = 0; f < strideWidth; f++)
            {
                Span<float> to = band.Slice((r * strideWidth + f) * phase, phase);
                if (y < 0 || y >= inputHeight)
                {
                    to.Clear();
                    continue;
                }
                int x = f - padLeft;
                TapRange(x, phase, strideWidth, inputWidth, out int first, out int end);
                to.Slice(0, first).Clear();
                ReadOnlySpan<float> from = plane.Slice(y * inputWidth);
                if (strideWidth == 1)
                {
                    from.Slice(x + first, end - first).CopyTo(to.Slice(first));
                }
                else
                {
                    int i = first;
#if NET8_0_OR_GREATER
                    // Stride 2 (MobileNet's and ResNet's strided layers): eight columns per shuffle instead of one move each.
                    if (strideWidth == 2 && System.Runtime.Intrinsics.X86.Avx2.IsSupported)
                        for (; i + 8 <= end; i += 8)
                            System.Runtime.Intrinsics.Vector256.CopyTo(EvenColumns(from.Slice(x + 2 * i, 15)), to.Slice(i, 8));
#endif
                    for (; i < end; i++) to[i] = from[x + i * strideWidth];
                }
                to.Slice(end).Clear();
            }
        }
    }

    /// <summary>
    /// Rows k0 … k0 + taps − 1 of the im2col matrix (tap k = (input channel, ky, kx)) for output pixels p0 … p0 + count − 1,
    /// each panel row <paramref name="width"/> floats: the input value each pixel's tap reads, 0 in the padding and past
    /// <paramref name="count"/>. Pixels are walked in runs along an output row, so stride-1 taps are copies.
    /// </summary>
    private static void Im2Col(ReadOnlySpan<float> groupInput, int k0, int taps, int p0, int count, int width, int inputHeight, int inputWidth,
        int outputWidth, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth,
        int padTop, int padLeft, Span<float> panel)
    {
        int window = kernelHeight * kernelWidth, inputPlane = inputHeight * inputWidth;
        for (int t = 0; t < taps; t++)
        {
            int k = k0 + t, channel = k / window, ky = k % window / kernelWidth, kx = k % kernelWidth;
            Span<float> row = panel.Slice(t * width, width);
            for (int p = p0; p < p0 + count;)
            {
                int oy = p / outputWidth, ox = p % outputWidth, run = Math.Min(outputWidth - ox, p0 + count - p);
                Span<float> to = row.Slice(p - p0, run);
                int y = oy * strideHeight - padTop + ky * dilationHeight;
                if (y < 0 || y >= inputHeight)
                {
                    to.Clear();
                }
                else
                {
                    int x = ox * strideWidth - padLeft + kx * dilationWidth;
                    TapRange(x, run, strideWidth, inputWidth, out int first, out int end);
                    to.Slice(0, first).Clear();
                    ReadOnlySpan<float> from = groupInput.Slice(channel * inputPlane + y * inputWidth);
                    if (strideWidth == 1)
                        from.Slice(x + first, end - first).CopyTo(to.Slice(first));
                    else
                        for (int i = first; i < end; i++) to[i] = from[x + i * strideWidth];
                    to.Slice(end).Clear();
                }
                p += run;
            }
            row.Slice(count).Clear();
        }
    }

    /// <summary>
    /// The convolution of a layer with one input channel per group (depthwise, any depth multiplier), vectorised along
    /// output rows: a band of the channel's input rows is copied, zero padded, into the stack, each row split into its
    /// <paramref name="strideWidth"/> column phases so that every tap of eight neighbouring outputs is one contiguous
    /// load. Each output sums its taps in (ky, kx) order from +0. False, with nothing written, when one padded row band
    /// does not fit in <see cref="FloatPanelFloats"/>.
    /// </summary>
    private static bool DepthwiseConv(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        float activationMin, float activationMax, Span<float> output)
    {
        int window = kernelHeight * kernelWidth, multiplier = outputChannels / inputChannels;
#if NET8_0_OR_GREATER
        if (multiplier == 1 && DepthwiseAcrossChannels(input, weights, bias, batch, inputChannels, inputHeight, inputWidth, outputHeight, outputWidth,
                kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft, activationMin, activationMax, output))
            return true;
#endif
        // A phase holds the columns x ≡ φ (mod stride) of the padded row: output ox's tap kx is phase (kx·dilation) mod stride,
        // index ox + (kx·dilation) / stride. Eight outputs past the last one stay readable.
        int phase = (outputWidth + 7) / 8 * 8 + (kernelWidth - 1) * dilationWidth / strideWidth;
        int rowLength = strideWidth * phase, windowRows = (kernelHeight - 1) * dilationHeight + 1;
        if (window > 256 || rowLength * windowRows > FloatPanelFloats) return false;
        int bandRows = Math.Min(outputHeight, (FloatPanelFloats / rowLength - windowRows) / strideHeight + 1);
        Span<float> band = stackalloc float[((bandRows - 1) * strideHeight + windowRows) * rowLength];
        Span<int> offsets = stackalloc int[window];
        for (int ky = 0, t = 0; ky < kernelHeight; ky++)
            for (int kx = 0; kx < kernelWidth; kx++, t++)
                offsets[t] = ky * dilationHeight * rowLength + kx * dilationWidth % strideWidth * phase + kx * dilationWidth / strideWidth;
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < inputChannels; c++)
            {
                ReadOnlySpan<float> plane = input.Slice((n * inputChannels + c) * inputPlane, inputPlane);
                for (int oy0 = 0; oy0 < outputHeight; oy0 += bandRows)
                {
                    int rows = Math.Min(bandRows, outputHeight - oy0);
                    FillBandRows(plane, oy0 * strideHeight - padTop, (rows - 1) * strideHeight + windowRows, inputHeight, inputWidth, strideWidth, padLeft,
                        phase, band);
                    for (int m = c * multiplier; m < (c + 1) * multiplier; m++)
                    {
                        ReadOnlySpan<float> taps = weights.Slice(m * window, window);
                        DepthwiseRows(band, strideHeight * rowLength, offsets, taps, bias[m], activationMin, activationMax,
                            output.Slice((n * outputChannels + m) * outputPlane + oy0 * outputWidth, rows * outputWidth), outputWidth);
                    }
                }
            }
        }
        return true;
    }

#if NET8_0_OR_GREATER
    /// <summary>Widest output rows the across-channels depthwise path takes (wider rows fill the row kernel's vectors).</summary>
    public const int AcrossChannelsWidth = 15;

    /// <summary>
    /// A depthwise layer (depth multiplier 1) with narrow output rows, vectorised across channels: the zero-padded planes of
    /// eight channels (four with 128-bit vectors) are interleaved into the stack, pixel by pixel with one lane per channel,
    /// so each tap of those channels at one output pixel is one load and each output pixel one vector. Four output pixels
    /// of a row are computed together (four independent chains of adds sharing each tap's weights); the output vectors go
    /// to an interleaved plane in the stack and out to the channels' planes. With AVX both the interleave and the way out
    /// are 8×8 transposes of eight pixels of eight channels (a plane is contiguous, whatever its width). Each lane sums its
    /// channel's taps in (ky, kx) order from +0, as the row kernel does, so the bits are the same. Narrow rows are where
    /// the row kernel pays most per output (a band and a pass per channel, vectors wider than the row). False, with
    /// nothing written, when rows are wider than <see cref="AcrossChannelsWidth"/> or the interleaved planes do not fit
    /// in <see cref="FloatPanelFloats"/>.
    /// </summary>
    private static bool DepthwiseAcrossChannels(ReadOnlySpan<float> input, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        int batch, int channels, int inputHeight, int inputWidth, int outputHeight, int outputWidth,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        float activationMin, float activationMax, Span<float> output)
    {
        if (!System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated || outputWidth > AcrossChannelsWidth) return false;
        int lanes = System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 8 : 4, window = kernelHeight * kernelWidth;
        bool transpose = lanes == 8 && System.Runtime.Intrinsics.X86.Avx.IsSupported;
        // The padded plane holds exactly the rows and columns the windows reach.
        int paddedHeight = (outputHeight - 1) * strideHeight + (kernelHeight - 1) * dilationHeight + 1;
        int paddedWidth = (outputWidth - 1) * strideWidth + (kernelWidth - 1) * dilationWidth + 1;
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        if (window > 64 || (paddedHeight * paddedWidth + outputPlane + window + 1) * lanes > FloatPanelFloats) return false;
        // Cleared by the runtime on entry: the padding is never written, so it stays zero for every block of channels.
        Span<float> planes = stackalloc float[paddedHeight * paddedWidth * lanes];
        Span<float> sums = stackalloc float[outputPlane * lanes]; // the block's outputs, interleaved as the planes are
        Span<float> taps = stackalloc float[window * lanes];
        Span<float> offsets = stackalloc float[lanes]; // the block's biases
        Span<int> tapOffsets = stackalloc int[window];
        for (int ky = 0, t = 0; ky < kernelHeight; ky++)
            for (int kx = 0; kx < kernelWidth; kx++, t++)
                tapOffsets[t] = (ky * dilationHeight * paddedWidth + kx * dilationWidth) * lanes;
        // Input rows and columns inside the padded plane.
        int firstRow = Math.Max(0, padTop), endRow = Math.Min(paddedHeight, padTop + inputHeight);
        int firstColumn = Math.Max(0, padLeft), endColumn = Math.Min(paddedWidth, padLeft + inputWidth);
        int lastTap = tapOffsets[window - 1], lastPixel = ((outputHeight - 1) * strideHeight * paddedWidth + (outputWidth - 1) * strideWidth) * lanes;
        if (lastPixel + lastTap + lanes > planes.Length) throw new ArgumentException("A tap runs past the interleaved planes.");
        ref float from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(planes);
        ref float to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(sums);
        ref float tapWeights = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(taps);
        ref float biasLanes = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(offsets);
        ref int tapOffset = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(tapOffsets);
        for (int n = 0; n < batch; n++)
        {
            for (int c0 = 0; c0 < channels; c0 += lanes)
            {
                int count = Math.Min(lanes, channels - c0); // lanes past the last channel repeat it (or hold an earlier block's values), never stored
                if (transpose && inputPlane >= 8)
                {
                    InterleaveEightPlanes(input.Slice(n * channels * inputPlane), c0, count, inputPlane, inputWidth, padTop, padLeft,
                        firstRow, endRow, firstColumn, endColumn, paddedWidth, planes);
                }
                else
                {
                    for (int l = 0; l < count; l++)
                    {
                        ReadOnlySpan<float> plane = input.Slice((n * channels + c0 + l) * inputPlane, inputPlane);
                        for (int py = firstRow; py < endRow; py++)
                        {
                            int row = (py - padTop) * inputWidth - padLeft;
                            for (int px = firstColumn; px < endColumn; px++) planes[(py * paddedWidth + px) * lanes + l] = plane[row + px];
                        }
                    }
                }
                for (int l = 0; l < count; l++)
                {
                    for (int t = 0; t < window; t++) taps[t * lanes + l] = weights[(c0 + l) * window + t];
                    offsets[l] = bias[c0 + l];
                }
                for (int oy = 0; oy < outputHeight; oy++)
                {
                    int rowStart = oy * strideHeight * paddedWidth;
                    for (int ox = 0; ox < outputWidth; ox += 4)
                    {
                        // Four pixels of the row; past its end the last pixel is computed again (same bits, same place).
                        int x1 = Math.Min(ox + 1, outputWidth - 1), x2 = Math.Min(ox + 2, outputWidth - 1), x3 = Math.Min(ox + 3, outputWidth - 1);
                        nuint p0 = (nuint)((rowStart + ox * strideWidth) * lanes), p1 = (nuint)((rowStart + x1 * strideWidth) * lanes);
                        nuint p2 = (nuint)((rowStart + x2 * strideWidth) * lanes), p3 = (nuint)((rowStart + x3 * strideWidth) * lanes);
                        int o = oy * outputWidth;
                        if (lanes == 8)
                        {
                            var s0 = System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s1 = System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s2 = System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s3 = System.Runtime.Intrinsics.Vector256<float>.Zero;
                            for (int t = 0; t < window; t++)
                            {
                                nuint at = (nuint)System.Runtime.CompilerServices.Unsafe.Add(ref tapOffset, t);
                                var w = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref tapWeights, (nuint)(t * 8));
                                s0 += System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref from, p0 + at) * w;
                                s1 += System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref from, p1 + at) * w;
                                s2 += System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref from, p2 + at) * w;
                                s3 += System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref from, p3 + at) * w;
                            }
                            var offset = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref biasLanes);
                            var min = System.Runtime.Intrinsics.Vector256.Create(activationMin);
                            var max = System.Runtime.Intrinsics.Vector256.Create(activationMax);
                            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(s0 + offset, min, max), ref to, (nuint)((o + ox) * 8));
                            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(s1 + offset, min, max), ref to, (nuint)((o + x1) * 8));
                            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(s2 + offset, min, max), ref to, (nuint)((o + x2) * 8));
                            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(s3 + offset, min, max), ref to, (nuint)((o + x3) * 8));
                        }
                        else
                        {
                            var s0 = System.Runtime.Intrinsics.Vector128<float>.Zero;
                            var s1 = System.Runtime.Intrinsics.Vector128<float>.Zero;
                            var s2 = System.Runtime.Intrinsics.Vector128<float>.Zero;
                            var s3 = System.Runtime.Intrinsics.Vector128<float>.Zero;
                            for (int t = 0; t < window; t++)
                            {
                                nuint at = (nuint)System.Runtime.CompilerServices.Unsafe.Add(ref tapOffset, t);
                                var w = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref tapWeights, (nuint)(t * 4));
                                s0 += System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, p0 + at) * w;
                                s1 += System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, p1 + at) * w;
                                s2 += System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, p2 + at) * w;
                                s3 += System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, p3 + at) * w;
                            }
                            var offset = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref biasLanes);
                            var min = System.Runtime.Intrinsics.Vector128.Create(activationMin);
                            var max = System.Runtime.Intrinsics.Vector128.Create(activationMax);
                            System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(s0 + offset, min, max), ref to, (nuint)((o + ox) * 4));
                            System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(s1 + offset, min, max), ref to, (nuint)((o + x1) * 4));
                            System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(s2 + offset, min, max), ref to, (nuint)((o + x2) * 4));
                            System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(s3 + offset, min, max), ref to, (nuint)((o + x3) * 4));
                        }
                    }
                }
                Span<float> block = output.Slice((n * channels + c0) * outputPlane);
                if (transpose && outputPlane >= 8)
                {
                    // Eight pixels of eight channels per transpose; the last eight end at the plane's end (overlapping pixels get the same bits again).
                    for (int p = 0; p < outputPlane; p += 8)
                    {
                        int first = Math.Min(p, outputPlane - 8);
                        ref float pixels = ref System.Runtime.CompilerServices.Unsafe.Add(ref to, first * 8);
                        var r0 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref pixels, 0);
                        var r1 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref pixels, 8);
                        var r2 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref pixels, 16);
                        var r3 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref pixels, 24);
                        var r4 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref pixels, 32);
                        var r5 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref pixels, 40);
                        var r6 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref pixels, 48);
                        var r7 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref pixels, 56);
                        TransposeEight(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                        System.Runtime.Intrinsics.Vector256.CopyTo(r0, block.Slice(first, 8));
                        if (count > 1) System.Runtime.Intrinsics.Vector256.CopyTo(r1, block.Slice(outputPlane + first, 8));
                        if (count > 2) System.Runtime.Intrinsics.Vector256.CopyTo(r2, block.Slice(2 * outputPlane + first, 8));
                        if (count > 3) System.Runtime.Intrinsics.Vector256.CopyTo(r3, block.Slice(3 * outputPlane + first, 8));
                        if (count > 4) System.Runtime.Intrinsics.Vector256.CopyTo(r4, block.Slice(4 * outputPlane + first, 8));
                        if (count > 5) System.Runtime.Intrinsics.Vector256.CopyTo(r5, block.Slice(5 * outputPlane + first, 8));
                        if (count > 6) System.Runtime.Intrinsics.Vector256.CopyTo(r6, block.Slice(6 * outputPlane + first, 8));
                        if (count > 7) System.Runtime.Intrinsics.Vector256.CopyTo(r7, block.Slice(7 * outputPlane + first, 8));
                    }
                }
                else
                {
                    for (int p = 0; p < outputPlane; p++)
                        for (int l = 0; l < count; l++) block[l * outputPlane + p] = sums[p * lanes + l];
                }
            }
        }
        return true;
    }

    /// <summary>
    /// The input planes of channels c0 … c0 + 7 of one image into the interleaved padded <paramref name="planes"/> (eight
    /// lanes per pixel), eight pixels at a time through an 8×8 transpose; channels past <paramref name="count"/> repeat the
    /// last one. Pixels outside the rows and columns the windows reach are not stored. The plane holds eight pixels or more.
    /// </summary>
    private static void InterleaveEightPlanes(ReadOnlySpan<float> image, int c0, int count, int inputPlane, int inputWidth, int padTop, int padLeft,
        int firstRow, int endRow, int firstColumn, int endColumn, int paddedWidth, Span<float> planes)
    {
        ReadOnlySpan<float> c0Plane = image.Slice(c0 * inputPlane, inputPlane);
        ReadOnlySpan<float> c1Plane = image.Slice((c0 + Math.Min(1, count - 1)) * inputPlane, inputPlane);
        ReadOnlySpan<float> c2Plane = image.Slice((c0 + Math.Min(2, count - 1)) * inputPlane, inputPlane);
        ReadOnlySpan<float> c3Plane = image.Slice((c0 + Math.Min(3, count - 1)) * inputPlane, inputPlane);
        ReadOnlySpan<float> c4Plane = image.Slice((c0 + Math.Min(4, count - 1)) * inputPlane, inputPlane);
        ReadOnlySpan<float> c5Plane = image.Slice((c0 + Math.Min(5, count - 1)) * inputPlane, inputPlane);
        ReadOnlySpan<float> c6Plane = image.Slice((c0 + Math.Min(6, count - 1)) * inputPlane, inputPlane);
        ReadOnlySpan<float> c7Plane = image.Slice((c0 + Math.Min(7, count - 1)) * inputPlane, inputPlane);
        for (int p = 0; p < inputPlane; p += 8)
        {
            int first = Math.Min(p, inputPlane - 8); // the last eight end at the plane's end: overlapping pixels are stored again, the same values
            var r0 = System.Runtime.Intrinsics.Vector256.Create(c0Plane.Slice(first, 8));
            var r1 = System.Runtime.Intrinsics.Vector256.Create(c1Plane.Slice(first, 8));
            var r2 = System.Runtime.Intrinsics.Vector256.Create(c2Plane.Slice(first, 8));
            var r3 = System.Runtime.Intrinsics.Vector256.Create(c3Plane.Slice(first, 8));
            var r4 = System.Runtime.Intrinsics.Vector256.Create(c4Plane.Slice(first, 8));
            var r5 = System.Runtime.Intrinsics.Vector256.Create(c5Plane.Slice(first, 8));
            var r6 = System.Runtime.Intrinsics.Vector256.Create(c6Plane.Slice(first, 8));
            var r7 = System.Runtime.Intrinsics.Vector256.Create(c7Plane.Slice(first, 8));
            TransposeEight(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            int y = first / inputWidth, x = first - y * inputWidth;
            StorePixel(r0, ref y, ref x, inputWidth, padTop, padLeft, firstRow, endRow, firstColumn, endColumn, paddedWidth, planes);
            StorePixel(r1, ref y, ref x, inputWidth, padTop, padLeft, firstRow, endRow, firstColumn, endColumn, paddedWidth, planes);
            StorePixel(r2, ref y, ref x, inputWidth, padTop, padLeft, firstRow, endRow, firstColumn, endColumn, paddedWidth, planes);
            StorePixel(r3, ref y, ref x, inputWidth, padTop, padLeft, firstRow, endRow, firstColumn, endColumn, paddedWidth, planes);
            StorePixel(r4, ref y, ref x, inputWidth, padTop, padLeft, firstRow, endRow, firstColumn, endColumn, paddedWidth, planes);
            StorePixel(r5, ref y, ref x, inputWidth, padTop, padLeft, firstRow, endRow, firstColumn, endColumn, paddedWidth, planes);
            StorePixel(r6, ref y, ref x, inputWidth, padTop, padLeft, firstRow, endRow, firstColumn, endColumn, paddedWidth, planes);
            StorePixel(r7, ref y, ref x, inputWidth, padTop, padLeft, firstRow, endRow, firstColumn, endColumn, paddedWidth, planes);
        }
    }

    /// <summary>Input pixel (y, x)'s eight channels to its place in the padded planes when the windows reach it; then the next pixel.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void StorePixel(System.Runtime.Intrinsics.Vector256<float> pixel, ref int y, ref int x, int inputWidth, int padTop, int padLeft,
        int firstRow, int endRow, int firstColumn, int endColumn, int paddedWidth, Span<float> planes)
    {
        int py = y + padTop, px = x + padLeft;
        if (py >= firstRow && py < endRow && px >= firstColumn && px < endColumn) System.Runtime.Intrinsics.Vector256.CopyTo(pixel, planes.Slice((py * paddedWidth + px) * 8, 8));
        if (++x == inputWidth)
        {
            x = 0;
            y++;
        }
    }
#endif

    /// <summary>
    /// Output rows of a depthwise layer: output[r·width + ox] = clamp(Σ_t band[r·bandRowStep + offsets[t] + ox] · taps[t] + bias),
    /// t in order. Four rows are computed together (four chains of dependent adds in flight), eight (or four) outputs per
    /// vector; a row's last vector ends at its last output (overlapping outputs get the same bits again) and a row
    /// shorter than a vector goes out through the stack. The band holds eight readable values past each row's last output.
    /// </summary>
    private static void DepthwiseRows(ReadOnlySpan<float> band, int bandRowStep, ReadOnlySpan<int> offsets, ReadOnlySpan<float> taps, float bias,
        float activationMin, float activationMax, Span<float> output, int width)
    {
        int window = taps.Length, rows = output.Length / width;
        for (int t = 0; t < window; t++)
            if (offsets[t] < 0 || offsets[t] + (rows - 1) * bandRowStep + (width + 7) / 8 * 8 > band.Length)
                throw new ArgumentException("A tap runs past the band.");
#if NET8_0_OR_GREATER
        ref float from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(band);
        ref float to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output);
        int lanes = System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 8 : 4;
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated && (lanes == 8 || width >= 4))
        {
            Span<float> spill = width < lanes ? stackalloc float[4 * 8] : default;
            for (int r = 0; r < rows; r += 4)
            {
                // Past the last row the last one is computed again (the same bits, stored to the same place).
                int r1 = Math.Min(r + 1, rows - 1), r2 = Math.Min(r + 2, rows - 1), r3 = Math.Min(r + 3, rows - 1);
                for (int ox = 0; ox < width; ox += lanes)
                {
                    int at = width >= lanes ? Math.Min(ox, width - lanes) : 0;
                    nuint p0 = (nuint)(r * bandRowStep + at), p1 = (nuint)(r1 * bandRowStep + at);
                    nuint p2 = (nuint)(r2 * bandRowStep + at), p3 = (nuint)(r3 * bandRowStep + at);
                    if (lanes == 8)
                    {
                        var s0 = System.Runtime.Intrinsics.Vector256<float>.Zero;
                        var s1 = System.Runtime.Intrinsics.Vector256<float>.Zero;
                        var s2 = System.Runtime.Intrinsics.Vector256<float>.Zero;
                        var s3 = System.Runtime.Intrinsics.Vector256<float>.Zero;
                        for (int t = 0; t < window; t++)
                        {
                            var w = System.Runtime.Intrinsics.Vector256.Create(taps[t]);
                            nuint o = (nuint)offsets[t];
                            s0 += System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref from, p0 + o) * w;
                            s1 += System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref from, p1 + o) * w;
                            s2 += System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref from, p2 + o) * w;
                            s3 += System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref from, p3 + o) * w;
                        }
                        var offset = System.Runtime.Intrinsics.Vector256.Create(bias);
                        var min = System.Runtime.Intrinsics.Vector256.Create(activationMin);
                        var max = System.Runtime.Intrinsics.Vector256.Create(activationMax);
                        s0 = ClampFloat256(s0 + offset, min, max);
                        s1 = ClampFloat256(s1 + offset, min, max);
                        s2 = ClampFloat256(s2 + offset, min, max);
                        s3 = ClampFloat256(s3 + offset, min, max);
                        ref float rows0 = ref width >= 8 ? ref to : ref System.Runtime.InteropServices.MemoryMarshal.GetReference(spill);
                        int step = width >= 8 ? width : 8; // rows of the output, or of the spill
                        System.Runtime.Intrinsics.Vector256.StoreUnsafe(s0, ref rows0, (nuint)(width >= 8 ? r * step + at : 0));
                        System.Runtime.Intrinsics.Vector256.StoreUnsafe(s1, ref rows0, (nuint)(width >= 8 ? r1 * step + at : step));
                        System.Runtime.Intrinsics.Vector256.StoreUnsafe(s2, ref rows0, (nuint)(width >= 8 ? r2 * step + at : 2 * step));
                        System.Runtime.Intrinsics.Vector256.StoreUnsafe(s3, ref rows0, (nuint)(width >= 8 ? r3 * step + at : 3 * step));
                    }
                    else
                    {
                        var s0 = System.Runtime.Intrinsics.Vector128<float>.Zero;
                        var s1 = System.Runtime.Intrinsics.Vector128<float>.Zero;
                        var s2 = System.Runtime.Intrinsics.Vector128<float>.Zero;
                        var s3 = System.Runtime.Intrinsics.Vector128<float>.Zero;
                        for (int t = 0; t < window; t++)
                        {
                            var w = System.Runtime.Intrinsics.Vector128.Create(taps[t]);
                            nuint o = (nuint)offsets[t];
                            s0 += System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, p0 + o) * w;
                            s1 += System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, p1 + o) * w;
                            s2 += System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, p2 + o) * w;
                            s3 += System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, p3 + o) * w;
                        }
                        var offset = System.Runtime.Intrinsics.Vector128.Create(bias);
                        var min = System.Runtime.Intrinsics.Vector128.Create(activationMin);
                        var max = System.Runtime.Intrinsics.Vector128.Create(activationMax);
                        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(s0 + offset, min, max), ref to, (nuint)(r * width + at));
                        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(s1 + offset, min, max), ref to, (nuint)(r1 * width + at));
                        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(s2 + offset, min, max), ref to, (nuint)(r2 * width + at));
                        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(s3 + offset, min, max), ref to, (nuint)(r3 * width + at));
                    }
                    if (width < lanes)
                    {
                        spill.Slice(0, width).CopyTo(output.Slice(r * width, width));
                        spill.Slice(8, width).CopyTo(output.Slice(r1 * width, width));
                        spill.Slice(16, width).CopyTo(output.Slice(r2 * width, width));
                        spill.Slice(24, width).CopyTo(output.Slice(r3 * width, width));
                    }
                    ox = at;
                }
            }
            return;
        }
#endif
        for (int r = 0; r < rows; r++)
        {
            for (int ox = 0; ox < width; ox++)
            {
                float sum = 0f;
                for (int t = 0; t < window; t++) sum += band[r * bandRowStep + offsets[t] + ox] * taps[t];
                output[r * width + ox] = FloatClamp(sum + bias, activationMin, activationMax);
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
