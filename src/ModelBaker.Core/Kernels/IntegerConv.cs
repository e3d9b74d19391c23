using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ONNX ConvInteger (and the accumulating half of QLinearConv): a 2-D convolution, NCHW, grouped, of an int8 or uint8
/// input with constant integer weights into int32: output = bias + Σ (input − inputZeroPoint) · weight, where the
/// weights already have their zero point subtracted (so they lie in −255…255 and are stored as int32). Padded taps
/// are real 0, i.e. the zero point, and add nothing. Sums wrap in 32 bits, as ONNX allows.
/// Integer tensors are not quantized: an int8 plan runs this step as it is.
/// </summary>
public sealed class IntegerConv : FloatKernel
{
    public IntegerConv(string source, ArenaSlice input, ArenaSlice output, ConvGeometry geometry, int[] weights, int[] bias,
        int inputZeroPoint, ArenaSlice? inputZeroPointSlice = null) : base(source)
    {
        if (input.Type is not (ElementType.Int8 or ElementType.UInt8) || output.Type != ElementType.Int32)
            throw new ArgumentException("An integer convolution reads int8 or uint8 and writes int32.");
        Input = input;
        Output = output;
        Geometry = geometry;
        Weights = weights;
        Bias = bias;
        InputZeroPoint = inputZeroPoint;
        InputZeroPointSlice = inputZeroPointSlice;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public ConvGeometry Geometry { get; }
    /// <summary>[output channels, input channels / groups, kernel height, kernel width], weight zero point subtracted.</summary>
    public int[] Weights { get; }
    /// <summary>One int32 per output channel, or none.</summary>
    public int[] Bias { get; }
    public int InputZeroPoint { get; }
    /// <summary>The input's zero point when an earlier step computes it (DynamicQuantizeLinear); null: <see cref="InputZeroPoint"/>.</summary>
    public ArenaSlice? InputZeroPointSlice { get; }

    public override Kernel Quantize(QuantizationContext context) => this;

    public override KernelKind Kind => KernelKind.IntegerConv;
    public override IEnumerable<ArenaSlice> Reads => InputZeroPointSlice is { } z ? new[] { Input, z } : new[] { Input };
    public override int WeightBytes => 4 * (Weights.Length + Bias.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(IntegerConv) };

    public override void Run(PlanArena arena)
    {
        var g = Geometry;
        bool signed = Input.Type == ElementType.Int8;
        ConvInteger(signed ? System.Runtime.InteropServices.MemoryMarshal.Cast<sbyte, byte>(arena.Int8s(Input)) : arena.Of<byte>(Input), signed,
            Weights, Bias, g.Batch, g.InputChannels, g.InputHeight, g.InputWidth, g.OutputChannels, g.OutputHeight, g.OutputWidth, g.Groups,
            g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth, g.DilationHeight, g.DilationWidth, g.PadTop, g.PadLeft,
            RunTimeZeroPoint.Read(arena, InputZeroPointSlice, InputZeroPoint), arena.Of<int>(Output));
    }

    // <emit>
    /// <summary>Integer convolution of an int8 input into int32 (ONNX ConvInteger).</summary>
    public static void ConvInteger(ReadOnlySpan<sbyte> input, ReadOnlySpan<int> weights, ReadOnlySpan<int> bias,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, Span<int> output) =>
        ConvInteger(System.Runtime.InteropServices.MemoryMarshal.Cast<sbyte, byte>(input), true, weights, bias, batch, inputChannels, inputHeight,
            inputWidth, outputChannels, outputHeight, outputWidth, groups, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight,
            dilationWidth, padTop, padLeft, inputZeroPoint, output);

    /// <summary>Integer convolution of a uint8 input into int32 (ONNX ConvInteger).</summary>
    public static void ConvInteger(ReadOnlySpan<byte> input, ReadOnlySpan<int> weights, ReadOnlySpan<int> bias,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, Span<int> output) =>
        ConvInteger(input, false, weights, bias, batch, inputChannels, inputHeight, inputWidth, outputChannels, outputHeight, outputWidth, groups,
            kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft, inputZeroPoint, output);

    /// <summary>Both input types: an int8 input is read through its bytes and sign-extended.</summary>
    public static void ConvInteger(ReadOnlySpan<byte> input, bool signed, ReadOnlySpan<int> weights, ReadOnlySpan<int> bias,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, Span<int> output)
    {
        int groupInputChannels = inputChannels / groups, groupOutputChannels = outputChannels / groups;
        int weightsPerChannel = groupInputChannels * kernelHeight * kernelWidth;
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        for (int n = 0; n < batch; n++)
        {
            for (int m = 0; m < outputChannels; m++)
            {
                int firstInput = (n * inputChannels + m / groupOutputChannels * groupInputChannels) * inputPlane;
                int channelBias = bias.Length > 0 ? bias[m] : 0;
                for (int oy = 0; oy < outputHeight; oy++)
                {
                    for (int ox = 0; ox < outputWidth; ox++)
                    {
                        int accumulator = channelBias, w = m * weightsPerChannel;
                        for (int ic = 0; ic < groupInputChannels; ic++)
                        {
                            for (int ky = 0; ky < kernelHeight; ky++)
                            {
                                int y = oy * strideHeight - padTop + ky * dilationHeight;
                                for (int kx = 0; kx < kernelWidth; kx++, w++)
                                {
                                    int x = ox * strideWidth - padLeft + kx * dilationWidth;
                                    if (y < 0 || y >= inputHeight || x < 0 || x >= inputWidth) continue; // padding: real 0
                                    byte raw = input[firstInput + ic * inputPlane + y * inputWidth + x];
                                    accumulator += ((signed ? (int)unchecked((sbyte)raw) : raw) - inputZeroPoint) * weights[w];
                                }
                            }
                        }
                        output[(n * outputChannels + m) * outputPlane + oy * outputWidth + ox] = accumulator;
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
        w.Ints(Weights); w.Ints(Bias); w.Int(InputZeroPoint); w.OptionalSlice(InputZeroPointSlice);
    }

    public static IntegerConv Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), ConvGeometry.Read(r), r.Ints(), r.Ints(), r.Int(), r.OptionalSlice());

    public override void EmitCall(CodeWriter code, string name)
    {
        string[] geometry = Geometry.Arguments();
        code.Line($"ConvInteger({Input.Expression(code)}, {name}Weights, {name}Bias,")
            .Line($"    {geometry[0]}")
            .Line($"    {geometry[1]}")
            .Line($"    inputZeroPoint: {RunTimeZeroPoint.Expression(code, InputZeroPointSlice, InputZeroPoint)}, {Output.Expression(code)});");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        var g = Geometry;
        EmitArrays.Ints(code, $"{name}Weights", Weights,
            $"[{g.OutputChannels} output channels × {g.InputChannels / g.Groups} input channels × {g.KernelHeight} × {g.KernelWidth}] integer weights, zero point subtracted");
        EmitArrays.Ints(code, $"{name}Bias", Bias, "int32 bias, one per output channel (none: empty)");
    }
}
