using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;
using static ModelBaker.Core.Kernels.Int8Dot;
using static ModelBaker.Core.Kernels.WindowBounds;
using System.Linq;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// A 2-D int8 convolution, NCHW, grouped: int8 weights symmetric per output channel, int32 bias at input scale ×
/// weight scale, per-channel requantization, optional fused clamp.
/// <para>
/// Padding is real 0, which is the input zero point in int8. The bias has −zeroPoint · Σ weights folded in, so
/// inside the input the loop is a plain int8 dot product; at the border a padded tap reads the zero point, which
/// makes the sum exactly Σ (input − zeroPoint) · weight over the window.
/// </para>
/// </summary>
public sealed class ConvInt8 : Int8Kernel
{
    public ConvInt8(string source, ArenaSlice input, ArenaSlice output, ConvGeometry geometry, EncodedWeights weights, int inputZeroPoint,
        OutputStage outputStage) : base(source)
    {
        Input = input;
        Output = output;
        Geometry = geometry;
        Encoded = weights;
        Weights = weights.Decode();
        InputZeroPoint = inputZeroPoint;
        OutputStage = outputStage;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public ConvGeometry Geometry { get; }
    /// <summary>The weights as stored: dense, sparse or clustered, whichever is smallest.</summary>
    public EncodedWeights Encoded { get; }
    /// <summary>[output channels, input channels / groups, kernel height, kernel width], int8 in [−127, 127] (decoded).</summary>
    public sbyte[] Weights { get; }
    public override int Parameters => Weights.Length;
    public override int ZeroParameters => System.Linq.Enumerable.Count(Weights, w => w == 0);
    public int InputZeroPoint { get; }
    public OutputStage OutputStage { get; }

    /// <summary>The TensorFlow Lite Micro scheme, per output channel (docs/compression.md).</summary>
    public static ConvInt8 From(ConvFloat conv, QuantizationContext q)
    {
        var input = q.Parameters(conv.Input);
        var output = q.Parameters(conv.Output);
        var layer = LayerQuantizer.Quantize(conv, conv.ClusteredValues, q.ModelWeightScalesOf(conv.Source, conv.Geometry.OutputChannels), input, output);
        var (min, max) = QuantizationContext.ActivationRange(conv.ActivationMin, conv.ActivationMax, output);
        return new ConvInt8(conv.Source, q.Slice(conv.Input), q.Slice(conv.Output), conv.Geometry, layer.Weights, input.ZeroPoint,
            new OutputStage(layer.Bias, layer.Multipliers, layer.Shifts, output.ZeroPoint, min, max));
    }

    public override KernelKind Kind => KernelKind.ConvInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Encoded.Bytes + OutputStage.Bytes;
    public override string Encoding => Encoded.Name;
    public override int Clusters => Encoded.ClusterCount;
    public override IEnumerable<string> Helpers => new[] { nameof(ConvInt8), nameof(Int8Dot), nameof(WindowBounds), nameof(FixedPoint) }.Concat(Encoded.Helpers);
    public override int DecodedWeightBytes => Encoded.DecodedBytes;

    /// <summary>Runs the very helper generated code calls, on the weights its encoding decodes to.</summary>
    public override void Run(PlanArena arena)
    {
        var (g, o) = (Geometry, OutputStage);
        Conv(arena.Int8s(Input), Weights, o.Bias, o.StoredMultipliers, o.StoredShifts, g.Batch, g.InputChannels, g.InputHeight, g.InputWidth,
            g.OutputChannels, g.OutputHeight, g.OutputWidth, g.Groups, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth,
            g.DilationHeight, g.DilationWidth, g.PadTop, g.PadLeft, InputZeroPoint, o.ZeroPoint, o.ActivationMin, o.ActivationMax,
            arena.Int8s(Output));
    }

    // <emit>
    /// <summary>
    /// Int8 convolution, NCHW, grouped, per-channel requantization. Padded taps read the input zero point (real 0),
    /// which the folded bias cancels exactly.
    /// </summary>
    public static void Conv(ReadOnlySpan<sbyte> input, ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> bias,
        ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int weightsPerChannel = inputChannels / groups * kernelHeight * kernelWidth;
        if (weightsPerChannel >= 16 && weightsPerChannel <= 16384)
        {
            ConvPatches(input, weights, bias, multipliers, shifts, batch, inputChannels, inputHeight, inputWidth, outputChannels, outputHeight, outputWidth, groups,
                kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft,
                inputZeroPoint, outputZeroPoint, activationMin, activationMax, output);
            return;
        }
        // Windows too small for a vector (depthwise 3 × 3: 9 weights): the window loop, channel by channel.
        for (int n = 0; n < batch; n++)
            for (int m = 0; m < outputChannels; m++)
                ConvChannel(input, weights.Slice(m * weightsPerChannel, weightsPerChannel), bias[m], multipliers[multipliers.Length == 1 ? 0 : m] << 16, shifts[shifts.Length == 1 ? 0 : m],
                    n, m, inputChannels, inputHeight, inputWidth, outputChannels, outputHeight, outputWidth, groups,
                    kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft,
                    inputZeroPoint, outputZeroPoint, activationMin, activationMax, output);
    }

    /// <summary>
    /// <see cref="Conv"/> through patches (im2col one position at a time): each output position's receptive field is
    /// gathered once into a contiguous stack buffer — the input zero point where it lies in the padding — and then
    /// serves every output channel of its group as one vectorised int8 dot product with that channel's weights.
    /// </summary>
    public static void ConvPatches(ReadOnlySpan<sbyte> input, ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> bias,
        ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int groupInputChannels = inputChannels / groups, groupOutputChannels = outputChannels / groups;
        int weightsPerChannel = groupInputChannels * kernelHeight * kernelWidth;
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        Span<sbyte> patch = stackalloc sbyte[weightsPerChannel];
        for (int n = 0; n < batch; n++)
        {
            for (int g = 0; g < groups; g++)
            {
                ReadOnlySpan<sbyte> groupInput = input.Slice((n * inputChannels + g * groupInputChannels) * inputPlane, groupInputChannels * inputPlane);
                for (int oy = 0; oy < outputHeight; oy++)
                {
                    int top = oy * strideHeight - padTop;
                    for (int ox = 0; ox < outputWidth; ox++)
                    {
                        int left = ox * strideWidth - padLeft, i = 0;
                        for (int ic = 0; ic < groupInputChannels; ic++)
                        {
                            for (int ky = 0; ky < kernelHeight; ky++)
                            {
                                int y = top + ky * dilationHeight;
                                if (y < 0 || y >= inputHeight)
                                {
                                    patch.Slice(i, kernelWidth).Fill((sbyte)inputZeroPoint);
                                    i += kernelWidth;
                                    continue;
                                }
                                int row = ic * inputPlane + y * inputWidth;
                                for (int kx = 0, x = left; kx < kernelWidth; kx++, i++, x += dilationWidth)
                                    patch[i] = x >= 0 && x < inputWidth ? groupInput[row + x] : (sbyte)inputZeroPoint;
                            }
                        }
                        int position = oy * outputWidth + ox;
                        for (int m = g * groupOutputChannels; m < (g + 1) * groupOutputChannels; m++)
                        {
                            int accumulator = bias[m] + Dot(patch, weights.Slice(m * weightsPerChannel, weightsPerChannel));
                            output[(n * outputChannels + m) * outputPlane + position] = Requantize(accumulator,
                                multipliers[multipliers.Length == 1 ? 0 : m] << 16, shifts[shifts.Length == 1 ? 0 : m], outputZeroPoint, activationMin, activationMax);
                        }
                    }
                }
            }
        }
    }

    /// <summary>One output channel of one batch item: the window loop of <see cref="Conv"/>.</summary>
    public static void ConvChannel(ReadOnlySpan<sbyte> input, ReadOnlySpan<sbyte> channelWeights, int channelBias, int multiplier, int shift,
        int n, int m, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int groupInputChannels = inputChannels / groups, groupOutputChannels = outputChannels / groups;
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        InsideRange(outputHeight, inputHeight, kernelHeight, strideHeight, dilationHeight, padTop, out int firstRow, out int endRow);
        InsideRange(outputWidth, inputWidth, kernelWidth, strideWidth, dilationWidth, padLeft, out int firstColumn, out int endColumn);
        int rowStep = dilationHeight * inputWidth;
        ReadOnlySpan<sbyte> groupInput = input.Slice((n * inputChannels + m / groupOutputChannels * groupInputChannels) * inputPlane,
            groupInputChannels * inputPlane);
        Span<sbyte> plane = output.Slice((n * outputChannels + m) * outputPlane, outputPlane);
        for (int oy = 0; oy < outputHeight; oy++)
        {
            int top = oy * strideHeight - padTop;
            bool rowInside = oy >= firstRow && oy < endRow;
            for (int ox = 0; ox < outputWidth; ox++)
            {
                int left = ox * strideWidth - padLeft;
                int accumulator = channelBias;
                int w = 0;
                if (rowInside && ox >= firstColumn && ox < endColumn)
                {
                    // Whole window inside the input: a plain int8 dot product.
                    for (int ic = 0; ic < groupInputChannels; ic++)
                    {
                        int row = ic * inputPlane + top * inputWidth + left;
                        for (int ky = 0; ky < kernelHeight; ky++, row += rowStep)
                            for (int kx = 0; kx < kernelWidth; kx++, w++)
                                accumulator += groupInput[row + kx * dilationWidth] * channelWeights[w];
                    }
                }
                else
                {
                    // Border: a tap in the padding reads the zero point (real 0), as the folded bias expects.
                    for (int ic = 0; ic < groupInputChannels; ic++)
                    {
                        for (int ky = 0; ky < kernelHeight; ky++)
                        {
                            int y = top + ky * dilationHeight;
                            bool rowValid = y >= 0 && y < inputHeight;
                            int row = ic * inputPlane + y * inputWidth;
                            for (int kx = 0; kx < kernelWidth; kx++, w++)
                            {
                                int x = left + kx * dilationWidth;
                                int value = rowValid && x >= 0 && x < inputWidth ? groupInput[row + x] : inputZeroPoint;
                                accumulator += value * channelWeights[w];
                            }
                        }
                    }
                }
                plane[oy * outputWidth + ox] = Requantize(accumulator, multiplier, shift, outputZeroPoint, activationMin, activationMax);
            }
        }
    }

    // </emit>

    // <emit Nano>
    /// <summary>
    /// Int8 convolution on arrays, NCHW, grouped, per-channel requantization, its weights read a channel at a time. Padded
    /// taps read the input zero point (real 0), which the folded bias cancels exactly.
    /// </summary>
    public static void Conv(sbyte[] input, int inputOffset, WeightRows weights, int[] bias, short[] multipliers, sbyte[] shifts,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax, sbyte[] output, int outputOffset)
    {
        for (int m = 0; m < outputChannels; m++)
        {
            sbyte[] channelWeights = weights.Read(m, out int at); // each channel's row decoded once, for every batch item
            for (int n = 0; n < batch; n++)
                ConvChannel(input, inputOffset, channelWeights, at, bias[m], multipliers[multipliers.Length == 1 ? 0 : m] << 16, shifts[shifts.Length == 1 ? 0 : m],
                    n, m, inputChannels, inputHeight, inputWidth, outputChannels, outputHeight, outputWidth, groups,
                    kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft,
                    inputZeroPoint, outputZeroPoint, activationMin, activationMax, output, outputOffset);
        }
    }

    /// <summary>One output channel of one batch item, its weights at <paramref name="channelWeights"/> in <paramref name="weights"/>.</summary>
    public static void ConvChannel(sbyte[] input, int inputOffset, sbyte[] weights, int channelWeights, int channelBias, int multiplier, int shift,
        int n, int m, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax, sbyte[] output, int outputOffset)
    {
        int groupInputChannels = inputChannels / groups, groupOutputChannels = outputChannels / groups;
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        InsideRange(outputHeight, inputHeight, kernelHeight, strideHeight, dilationHeight, padTop, out int firstRow, out int endRow);
        InsideRange(outputWidth, inputWidth, kernelWidth, strideWidth, dilationWidth, padLeft, out int firstColumn, out int endColumn);
        int rowStep = dilationHeight * inputWidth;
        int groupInput = inputOffset + (n * inputChannels + m / groupOutputChannels * groupInputChannels) * inputPlane;
        int plane = outputOffset + (n * outputChannels + m) * outputPlane;
        for (int oy = 0; oy < outputHeight; oy++)
        {
            int top = oy * strideHeight - padTop;
            bool rowInside = oy >= firstRow && oy < endRow;
            for (int ox = 0; ox < outputWidth; ox++)
            {
                int left = ox * strideWidth - padLeft;
                int accumulator = channelBias;
                int w = channelWeights;
                if (rowInside && ox >= firstColumn && ox < endColumn)
                {
                    // Whole window inside the input: a plain int8 dot product.
                    for (int ic = 0; ic < groupInputChannels; ic++)
                    {
                        int row = ic * inputPlane + top * inputWidth + left;
                        for (int ky = 0; ky < kernelHeight; ky++, row += rowStep)
                            for (int kx = 0; kx < kernelWidth; kx++, w++)
                                accumulator += input[groupInput + row + kx * dilationWidth] * weights[w];
                    }
                }
                else
                {
                    // Border: a tap in the padding reads the zero point (real 0), as the folded bias expects.
                    for (int ic = 0; ic < groupInputChannels; ic++)
                    {
                        for (int ky = 0; ky < kernelHeight; ky++)
                        {
                            int y = top + ky * dilationHeight;
                            bool rowValid = y >= 0 && y < inputHeight;
                            int row = ic * inputPlane + y * inputWidth;
                            for (int kx = 0; kx < kernelWidth; kx++, w++)
                            {
                                int x = left + kx * dilationWidth;
                                int value = rowValid && x >= 0 && x < inputWidth ? input[groupInput + row + x] : inputZeroPoint;
                                accumulator += value * weights[w];
                            }
                        }
                    }
                }
                output[plane + oy * outputWidth + ox] = Requantize(accumulator, multiplier, shift, outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(ConvInt8) + "#Nano", nameof(WindowBounds), nameof(FixedPoint) }.Concat(Encoded.NanoHelpers);

    /// <summary>The nanoFramework flavour decodes a sparse or clustered channel's weights into a row buffer of this many bytes.</summary>
    public override int ScratchBytes => Encoded.RowBufferBytes;

    public override void EmitNanoCall(CodeWriter code, string name) => EmitCall(code, Input.NanoArguments(code), $"{name}Rows", name, Output.NanoArguments(code));

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        Geometry.Write(w);
        Encoded.Write(w); w.Int(InputZeroPoint); OutputStage.Write(w);
    }

    public static ConvInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), ConvGeometry.Read(r), EncodedWeights.Read(r), r.Int(), OutputStage.Read(r));

    public override void EmitCall(CodeWriter code, string name) => EmitCall(code, Input.Expression(code), $"{name}Weights", name, Output.Expression(code));

    /// <summary>The call, in either flavour (they differ in how arena slices and weights are passed).</summary>
    private void EmitCall(CodeWriter code, string input, string weights, string name, string output)
    {
        string[] geometry = Geometry.Arguments();
        code.Line($"Conv({input}, {weights}, {name}Bias, {name}Multipliers, {name}Shifts,")
            .Line($"    {geometry[0]}")
            .Line($"    {geometry[1]}")
            .Line($"    inputZeroPoint: {InputZeroPoint}, {OutputStage.Arguments}, {output});");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        var g = Geometry;
        Encoded.EmitData(code, name, $"[{g.OutputChannels} output channels × {g.InputChannels / g.Groups} input channels × {g.KernelHeight} × {g.KernelWidth}]");
        OutputStage.EmitData(code, name, "output channel");
    }
}
