using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Compression;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;
using static ModelBaker.Core.Kernels.WindowBounds;

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
    public ConvInt8(string source, ArenaSlice input, ArenaSlice output, ConvGeometry geometry, sbyte[] weights, int[] bias,
        int[] multipliers, int[] shifts, int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax) : base(source)
    {
        Input = input;
        Output = output;
        Geometry = geometry;
        Weights = weights;
        Bias = bias;
        Multipliers = multipliers;
        Shifts = shifts;
        InputZeroPoint = inputZeroPoint;
        OutputZeroPoint = outputZeroPoint;
        ActivationMin = activationMin;
        ActivationMax = activationMax;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public ConvGeometry Geometry { get; }
    /// <summary>[output channels, input channels / groups, kernel height, kernel width], int8 in [−127, 127].</summary>
    public sbyte[] Weights { get; }
    /// <summary>int32 at input scale × weight scale, with −inputZeroPoint · Σ weights of the channel folded in.</summary>
    public int[] Bias { get; }
    public int[] Multipliers { get; }
    public int[] Shifts { get; }
    public int InputZeroPoint { get; }
    public int OutputZeroPoint { get; }
    public int ActivationMin { get; }
    public int ActivationMax { get; }

    /// <summary>The TensorFlow Lite Micro scheme, per output channel (docs/quantization.md).</summary>
    public static ConvInt8 From(ConvFloat conv, QuantizationContext q)
    {
        var input = q.Parameters(conv.Input);
        var output = q.Parameters(conv.Output);
        int channels = conv.Geometry.OutputChannels, per = conv.Geometry.WeightsPerChannel;
        var weights = new sbyte[conv.Weights.Length];
        var bias = new int[channels];
        var multipliers = new int[channels];
        var shifts = new int[channels];
        for (int m = 0; m < channels; m++)
        {
            float maxAbs = 0;
            for (int i = 0; i < per; i++) maxAbs = Math.Max(maxAbs, Math.Abs(conv.Weights[m * per + i]));
            double weightScale = QuantizationParameters.WeightScale(maxAbs);
            int weightSum = 0;
            for (int i = 0; i < per; i++)
            {
                double w = Math.Round(conv.Weights[m * per + i] / weightScale);
                weights[m * per + i] = (sbyte)Math.Max(-127, Math.Min(127, w));
                weightSum += weights[m * per + i];
            }
            double accumulatorScale = input.Scale * weightScale;
            bias[m] = QuantizationParameters.SaturateInt32(Math.Round(conv.Bias[m] / accumulatorScale)) - input.ZeroPoint * weightSum;
            (multipliers[m], shifts[m]) = QuantizeMultiplier(accumulatorScale / output.Scale);
        }
        var (min, max) = QuantizationContext.ActivationRange(conv.ActivationMin, conv.ActivationMax, output);
        return new ConvInt8(conv.Source, q.Slice(conv.Input), q.Slice(conv.Output), conv.Geometry, weights, bias, multipliers, shifts,
            input.ZeroPoint, output.ZeroPoint, min, max);
    }

    public override KernelKind Kind => KernelKind.ConvInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Weights.Length + 4 * (Bias.Length + Multipliers.Length + Shifts.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(ConvInt8), nameof(WindowBounds), nameof(FixedPoint) };

    public override void Run(PlanArena arena)
    {
        var g = Geometry;
        Conv(arena.Int8s(Input), Weights, Bias, Multipliers, Shifts, g.Batch, g.InputChannels, g.InputHeight, g.InputWidth,
            g.OutputChannels, g.OutputHeight, g.OutputWidth, g.Groups, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth,
            g.DilationHeight, g.DilationWidth, g.PadTop, g.PadLeft, InputZeroPoint, OutputZeroPoint, ActivationMin, ActivationMax,
            arena.Int8s(Output));
    }

    // <emit>
    /// <summary>
    /// Int8 convolution, NCHW, grouped, per-channel requantization. Padded taps read the input zero point (real 0),
    /// which the folded bias cancels exactly.
    /// </summary>
    public static void Conv(ReadOnlySpan<sbyte> input, ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> bias,
        ReadOnlySpan<int> multipliers, ReadOnlySpan<int> shifts,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
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
                ReadOnlySpan<sbyte> channelWeights = weights.Slice(m * weightsPerChannel, weightsPerChannel);
                ReadOnlySpan<sbyte> groupInput = input.Slice((n * inputChannels + m / groupOutputChannels * groupInputChannels) * inputPlane,
                    groupInputChannels * inputPlane);
                Span<sbyte> plane = output.Slice((n * outputChannels + m) * outputPlane, outputPlane);
                int channelBias = bias[m], multiplier = multipliers[m], shift = shifts[m];
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
                        int result = MultiplyByQuantizedMultiplier(accumulator, multiplier, shift) + outputZeroPoint;
                        plane[oy * outputWidth + ox] = (sbyte)(result < activationMin ? activationMin : result > activationMax ? activationMax : result);
                    }
                }
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>
    /// Int8 convolution on arrays, NCHW, grouped, per-channel requantization. Padded taps read the input zero point (real 0),
    /// which the folded bias cancels exactly.
    /// </summary>
    public static void Conv(sbyte[] input, int inputOffset, sbyte[] weights, int[] bias, int[] multipliers, int[] shifts,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax, sbyte[] output, int outputOffset)
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
                int channelWeights = m * weightsPerChannel;
                int groupInput = inputOffset + (n * inputChannels + m / groupOutputChannels * groupInputChannels) * inputPlane;
                int plane = outputOffset + (n * outputChannels + m) * outputPlane;
                int channelBias = bias[m], multiplier = multipliers[m], shift = shifts[m];
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
                                        accumulator += input[groupInput + row + kx * dilationWidth] * weights[channelWeights + w];
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
                                        accumulator += value * weights[channelWeights + w];
                                    }
                                }
                            }
                        }
                        int result = MultiplyByQuantizedMultiplier(accumulator, multiplier, shift) + outputZeroPoint;
                        output[plane + oy * outputWidth + ox] = (sbyte)(result < activationMin ? activationMin : result > activationMax ? activationMax : result);
                    }
                }
            }
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(ConvInt8) + "#Nano", nameof(WindowBounds), nameof(FixedPoint) };

    public override void EmitNanoCall(CodeWriter code, string name)
    {
        string[] geometry = Geometry.Arguments();
        code.Line($"Conv({Input.NanoArguments()}, {name}Weights, {name}Bias, {name}Multipliers, {name}Shifts,")
            .Line($"    {geometry[0]}")
            .Line($"    {geometry[1]}")
            .Line($"    inputZeroPoint: {InputZeroPoint}, outputZeroPoint: {OutputZeroPoint}, activationMin: {ActivationMin}, activationMax: {ActivationMax}, {Output.NanoArguments()});");
    }

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        Geometry.Write(w);
        w.SBytes(Weights); w.Ints(Bias); w.Ints(Multipliers); w.Ints(Shifts);
        w.Int(InputZeroPoint); w.Int(OutputZeroPoint); w.Int(ActivationMin); w.Int(ActivationMax);
    }

    public static ConvInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), ConvGeometry.Read(r), r.SBytes(), r.Ints(), r.Ints(), r.Ints(), r.Int(), r.Int(), r.Int(), r.Int());

    public override void EmitCall(CodeWriter code, string name)
    {
        string[] geometry = Geometry.Arguments();
        code.Line($"Conv({Input.Expression()}, {name}Weights, {name}Bias, {name}Multipliers, {name}Shifts,")
            .Line($"    {geometry[0]}")
            .Line($"    {geometry[1]}")
            .Line($"    inputZeroPoint: {InputZeroPoint}, outputZeroPoint: {OutputZeroPoint}, activationMin: {ActivationMin}, activationMax: {ActivationMax}, {Output.Expression()});");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        var g = Geometry;
        EmitArrays.SBytes(code, $"{name}Weights", Weights,
            $"[{g.OutputChannels} output channels × {g.InputChannels / g.Groups} input channels × {g.KernelHeight} × {g.KernelWidth}] int8 weights");
        EmitArrays.Ints(code, $"{name}Bias", Bias, "int32 bias (scale = input scale × weight scale), input zero point folded in");
        EmitArrays.Ints(code, $"{name}Multipliers", Multipliers, "Q31 requantization multipliers, one per output channel");
        EmitArrays.Ints(code, $"{name}Shifts", Shifts, "power-of-two requantization shifts, one per output channel");
    }
}
