using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;
using static ModelBaker.Core.Kernels.FixedPointVectors;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// <see cref="ConvInt8"/> on channels-last (NHWC) activations, the layout the .NET flavour gives the convolutional
/// stretches of an int8 plan (Compression/ChannelsLastLayout.cs): the same weights, bias and requantization,
/// bit for bit the same outputs, in another order.
/// <para>
/// Channels last, the taps of a window row are contiguous: kernel width × input channels bytes of a zero-point-padded
/// band of input rows. So an ordinary convolution (one group) is a matrix product read straight from the band — no
/// im2col copy — with the weights packed, when the class is first used, eight output channels × four taps at a time:
/// one 32-byte load per four taps feeds eight channels of four pixels (AVX-VNNI vpdpbusd, or vpmaddwd on AVX2). A
/// depthwise convolution is vectorised across channels, sixteen at a time. Requantization runs on eight channels per
/// vector, each lane with its channel's multiplier and shifts.
/// </para>
/// </summary>
public sealed class ConvInt8ChannelsLast : Int8Kernel
{
    private readonly Lazy<(sbyte[] Matrix, int[] Depthwise, int[] Channels)> _packed;

    public ConvInt8ChannelsLast(string source, ArenaSlice input, ArenaSlice output, ConvGeometry geometry, EncodedWeights weights, int inputZeroPoint,
        OutputStage outputStage) : this(source, input, output, geometry, weights, weights.Decode(), inputZeroPoint, outputStage)
    {
    }

    /// <param name="decoded">What <paramref name="weights"/> decode to, when the caller has it already.</param>
    private ConvInt8ChannelsLast(string source, ArenaSlice input, ArenaSlice output, ConvGeometry geometry, EncodedWeights weights, sbyte[] decoded,
        int inputZeroPoint, OutputStage outputStage) : base(source)
    {
        if (!Supports(geometry))
            throw new ArgumentException($"Node {source}: a channels-last int8 convolution needs dilation 1, one group or a depthwise layer, and rows that fit its band.", nameof(geometry));
        Input = input;
        Output = output;
        Geometry = geometry;
        Encoded = weights;
        Weights = decoded;
        InputZeroPoint = inputZeroPoint;
        OutputStage = outputStage;
        _packed = new Lazy<(sbyte[], int[], int[])>(() =>
        {
            var (g, o) = (Geometry, OutputStage);
            return (IsDepthwise ? Array.Empty<sbyte>() : PackMatrixWeights(Weights, g.OutputChannels, g.InputChannels, g.KernelHeight, g.KernelWidth),
                IsDepthwise ? PackDepthwiseWeights(Weights, g.OutputChannels, g.KernelHeight, g.KernelWidth) : Array.Empty<int>(),
                PackChannelParameters(Weights, o.Bias, o.StoredMultipliers, o.StoredShifts, g.OutputChannels));
        });
    }

    /// <summary>The same step as <paramref name="conv"/> (its weights, decoded once), reading and writing channels-last data in the given slices.</summary>
    public static ConvInt8ChannelsLast Of(ConvInt8 conv, ArenaSlice input, ArenaSlice output) =>
        new(conv.Source, input, output, conv.Geometry, conv.Encoded, conv.Weights, conv.InputZeroPoint, conv.OutputStage);

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public ConvGeometry Geometry { get; }
    /// <summary>The weights as stored: dense, sparse or clustered, whichever is smallest (as <see cref="ConvInt8"/>).</summary>
    public EncodedWeights Encoded { get; }
    /// <summary>[output channels, input channels / groups, kernel height, kernel width], int8 in [−127, 127] (decoded).</summary>
    public sbyte[] Weights { get; }
    public int InputZeroPoint { get; }
    public OutputStage OutputStage { get; }

    /// <summary>One output channel per group, one input channel per group: vectorised across channels.</summary>
    public bool IsDepthwise => IsDepthwiseGeometry(Geometry);

    private static bool IsDepthwiseGeometry(ConvGeometry g) => g.Groups > 1 && g.Groups == g.InputChannels && g.Groups == g.OutputChannels;

    /// <summary>
    /// Whether a convolution of this shape has a channels-last form: dilation 1 (the window's taps contiguous), one group
    /// or depthwise, and a band of one window's rows that fits the stack.
    /// </summary>
    public static bool Supports(ConvGeometry g) =>
        g.DilationHeight == 1 && g.DilationWidth == 1 && (g.Groups == 1 || IsDepthwiseGeometry(g))
        && BandOutputRows(g.OutputHeight, g.InputChannels, PaddedWidth(g.OutputWidth, g.StrideWidth, g.KernelWidth), g.KernelHeight, g.StrideHeight) > 0;

    public override KernelKind Kind => KernelKind.ConvInt8ChannelsLast;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Encoded.Bytes + OutputStage.Bytes;
    public override string Encoding => Encoded.Name;
    public override int Clusters => Encoded.ClusterCount;
    public override int Parameters => Weights.Length;
    public override int ZeroParameters => Weights.Count(w => w == 0);
    public override IEnumerable<string> Helpers =>
        new[] { nameof(ConvInt8ChannelsLast), nameof(FixedPoint), nameof(FixedPointVectors) }.Concat(Encoded.Helpers);

    /// <summary>
    /// The decoded weights (if the encoding needs decoding), their packed copy, the per-channel parameters, and for an
    /// ordinary convolution the int16 copy generated code makes on AVX2 without AVX-VNNI (<see cref="PackMatrixWeightsWide"/>;
    /// counted wherever it runs, an upper bound).
    /// </summary>
    public override int DecodedWeightBytes =>
        Encoded.DecodedBytes + _packed.Value.Matrix.Length + 4 * _packed.Value.Depthwise.Length + 4 * _packed.Value.Channels.Length
        + (IsDepthwise ? 0 : 2 * WideWeightCount(Geometry.OutputChannels, Geometry.InputChannels, Geometry.KernelHeight, Geometry.KernelWidth));

    public override void Run(PlanArena arena)
    {
        var (g, o) = (Geometry, OutputStage);
        var packed = _packed.Value;
        if (IsDepthwise)
            DepthwiseChannelsLast(arena.Int8s(Input), packed.Depthwise, packed.Channels, g.Batch, g.InputChannels, g.InputHeight, g.InputWidth,
                g.OutputHeight, g.OutputWidth, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth, g.PadTop, g.PadLeft,
                InputZeroPoint, o.ZeroPoint, o.ActivationMin, o.ActivationMax, arena.Int8s(Output));
        else
            ConvChannelsLast(arena.Int8s(Input), packed.Matrix, ReadOnlySpan<short>.Empty, packed.Channels, g.Batch, g.InputChannels, g.InputHeight, g.InputWidth,
                g.OutputChannels, g.OutputHeight, g.OutputWidth, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth, g.PadTop, g.PadLeft,
                InputZeroPoint, o.ZeroPoint, o.ActivationMin, o.ActivationMax, arena.Int8s(Output));
    }

    // <emit>
    /// <summary>Bytes of zero-point-padded channels-last input rows a convolution copies to the stack at a time.</summary>
    private const int ChannelsLastBandBytes = 48 * 1024;

    /// <summary>Bytes a band keeps after its last row: four-tap groups and sixteen-channel vectors may read past a row's end (into weights of 0).</summary>
    private const int ChannelsLastSlack = 16;

    /// <summary>Rows of per-channel parameters (<see cref="PackChannelParameters"/>).</summary>
    public const int ChannelRows = 7;

    /// <summary>Output channels per packed weight block and per requantized vector.</summary>
    public const int PackedChannels = 8;

    /// <summary>Pixels of padded input a row of windows spans.</summary>
    private static int PaddedWidth(int outputWidth, int strideWidth, int kernelWidth) => (outputWidth - 1) * strideWidth + kernelWidth;

    /// <summary>Output rows per band: as many as fit <see cref="ChannelsLastBandBytes"/> with their window rows; 0 when one window's rows do not.</summary>
    public static int BandOutputRows(int outputHeight, int inputChannels, int paddedWidth, int kernelHeight, int strideHeight)
    {
        long rowBytes = (long)paddedWidth * inputChannels;
        long fittingRows = (ChannelsLastBandBytes - ChannelsLastSlack) / rowBytes;
        if (fittingRows < kernelHeight) return 0;
        long rows = (fittingRows - kernelHeight) / strideHeight + 1;
        return rows > outputHeight ? outputHeight : (int)rows;
    }

    /// <summary>
    /// The weights [output channels, input channels, kernel height, kernel width] in the order the matrix product reads
    /// them: blocks of eight output channels; in each, per kernel row, groups of four taps of the row's kernel width ×
    /// input channels taps (column-major: all channels of column 0, then of column 1, …, as channels-last input lies),
    /// each group as eight channels × four bytes. Channels and taps past the end are 0.
    /// </summary>
    public static sbyte[] PackMatrixWeights(ReadOnlySpan<sbyte> weights, int outputChannels, int inputChannels, int kernelHeight, int kernelWidth)
    {
        int quads = (kernelWidth * inputChannels + 3) / 4, blocks = (outputChannels + PackedChannels - 1) / PackedChannels;
        var packed = new sbyte[blocks * kernelHeight * quads * 4 * PackedChannels];
        for (int m = 0; m < outputChannels; m++)
            for (int c = 0; c < inputChannels; c++)
                for (int ky = 0; ky < kernelHeight; ky++)
                    for (int kx = 0; kx < kernelWidth; kx++)
                    {
                        int tap = kx * inputChannels + c;
                        packed[(((m / PackedChannels) * kernelHeight + ky) * quads + tap / 4) * 4 * PackedChannels + (m % PackedChannels) * 4 + tap % 4] =
                            weights[((m * inputChannels + c) * kernelHeight + ky) * kernelWidth + kx];
                    }
        return packed;
    }

    /// <summary>Output channels per block of <see cref="PackMatrixWeightsWide"/>: two 256-bit vectors of eight channels.</summary>
    public const int WideChannels = 16;

    /// <summary>Shorts <see cref="PackMatrixWeightsWide"/> makes for a layer of this shape.</summary>
    public static int WideWeightCount(int outputChannels, int inputChannels, int kernelHeight, int kernelWidth) =>
        (outputChannels + WideChannels - 1) / WideChannels * kernelHeight * ((kernelWidth * inputChannels + 1) / 2) * 2 * WideChannels;

    /// <summary>
    /// The weights for AVX2 without AVX-VNNI (vpmaddwd on int16), sign-extended once: blocks of sixteen output channels; in
    /// each, per kernel row, pairs of taps of the row's kernel width × input channels taps (column-major, as
    /// <see cref="PackMatrixWeights"/>), each pair as sixteen channels × two shorts — so one vpmaddwd of a pixel's two taps
    /// (broadcast) and one 32-byte load gives eight channels' sums. Channels and taps past the end are 0. Empty where generated
    /// code does not take that path (another instruction set, or the reference interpreter), so no memory is spent on it.
    /// </summary>
    public static short[] PackMatrixWeightsWide(ReadOnlySpan<sbyte> weights, int outputChannels, int inputChannels, int kernelHeight, int kernelWidth)
    {
        if (!UsesWideWeights) return Array.Empty<short>();
        int pairs = (kernelWidth * inputChannels + 1) / 2;
        var packed = new short[WideWeightCount(outputChannels, inputChannels, kernelHeight, kernelWidth)];
        for (int m = 0; m < outputChannels; m++)
            for (int c = 0; c < inputChannels; c++)
                for (int ky = 0; ky < kernelHeight; ky++)
                    for (int kx = 0; kx < kernelWidth; kx++)
                    {
                        int tap = kx * inputChannels + c;
                        packed[(((m / WideChannels) * kernelHeight + ky) * pairs + tap / 2) * 2 * WideChannels + (m % WideChannels) * 2 + tap % 2] =
                            weights[((m * inputChannels + c) * kernelHeight + ky) * kernelWidth + kx];
                    }
        return packed;
    }

    /// <summary>Whether this process runs the AVX2 vpmaddwd paths (AVX2 without AVX-VNNI), which read <see cref="PackMatrixWeightsWide"/>.</summary>
    private static bool UsesWideWeights
    {
        get
        {
            bool avx2 = false;
#if NET8_0_OR_GREATER
            avx2 = System.Runtime.Intrinsics.X86.Avx2.IsSupported;
#endif
#if NET10_0_OR_GREATER
            avx2 = avx2 && !System.Runtime.Intrinsics.X86.AvxVnni.IsSupported;
#endif
            return avx2;
        }
    }

    /// <summary>A depthwise layer's weights [channels, 1, kernel height, kernel width] tap by tap, channels padded to sixteen, as int32 lanes.</summary>
    public static int[] PackDepthwiseWeights(ReadOnlySpan<sbyte> weights, int channels, int kernelHeight, int kernelWidth)
    {
        int lanes = (channels + 15) / 16 * 16, taps = kernelHeight * kernelWidth;
        var packed = new int[taps * lanes];
        for (int c = 0; c < channels; c++)
            for (int t = 0; t < taps; t++)
                packed[t * lanes + c] = weights[c * taps + t];
        return packed;
    }

    /// <summary>
    /// Per output channel, padded to a multiple of sixteen lanes, seven rows: the bias; the bias less 128 · Σ weights (for
    /// the unsigned inputs of vpdpbusd, x + 128); the Q15 multiplier; the left shift; the right shift; and for the rounding
    /// right shift r, its remainder mask 2^r − 1 and half of it (<see cref="FixedPoint.RoundingDivideByPowerOfTwo"/>).
    /// </summary>
    public static int[] PackChannelParameters(ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> bias, ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts,
        int channels)
    {
        int lanes = (channels + 15) / 16 * 16, depth = weights.Length / channels;
        var parameters = new int[ChannelRows * lanes];
        for (int m = 0; m < channels; m++)
        {
            int sum = 0;
            for (int k = 0; k < depth; k++) sum += weights[m * depth + k];
            int shift = shifts[shifts.Length == 1 ? 0 : m];
            parameters[m] = bias[m];
            parameters[lanes + m] = bias[m] - 128 * sum;
            parameters[2 * lanes + m] = multipliers[multipliers.Length == 1 ? 0 : m];
            parameters[3 * lanes + m] = shift > 0 ? shift : 0;
            parameters[4 * lanes + m] = shift > 0 ? 0 : -shift;
            parameters[5 * lanes + m] = (1 << parameters[4 * lanes + m]) - 1;
            parameters[6 * lanes + m] = parameters[5 * lanes + m] >> 1;
        }
        return parameters;
    }

    /// <summary>
    /// Rows [top, top + rows) of one channels-last image into <paramref name="band"/>, each widened to
    /// <paramref name="paddedWidth"/> pixels from −padLeft; what lies outside the image (and the slack after the last row)
    /// is the zero point, real 0, which the folded bias cancels exactly.
    /// </summary>
    public static void PadRowsChannelsLast(ReadOnlySpan<sbyte> image, int channels, int height, int width, int top, int rows, int paddedWidth, int padLeft,
        int zeroPoint, Span<sbyte> band)
    {
        band.Fill((sbyte)zeroPoint);
        int first = padLeft > 0 ? 0 : -padLeft;
        int end = paddedWidth - padLeft < width ? paddedWidth - padLeft : width;
        if (end <= first) return;
        for (int r = 0; r < rows; r++)
        {
            int y = top + r;
            if (y < 0 || y >= height) continue;
            image.Slice((y * width + first) * channels, (end - first) * channels).CopyTo(band.Slice((r * paddedWidth + first + padLeft) * channels));
        }
    }

    /// <summary>Whether the windows read no padding: the image's own rows, as they lie, are the band.</summary>
    private static bool Unpadded(int padTop, int padLeft, int paddedWidth, int inputWidth, int outputHeight, int strideHeight, int kernelHeight, int inputHeight) =>
        padTop == 0 && padLeft == 0 && paddedWidth == inputWidth && (outputHeight - 1) * strideHeight + kernelHeight <= inputHeight;

    /// <summary>
    /// The rows a band of output rows reads: in place from the image when no padding is needed and nothing is read past
    /// the image's end, else a zero-point-padded copy in <paramref name="band"/>. Returns the source and its row stride.
    /// </summary>
    private static ReadOnlySpan<sbyte> BandSource(ReadOnlySpan<sbyte> image, bool inPlace, int channels, int height, int width, int top, int rows,
        int paddedWidth, int padLeft, int zeroPoint, Span<sbyte> band)
    {
        if (inPlace) return image.Slice(top * width * channels);
        PadRowsChannelsLast(image, channels, height, width, top, rows, paddedWidth, padLeft, zeroPoint, band);
        return band;
    }

    /// <summary>
    /// Int8 convolution, one group, channels last: output[n, y, x, m] = requantize(bias[m] + Σ weights[m, c, ky, kx] ·
    /// input[n, y·strideHeight + ky − padTop, x·strideWidth + kx − padLeft, c]), padding reading the input zero point.
    /// <paramref name="packedWeights"/> and <paramref name="channelParameters"/> as <see cref="PackMatrixWeights"/> and
    /// <see cref="PackChannelParameters"/> make them. Four output pixels × eight output channels per micro-kernel call; on AVX2
    /// without AVX-VNNI, when <paramref name="wideWeights"/> (<see cref="PackMatrixWeightsWide"/>) is given, sixteen channels.
    /// </summary>
    public static void ConvChannelsLast(ReadOnlySpan<sbyte> input, ReadOnlySpan<sbyte> packedWeights, ReadOnlySpan<short> wideWeights, ReadOnlySpan<int> channelParameters,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padTop, int padLeft,
        int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int paddedWidth = PaddedWidth(outputWidth, strideWidth, kernelWidth), rowStride = paddedWidth * inputChannels;
        int quads = (kernelWidth * inputChannels + 3) / 4, blocks = (outputChannels + PackedChannels - 1) / PackedChannels;
        int blockWeights = kernelHeight * quads * 4 * PackedChannels;
        int bandOutputRows = BandOutputRows(outputHeight, inputChannels, paddedWidth, kernelHeight, strideHeight);
        if (bandOutputRows == 0 || packedWeights.Length < blocks * blockWeights || channelParameters.Length < ChannelRows * ((outputChannels + 15) / 16 * 16)
            || input.Length < batch * inputHeight * inputWidth * inputChannels || output.Length < batch * outputHeight * outputWidth * outputChannels)
            throw new ArgumentException("The convolution's packed weights, parameters or tensors do not match its shape.");
        // Whole four-tap groups never read past the last row: then an unpadded layer is read in place.
        bool inPlace = Unpadded(padTop, padLeft, paddedWidth, inputWidth, outputHeight, strideHeight, kernelHeight, inputHeight)
            && kernelWidth * inputChannels % 4 == 0;
        int bandRows = (bandOutputRows - 1) * strideHeight + kernelHeight;
        Span<sbyte> band = stackalloc sbyte[inPlace ? 0 : bandRows * rowStride + ChannelsLastSlack];
        int imageBytes = inputHeight * inputWidth * inputChannels, pixelStep = strideWidth * inputChannels;
        // With AVX-VNNI, sixteen output channels per micro-kernel call: each pixel's taps broadcast once for two weight blocks.
        bool pairs = false;
#if NET10_0_OR_GREATER
        pairs = System.Runtime.Intrinsics.X86.AvxVnni.IsSupported && System.Runtime.Intrinsics.X86.Avx2.IsSupported;
#endif
        // AVX2 without AVX-VNNI, given the weights widened to int16 (PackMatrixWeightsWide): the rows of each output row's windows
        // sign-extended to int16 once too (shared by every pixel and channel block of the row), so a pixel's two taps are one
        // vpbroadcastd for vpmaddwd, sixteen channels per micro-kernel call (WideRowsLimit bounds the stack). Else MultiplyBlock.
        bool wideRows = false;
#if NET8_0_OR_GREATER
        wideRows = System.Runtime.Intrinsics.X86.Avx2.IsSupported && !pairs && kernelHeight * rowStride + ChannelsLastSlack <= WideRowsLimit && wideWeights.Length > 0;
#endif
        Span<short> wide = stackalloc short[wideRows ? kernelHeight * rowStride + ChannelsLastSlack : 0];
        int tapPairs = (kernelWidth * inputChannels + 1) / 2, wideBlock = kernelHeight * tapPairs * 2 * WideChannels;
        if (wideRows && wideWeights.Length < (outputChannels + WideChannels - 1) / WideChannels * wideBlock)
            throw new ArgumentException("The convolution's widened weights do not match its shape.");
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<sbyte> image = input.Slice(n * imageBytes, imageBytes);
            for (int firstRow = 0; firstRow < outputHeight; firstRow += bandOutputRows)
            {
                int rows = outputHeight - firstRow < bandOutputRows ? outputHeight - firstRow : bandOutputRows;
                ReadOnlySpan<sbyte> source = BandSource(image, inPlace, inputChannels, inputHeight, inputWidth, firstRow * strideHeight - padTop,
                    (rows - 1) * strideHeight + kernelHeight, paddedWidth, padLeft, inputZeroPoint, band);
                for (int r = 0; r < rows; r++)
                {
                    int rowStart = r * strideHeight * rowStride;
#if NET8_0_OR_GREATER
                    if (wideRows) WidenRows(source, rowStart, wide);
#endif
                    for (int x = 0; x < outputWidth; x += 4)
                    {
                        int pixels = outputWidth - x < 4 ? outputWidth - x : 4;
                        int first = rowStart + x * pixelStep;
                        if (first + (pixels - 1) * pixelStep + (kernelHeight - 1) * rowStride + 4 * quads > source.Length)
                            throw new ArgumentOutOfRangeException(nameof(input), "A window runs past the convolution's rows.");
                        int target = ((n * outputHeight + firstRow + r) * outputWidth + x) * outputChannels;
#if NET8_0_OR_GREATER
                        if (wideRows)
                        {
                            // Sixteen channels at a time; a last block of eight or fewer with four accumulators instead of eight.
                            for (int m = 0; m < outputChannels; m += WideChannels)
                            {
                                var block = wideWeights.Slice(m / WideChannels * wideBlock, wideBlock);
                                if (outputChannels - m <= PackedChannels)
                                    MultiplyPairsEightAvx2(wide, first - rowStart, pixelStep, pixels, rowStride, kernelHeight, tapPairs, block,
                                        channelParameters, m, outputChannels, outputZeroPoint, activationMin, activationMax, output, target);
                                else
                                    MultiplyPairsAvx2(wide, first - rowStart, pixelStep, pixels, rowStride, kernelHeight, tapPairs, block,
                                        channelParameters, m, outputChannels, outputZeroPoint, activationMin, activationMax, output, target);
                            }
                            continue;
                        }
#endif
                        for (int b = 0; b < blocks; b += pairs && b + 1 < blocks ? 2 : 1)
                        {
                            int count = pairs && b + 1 < blocks ? 2 : 1;
                            MultiplyBlock(source, first, pixelStep, pixels, rowStride, kernelHeight, quads, packedWeights.Slice(b * blockWeights, count * blockWeights),
                                count, channelParameters, b * PackedChannels, outputChannels, outputZeroPoint, activationMin, activationMax, output, target);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Eight output channels (from <paramref name="firstChannel"/>; sixteen, two weight blocks, when <paramref name="blocks"/>
    /// is 2, which only the AVX-VNNI path is given) of up to four pixels, whose windows start at <paramref name="first"/> +
    /// j · <paramref name="pixelStep"/> in <paramref name="source"/> (checked by the caller), requantized and stored at
    /// output[target + j · outputChannels + c].
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void MultiplyBlock(ReadOnlySpan<sbyte> source, int first, int pixelStep, int pixels, int rowStride, int kernelHeight, int quads,
        ReadOnlySpan<sbyte> weights, int blocks, ReadOnlySpan<int> parameters, int firstChannel, int outputChannels,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output, int target)
    {
#if NET10_0_OR_GREATER
        if (blocks == 2)
        {
            MultiplyBlockPairVnni(source, first, pixelStep, pixels, rowStride, kernelHeight, quads, weights, parameters, firstChannel, outputChannels,
                outputZeroPoint, activationMin, activationMax, output, target);
            return;
        }
#endif
#if NET8_0_OR_GREATER
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            MultiplyBlockAvx2(source, first, pixelStep, pixels, rowStride, kernelHeight, quads, weights, parameters, firstChannel, outputChannels,
                outputZeroPoint, activationMin, activationMax, output, target);
            return;
        }
#endif
        Span<int> sums = stackalloc int[4 * PackedChannels];
#if NET8_0_OR_GREATER
        if (System.Runtime.Intrinsics.Arm.Dp.IsSupported) MultiplyBlockDp(source, first, pixelStep, pixels, rowStride, kernelHeight, quads, weights, sums);
        else if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated) MultiplyBlockVector128(source, first, pixelStep, pixels, rowStride, kernelHeight, quads, weights, sums);
        else
#endif
        MultiplyBlockScalar(source, first, pixelStep, pixels, rowStride, kernelHeight, quads, weights, sums);
        int lanes = parameters.Length / ChannelRows;
        for (int j = 0; j < pixels; j++)
            for (int c = 0; c < PackedChannels && firstChannel + c < outputChannels; c++)
            {
                int m = firstChannel + c, shift = parameters[3 * lanes + m] - parameters[4 * lanes + m];
                output[target + j * outputChannels + m] = Requantize(sums[j * PackedChannels + c] + parameters[m], parameters[2 * lanes + m] << 16, shift,
                    outputZeroPoint, activationMin, activationMax);
            }
    }

    /// <summary>The reference loop: sums[8j + c] = Σ weights · taps of pixel j, in the packed order.</summary>
    private static void MultiplyBlockScalar(ReadOnlySpan<sbyte> source, int first, int pixelStep, int pixels, int rowStride, int kernelHeight, int quads,
        ReadOnlySpan<sbyte> weights, Span<int> sums)
    {
        sums.Clear();
        for (int j = 0; j < pixels; j++)
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                ReadOnlySpan<sbyte> taps = source.Slice(first + j * pixelStep + ky * rowStride, 4 * quads);
                ReadOnlySpan<sbyte> rowWeights = weights.Slice(ky * quads * 4 * PackedChannels, quads * 4 * PackedChannels);
                for (int q = 0; q < quads; q++)
                    for (int c = 0; c < PackedChannels; c++)
                    {
                        int w = q * 4 * PackedChannels + c * 4;
                        sums[j * PackedChannels + c] += taps[4 * q] * rowWeights[w] + taps[4 * q + 1] * rowWeights[w + 1]
                            + taps[4 * q + 2] * rowWeights[w + 2] + taps[4 * q + 3] * rowWeights[w + 3];
                    }
            }
    }

#if NET8_0_OR_GREATER
    /// <summary>
    /// Arm64 SDOT: per pixel and group of four taps, the taps broadcast to every int32 lane and two sdot instructions add
    /// eight channels' dot products (channels 0–3, 4–7 of the packed group). Two pixels at a time share each weight load.
    /// </summary>
    private static void MultiplyBlockDp(ReadOnlySpan<sbyte> source, int first, int pixelStep, int pixels, int rowStride, int kernelHeight, int quads,
        ReadOnlySpan<sbyte> weights, Span<int> sums)
    {
        ref sbyte from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref sbyte w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        ref int to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(sums);
        for (int j = 0; j < pixels; j += 2)
        {
            // An absent second pixel reads the first's taps; its sums are never stored.
            bool pair = j + 1 < pixels;
            int next = pair ? pixelStep : 0;
            var zero = System.Runtime.Intrinsics.Vector128<int>.Zero;
            System.Runtime.Intrinsics.Vector128<int> s0 = zero, s1 = zero, t0 = zero, t1 = zero;
            for (int ky = 0, at = 0; ky < kernelHeight; ky++)
            {
                int row = first + j * pixelStep + ky * rowStride;
                for (int q = 0; q < 4 * quads; q += 4, at += 4 * PackedChannels)
                {
                    var low = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)at);
                    var high = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)(at + 16));
                    var taps = Broadcast(ref from, row + q);
                    s0 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(s0, low, taps); s1 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(s1, high, taps);
                    taps = Broadcast(ref from, row + next + q);
                    t0 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(t0, low, taps); t1 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(t1, high, taps);
                }
            }
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(s0, ref to, (nuint)(j * PackedChannels));
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(s1, ref to, (nuint)(j * PackedChannels + 4));
            if (pair)
            {
                System.Runtime.Intrinsics.Vector128.StoreUnsafe(t0, ref to, (nuint)((j + 1) * PackedChannels));
                System.Runtime.Intrinsics.Vector128.StoreUnsafe(t1, ref to, (nuint)((j + 1) * PackedChannels + 4));
            }
        }
    }

    /// <summary>Four taps at <paramref name="at"/> repeated in every int32 lane.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector128<sbyte> Broadcast(ref sbyte from, int at) =>
        System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.Create(System.Runtime.CompilerServices.Unsafe.ReadUnaligned<int>(
            ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(ref System.Runtime.CompilerServices.Unsafe.Add(ref from, at)))));

    /// <summary>
    /// Portable 128-bit vectors (Arm64 AdvSimd without SDOT, SSE without AVX2): per pixel and group of four taps, the taps repeated
    /// across channels times sixteen weights (int16, exact), widened and added to one int32 vector per channel.
    /// </summary>
    private static void MultiplyBlockVector128(ReadOnlySpan<sbyte> source, int first, int pixelStep, int pixels, int rowStride, int kernelHeight, int quads,
        ReadOnlySpan<sbyte> weights, Span<int> sums)
    {
        ref sbyte from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref sbyte w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        for (int j = 0; j < pixels; j++)
        {
            var zero = System.Runtime.Intrinsics.Vector128<int>.Zero;
            System.Runtime.Intrinsics.Vector128<int> s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero;
            for (int ky = 0, at = 0; ky < kernelHeight; ky++)
            {
                int row = first + j * pixelStep + ky * rowStride;
                for (int q = 0; q < quads; q++, at += 4 * PackedChannels)
                {
                    var taps = System.Runtime.Intrinsics.Vector128.Widen(System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.Create(
                        System.Runtime.CompilerServices.Unsafe.ReadUnaligned<int>(ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(
                            ref System.Runtime.CompilerServices.Unsafe.Add(ref from, row + 4 * q)))))).Lower;
                    var (w01, w23) = System.Runtime.Intrinsics.Vector128.Widen(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)at));
                    var (w45, w67) = System.Runtime.Intrinsics.Vector128.Widen(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)(at + 16)));
                    var (p0, p1) = System.Runtime.Intrinsics.Vector128.Widen(w01 * taps);
                    var (p2, p3) = System.Runtime.Intrinsics.Vector128.Widen(w23 * taps);
                    var (p4, p5) = System.Runtime.Intrinsics.Vector128.Widen(w45 * taps);
                    var (p6, p7) = System.Runtime.Intrinsics.Vector128.Widen(w67 * taps);
                    s0 += p0; s1 += p1; s2 += p2; s3 += p3; s4 += p4; s5 += p5; s6 += p6; s7 += p7;
                }
            }
            int o = j * PackedChannels;
            sums[o] = System.Runtime.Intrinsics.Vector128.Sum(s0); sums[o + 1] = System.Runtime.Intrinsics.Vector128.Sum(s1);
            sums[o + 2] = System.Runtime.Intrinsics.Vector128.Sum(s2); sums[o + 3] = System.Runtime.Intrinsics.Vector128.Sum(s3);
            sums[o + 4] = System.Runtime.Intrinsics.Vector128.Sum(s4); sums[o + 5] = System.Runtime.Intrinsics.Vector128.Sum(s5);
            sums[o + 6] = System.Runtime.Intrinsics.Vector128.Sum(s6); sums[o + 7] = System.Runtime.Intrinsics.Vector128.Sum(s7);
        }
    }

    /// <summary>
    /// AVX2: per group of four taps, one 32-byte load of eight channels' weights shared by four pixels. With AVX-VNNI each
    /// pixel's four taps, made unsigned (x + 128, which the bias row for unsigned inputs takes back), are broadcast and
    /// vpdpbusd adds the eight channels' dot products; else taps and weights are sign-extended to int16 and vpmaddwd sums
    /// pairs (two lanes per channel, added at the end). Then eight lanes of per-channel requantization and an 8-byte store.
    /// </summary>
    private static void MultiplyBlockAvx2(ReadOnlySpan<sbyte> source, int first, int pixelStep, int pixels, int rowStride, int kernelHeight, int quads,
        ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> parameters, int firstChannel, int outputChannels,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output, int target)
    {
        ref sbyte from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref sbyte w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        // Absent pixels read pixel 0's taps; their sums are never stored.
        int at0 = first, at1 = pixels > 1 ? first + pixelStep : first, at2 = pixels > 2 ? first + 2 * pixelStep : first, at3 = pixels > 3 ? first + 3 * pixelStep : first;
        var zero = System.Runtime.Intrinsics.Vector256<int>.Zero;
        System.Runtime.Intrinsics.Vector256<int> s0, s1, s2, s3;
        int biasRow = 0;
#if NET10_0_OR_GREATER
        if (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported)
        {
            s0 = zero; s1 = zero; s2 = zero; s3 = zero;
            var flip = System.Runtime.Intrinsics.Vector256.Create(unchecked((int)0x80808080));
            for (int ky = 0, at = 0; ky < kernelHeight; ky++, at0 += rowStride, at1 += rowStride, at2 += rowStride, at3 += rowStride)
                for (int q = 0; q < 4 * quads; q += 4, at += 4 * PackedChannels)
                {
                    var wq = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)at);
                    s0 = System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(s0, System.Runtime.Intrinsics.Vector256.AsByte(Quad(ref from, at0 + q) ^ flip), wq);
                    s1 = System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(s1, System.Runtime.Intrinsics.Vector256.AsByte(Quad(ref from, at1 + q) ^ flip), wq);
                    s2 = System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(s2, System.Runtime.Intrinsics.Vector256.AsByte(Quad(ref from, at2 + q) ^ flip), wq);
                    s3 = System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(s3, System.Runtime.Intrinsics.Vector256.AsByte(Quad(ref from, at3 + q) ^ flip), wq);
                }
            biasRow = 1;
        }
        else
#endif
        {
            System.Runtime.Intrinsics.Vector256<int> a0 = zero, b0 = zero, a1 = zero, b1 = zero, a2 = zero, b2 = zero, a3 = zero, b3 = zero;
            for (int ky = 0, at = 0; ky < kernelHeight; ky++, at0 += rowStride, at1 += rowStride, at2 += rowStride, at3 += rowStride)
                for (int q = 0; q < 4 * quads; q += 4, at += 4 * PackedChannels)
                {
                    var wq = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)at);
                    var low = System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int16(System.Runtime.Intrinsics.Vector256.GetLower(wq)); // channels 0–3
                    var high = System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int16(System.Runtime.Intrinsics.Vector256.GetUpper(wq)); // channels 4–7
                    var t = QuadAsShorts(ref from, at0 + q);
                    a0 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(t, low); b0 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(t, high);
                    t = QuadAsShorts(ref from, at1 + q);
                    a1 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(t, low); b1 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(t, high);
                    t = QuadAsShorts(ref from, at2 + q);
                    a2 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(t, low); b2 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(t, high);
                    t = QuadAsShorts(ref from, at3 + q);
                    a3 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(t, low); b3 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(t, high);
                }
            s0 = AddPairs(a0, b0); s1 = AddPairs(a1, b1); s2 = AddPairs(a2, b2); s3 = AddPairs(a3, b3);
        }
        FinishBlock(s0, s1, s2, s3, pixels, biasRow, parameters, firstChannel, outputChannels, outputZeroPoint, activationMin, activationMax, output, target);
    }

    /// <summary>Shorts of widened rows (<see cref="WidenRows"/>) a convolution may keep on the stack: 32 KB.</summary>
    private const int WideRowsLimit = 16 * 1024;

    /// <summary>
    /// wide[i] = source[start + i], sign-extended to int16, sixteen at a time; what lies past the end of the source is 0 (only
    /// the slack that four-tap groups read, against weights of 0).
    /// </summary>
    private static void WidenRows(ReadOnlySpan<sbyte> source, int start, Span<short> wide)
    {
        int count = source.Length - start < wide.Length ? source.Length - start : wide.Length, i = 0;
        ReadOnlySpan<sbyte> from = source.Slice(start, count);
        ref sbyte s = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(from);
        ref short t = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(wide);
        for (; i <= count - 16; i += 16)
            System.Runtime.Intrinsics.Vector256.StoreUnsafe(System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int16(
                System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref s, (nuint)i)), ref t, (nuint)i);
        for (; i < count; i++) wide[i] = from[i];
        wide.Slice(count).Clear();
    }

    /// <summary>
    /// AVX2 without AVX-VNNI, sixteen output channels (from <paramref name="firstChannel"/>) of up to four pixels, reading taps
    /// widened to int16 (<see cref="WidenRows"/>; <paramref name="first"/> and the windows are offsets into <paramref name="rows"/>)
    /// and weights widened once (<see cref="PackMatrixWeightsWide"/>). Per pair of taps: two 32-byte weight loads shared by four
    /// pixels, per pixel one 4-byte broadcast and two vpmaddwd whose lanes are whole channels (no pairs to add at the end):
    /// eight accumulators. Then two blocks of eight channels requantized.
    /// </summary>
    private static void MultiplyPairsAvx2(ReadOnlySpan<short> rows, int first, int pixelStep, int pixels, int rowStride, int kernelHeight, int pairs,
        ReadOnlySpan<short> weights, ReadOnlySpan<int> parameters, int firstChannel, int outputChannels,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output, int target)
    {
        if (first < 0 || first + (pixels - 1) * pixelStep + (kernelHeight - 1) * rowStride + 2 * pairs > rows.Length
            || weights.Length < kernelHeight * pairs * 2 * WideChannels)
            throw new ArgumentOutOfRangeException(nameof(rows), "A window runs past the widened rows.");
        ref short from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(rows);
        ref short w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        // Absent pixels read pixel 0's taps; their sums are never stored.
        nint at0 = first, at1 = pixels > 1 ? first + pixelStep : first, at2 = pixels > 2 ? first + 2 * pixelStep : first, at3 = pixels > 3 ? first + 3 * pixelStep : first;
        var zero = System.Runtime.Intrinsics.Vector256<int>.Zero;
        System.Runtime.Intrinsics.Vector256<int> s0 = zero, s1 = zero, s2 = zero, s3 = zero, t0 = zero, t1 = zero, t2 = zero, t3 = zero;
        nint at = 0, rowTaps = 2 * pairs;
        for (int ky = 0; ky < kernelHeight; ky++, at0 += rowStride, at1 += rowStride, at2 += rowStride, at3 += rowStride)
            for (nint q = 0; q < rowTaps; q += 2, at += 2 * WideChannels)
            {
                var low = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)at); // channels 0–7
                var high = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)(at + 16)); // channels 8–15
                var x = WidePair(ref from, at0 + q);
                s0 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(x, low); t0 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(x, high);
                x = WidePair(ref from, at1 + q);
                s1 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(x, low); t1 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(x, high);
                x = WidePair(ref from, at2 + q);
                s2 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(x, low); t2 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(x, high);
                x = WidePair(ref from, at3 + q);
                s3 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(x, low); t3 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(x, high);
            }
        FinishBlock(s0, s1, s2, s3, pixels, 0, parameters, firstChannel, outputChannels, outputZeroPoint, activationMin, activationMax, output, target);
        if (firstChannel + PackedChannels < outputChannels)
            FinishBlock(t0, t1, t2, t3, pixels, 0, parameters, firstChannel + PackedChannels, outputChannels, outputZeroPoint, activationMin, activationMax, output, target);
    }

    /// <summary>
    /// <see cref="MultiplyPairsAvx2"/> for a last block of at most eight channels (from <paramref name="firstChannel"/>): the low
    /// half of each pair's sixteen-channel weights, one 32-byte load, four accumulators.
    /// </summary>
    private static void MultiplyPairsEightAvx2(ReadOnlySpan<short> rows, int first, int pixelStep, int pixels, int rowStride, int kernelHeight, int pairs,
        ReadOnlySpan<short> weights, ReadOnlySpan<int> parameters, int firstChannel, int outputChannels,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output, int target)
    {
        if (first < 0 || first + (pixels - 1) * pixelStep + (kernelHeight - 1) * rowStride + 2 * pairs > rows.Length
            || weights.Length < kernelHeight * pairs * 2 * WideChannels)
            throw new ArgumentOutOfRangeException(nameof(rows), "A window runs past the widened rows.");
        ref short from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(rows);
        ref short w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        nint at0 = first, at1 = pixels > 1 ? first + pixelStep : first, at2 = pixels > 2 ? first + 2 * pixelStep : first, at3 = pixels > 3 ? first + 3 * pixelStep : first;
        var zero = System.Runtime.Intrinsics.Vector256<int>.Zero;
        System.Runtime.Intrinsics.Vector256<int> s0 = zero, s1 = zero, s2 = zero, s3 = zero;
        nint at = 0, rowTaps = 2 * pairs;
        for (int ky = 0; ky < kernelHeight; ky++, at0 += rowStride, at1 += rowStride, at2 += rowStride, at3 += rowStride)
            for (nint q = 0; q < rowTaps; q += 2, at += 2 * WideChannels)
            {
                var low = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)at);
                s0 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(WidePair(ref from, at0 + q), low);
                s1 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(WidePair(ref from, at1 + q), low);
                s2 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(WidePair(ref from, at2 + q), low);
                s3 += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(WidePair(ref from, at3 + q), low);
            }
        FinishBlock(s0, s1, s2, s3, pixels, 0, parameters, firstChannel, outputChannels, outputZeroPoint, activationMin, activationMax, output, target);
    }

    /// <summary>Two int16 taps at <paramref name="at"/> repeated in every 32-bit lane (one vpbroadcastd from memory).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector256<short> WidePair(ref short from, nint at) =>
        System.Runtime.Intrinsics.Vector256.AsInt16(System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.ReadUnaligned<int>(
            ref System.Runtime.CompilerServices.Unsafe.As<short, byte>(ref System.Runtime.CompilerServices.Unsafe.Add(ref from, at)))));

#if NET10_0_OR_GREATER
    /// <summary>
    /// AVX-VNNI, sixteen output channels: two weight blocks share each pixel's broadcast taps (made unsigned, x + 128, as in
    /// <see cref="MultiplyBlockAvx2"/>): eight accumulators, two weight loads and four broadcasts per group of four taps.
    /// </summary>
    private static void MultiplyBlockPairVnni(ReadOnlySpan<sbyte> source, int first, int pixelStep, int pixels, int rowStride, int kernelHeight, int quads,
        ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> parameters, int firstChannel, int outputChannels,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output, int target)
    {
        ref sbyte from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref sbyte w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        int second = kernelHeight * quads * 4 * PackedChannels; // the second block's weights
        if (weights.Length < 2 * second) throw new ArgumentException("The micro-kernel's blocks do not match its weights.");
        int at0 = first, at1 = pixels > 1 ? first + pixelStep : first, at2 = pixels > 2 ? first + 2 * pixelStep : first, at3 = pixels > 3 ? first + 3 * pixelStep : first;
        var zero = System.Runtime.Intrinsics.Vector256<int>.Zero;
        System.Runtime.Intrinsics.Vector256<int> s0 = zero, s1 = zero, s2 = zero, s3 = zero, t0 = zero, t1 = zero, t2 = zero, t3 = zero;
        var flip = System.Runtime.Intrinsics.Vector256.Create(unchecked((int)0x80808080));
        for (int ky = 0, at = 0; ky < kernelHeight; ky++, at0 += rowStride, at1 += rowStride, at2 += rowStride, at3 += rowStride)
            for (int q = 0; q < 4 * quads; q += 4, at += 4 * PackedChannels)
            {
                var wa = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)at);
                var wb = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)(second + at));
                var x = System.Runtime.Intrinsics.Vector256.AsByte(Quad(ref from, at0 + q) ^ flip);
                s0 = System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(s0, x, wa); t0 = System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(t0, x, wb);
                x = System.Runtime.Intrinsics.Vector256.AsByte(Quad(ref from, at1 + q) ^ flip);
                s1 = System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(s1, x, wa); t1 = System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(t1, x, wb);
                x = System.Runtime.Intrinsics.Vector256.AsByte(Quad(ref from, at2 + q) ^ flip);
                s2 = System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(s2, x, wa); t2 = System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(t2, x, wb);
                x = System.Runtime.Intrinsics.Vector256.AsByte(Quad(ref from, at3 + q) ^ flip);
                s3 = System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(s3, x, wa); t3 = System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(t3, x, wb);
            }
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            FinishPair512(s0, t0, s1, t1, s2, t2, s3, t3, pixels, parameters, firstChannel, outputChannels, outputZeroPoint, activationMin, activationMax, output, target);
            return;
        }
        FinishBlock(s0, s1, s2, s3, pixels, 1, parameters, firstChannel, outputChannels, outputZeroPoint, activationMin, activationMax, output, target);
        FinishBlock(t0, t1, t2, t3, pixels, 1, parameters, firstChannel + PackedChannels, outputChannels, outputZeroPoint, activationMin, activationMax, output, target);
    }

    /// <summary>
    /// AVX-512: sixteen channels' sums (two blocks) of up to four pixels requantized sixteen lanes at a time and stored with
    /// one saturating narrowing (vpmovsdb; the values are already clamped into −128…127).
    /// </summary>
    private static void FinishPair512(System.Runtime.Intrinsics.Vector256<int> s0, System.Runtime.Intrinsics.Vector256<int> t0,
        System.Runtime.Intrinsics.Vector256<int> s1, System.Runtime.Intrinsics.Vector256<int> t1, System.Runtime.Intrinsics.Vector256<int> s2,
        System.Runtime.Intrinsics.Vector256<int> t2, System.Runtime.Intrinsics.Vector256<int> s3, System.Runtime.Intrinsics.Vector256<int> t3, int pixels,
        ReadOnlySpan<int> parameters, int firstChannel, int outputChannels, int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output, int target)
    {
        int lanes = parameters.Length / ChannelRows;
        if (firstChannel + 2 * PackedChannels > lanes) throw new ArgumentException("The parameters do not cover the block's channels.");
        ref int p = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(parameters);
        var bias = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p, (nuint)(lanes + firstChannel)); // for unsigned inputs
        var multiplier = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p, (nuint)(2 * lanes + firstChannel));
        var leftShift = System.Runtime.Intrinsics.Vector512.AsUInt32(System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p, (nuint)(3 * lanes + firstChannel)));
        var rightShift = System.Runtime.Intrinsics.Vector512.AsUInt32(System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p, (nuint)(4 * lanes + firstChannel)));
        var mask = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p, (nuint)(5 * lanes + firstChannel));
        var halfMask = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p, (nuint)(6 * lanes + firstChannel));
        int channels = outputChannels - firstChannel < 2 * PackedChannels ? outputChannels - firstChannel : 2 * PackedChannels;
        StoreLanes512(RequantizeLanes(System.Runtime.Intrinsics.Vector512.Create(s0, t0) + bias, multiplier, leftShift, rightShift, mask, halfMask,
            outputZeroPoint, activationMin, activationMax), channels, output, target + firstChannel);
        if (pixels > 1) StoreLanes512(RequantizeLanes(System.Runtime.Intrinsics.Vector512.Create(s1, t1) + bias, multiplier, leftShift, rightShift, mask, halfMask,
            outputZeroPoint, activationMin, activationMax), channels, output, target + outputChannels + firstChannel);
        if (pixels > 2) StoreLanes512(RequantizeLanes(System.Runtime.Intrinsics.Vector512.Create(s2, t2) + bias, multiplier, leftShift, rightShift, mask, halfMask,
            outputZeroPoint, activationMin, activationMax), channels, output, target + 2 * outputChannels + firstChannel);
        if (pixels > 3) StoreLanes512(RequantizeLanes(System.Runtime.Intrinsics.Vector512.Create(s3, t3) + bias, multiplier, leftShift, rightShift, mask, halfMask,
            outputZeroPoint, activationMin, activationMax), channels, output, target + 3 * outputChannels + firstChannel);
    }
#endif

#if NET8_0_OR_GREATER
    /// <summary>Sixteen lanes clamped into −128…127 narrowed (vpmovsdb) and stored at output[at] — all sixteen, or the first <paramref name="count"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void StoreLanes512(System.Runtime.Intrinsics.Vector512<int> values, int count, Span<sbyte> output, int at)
    {
        var bytes = System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector128SByteWithSaturation(values);
        if (count == 16 && at + 16 <= output.Length)
        {
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(bytes, ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output), (nuint)at);
            return;
        }
        var copy = bytes; // the first count bytes of a local copy
        System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref System.Runtime.CompilerServices.Unsafe.As<System.Runtime.Intrinsics.Vector128<sbyte>, sbyte>(ref copy), count)
            .CopyTo(output.Slice(at, count));
    }
#endif

    /// <summary>
    /// Eight channels' sums of up to four pixels: bias (row <paramref name="biasRow"/> of the parameters), per-channel
    /// requantization, stored at output[target + j · outputChannels + firstChannel + c].
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void FinishBlock(System.Runtime.Intrinsics.Vector256<int> s0, System.Runtime.Intrinsics.Vector256<int> s1, System.Runtime.Intrinsics.Vector256<int> s2,
        System.Runtime.Intrinsics.Vector256<int> s3, int pixels, int biasRow, ReadOnlySpan<int> parameters, int firstChannel, int outputChannels,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output, int target)
    {
        int lanes = parameters.Length / ChannelRows;
        if (firstChannel + PackedChannels > lanes) throw new ArgumentException("The parameters do not cover the block's channels.");
        ref int p = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(parameters);
        var bias = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref p, (nuint)(biasRow * lanes + firstChannel));
        var multiplier = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref p, (nuint)(2 * lanes + firstChannel));
        var leftShift = System.Runtime.Intrinsics.Vector256.AsUInt32(System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref p, (nuint)(3 * lanes + firstChannel)));
        var rightShift = System.Runtime.Intrinsics.Vector256.AsUInt32(System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref p, (nuint)(4 * lanes + firstChannel)));
        var mask = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref p, (nuint)(5 * lanes + firstChannel));
        var halfMask = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref p, (nuint)(6 * lanes + firstChannel));
        int channels = outputChannels - firstChannel < PackedChannels ? outputChannels - firstChannel : PackedChannels;
        StoreLanes(RequantizeLanesToBytes(s0 + bias, multiplier, leftShift, rightShift, mask, halfMask, outputZeroPoint, activationMin, activationMax), channels, output, target + firstChannel);
        if (pixels > 1) StoreLanes(RequantizeLanesToBytes(s1 + bias, multiplier, leftShift, rightShift, mask, halfMask, outputZeroPoint, activationMin, activationMax), channels, output, target + outputChannels + firstChannel);
        if (pixels > 2) StoreLanes(RequantizeLanesToBytes(s2 + bias, multiplier, leftShift, rightShift, mask, halfMask, outputZeroPoint, activationMin, activationMax), channels, output, target + 2 * outputChannels + firstChannel);
        if (pixels > 3) StoreLanes(RequantizeLanesToBytes(s3 + bias, multiplier, leftShift, rightShift, mask, halfMask, outputZeroPoint, activationMin, activationMax), channels, output, target + 3 * outputChannels + firstChannel);
    }

    /// <summary>Four bytes at <paramref name="at"/> broadcast to every int32 lane.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector256<int> Quad(ref sbyte from, int at) =>
        System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.ReadUnaligned<int>(
            ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(ref System.Runtime.CompilerServices.Unsafe.Add(ref from, at))));

    /// <summary>Four bytes at <paramref name="at"/> sign-extended to int16 and repeated in every 64-bit lane.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector256<short> QuadAsShorts(ref sbyte from, int at) =>
        System.Runtime.Intrinsics.Vector256.AsInt16(System.Runtime.Intrinsics.Vector256.Create(System.Runtime.Intrinsics.Vector128.ToScalar(System.Runtime.Intrinsics.Vector128.AsInt64(
            System.Runtime.Intrinsics.X86.Sse41.ConvertToVector128Int16(System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.Create(
                System.Runtime.CompilerServices.Unsafe.ReadUnaligned<int>(ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(
                    ref System.Runtime.CompilerServices.Unsafe.Add(ref from, at))))))))));

    /// <summary>
    /// vpmaddwd leaves two lanes per channel: channels 0–3 in <paramref name="low"/>, 4–7 in <paramref name="high"/>
    /// (each 128-bit half two channels). Adjacent lanes added (vphaddd) and put back in channel order.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector256<int> AddPairs(System.Runtime.Intrinsics.Vector256<int> low, System.Runtime.Intrinsics.Vector256<int> high) =>
        // Halves after vphaddd: (0, 1, 4, 5) and (2, 3, 6, 7).
        System.Runtime.Intrinsics.X86.Avx2.PermuteVar8x32(System.Runtime.Intrinsics.X86.Avx2.HorizontalAdd(low, high),
            System.Runtime.Intrinsics.Vector256.Create(0, 1, 4, 5, 2, 3, 6, 7));

    /// <summary>Eight bytes (the low half of <paramref name="bytes"/>) stored at output[at] — all eight, or the first <paramref name="count"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void StoreLanes(System.Runtime.Intrinsics.Vector128<sbyte> bytes, int count, Span<sbyte> output, int at)
    {
        long eight = System.Runtime.Intrinsics.Vector128.ToScalar(System.Runtime.Intrinsics.Vector128.AsInt64(bytes));
        if (count == PackedChannels && at + PackedChannels <= output.Length)
        {
            System.Runtime.CompilerServices.Unsafe.WriteUnaligned(ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(
                ref System.Runtime.CompilerServices.Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output), at)), eight);
            return;
        }
        for (int c = 0; c < count; c++) output[at + c] = (sbyte)(eight >> (8 * c));
    }
#endif

    /// <summary>
    /// Int8 depthwise convolution, channels last (groups = input channels = output channels): output[n, y, x, c] =
    /// requantize(bias[c] + Σ weights[c, ky, kx] · input[n, y·strideHeight + ky − padTop, x·strideWidth + kx − padLeft, c]),
    /// padding reading the input zero point; eight channels per vector, a row of output pixels per channel group.
    /// <paramref name="packedWeights"/> and <paramref name="channelParameters"/> as <see cref="PackDepthwiseWeights"/> and
    /// <see cref="PackChannelParameters"/> make them.
    /// </summary>
    public static void DepthwiseChannelsLast(ReadOnlySpan<sbyte> input, ReadOnlySpan<int> packedWeights, ReadOnlySpan<int> channelParameters,
        int batch, int channels, int inputHeight, int inputWidth, int outputHeight, int outputWidth,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padTop, int padLeft,
        int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int paddedWidth = PaddedWidth(outputWidth, strideWidth, kernelWidth), rowStride = paddedWidth * channels;
        int lanes = (channels + 15) / 16 * 16, taps = kernelHeight * kernelWidth;
        int bandOutputRows = BandOutputRows(outputHeight, channels, paddedWidth, kernelHeight, strideHeight);
        if (bandOutputRows == 0 || packedWeights.Length < taps * lanes || channelParameters.Length < ChannelRows * lanes
            || input.Length < batch * inputHeight * inputWidth * channels || output.Length < batch * outputHeight * outputWidth * channels)
            throw new ArgumentException("The depthwise convolution's packed weights, parameters or tensors do not match its shape.");
        // Whole sixteen-channel vectors never read past the last row: then an unpadded layer is read in place.
        bool inPlace = Unpadded(padTop, padLeft, paddedWidth, inputWidth, outputHeight, strideHeight, kernelHeight, inputHeight) && channels % 16 == 0;
        int bandRows = (bandOutputRows - 1) * strideHeight + kernelHeight;
        Span<sbyte> band = stackalloc sbyte[inPlace ? 0 : bandRows * rowStride + ChannelsLastSlack];
        Span<int> sums = stackalloc int[lanes];
        int imageBytes = inputHeight * inputWidth * channels, pixelStep = strideWidth * channels;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<sbyte> image = input.Slice(n * imageBytes, imageBytes);
            for (int firstRow = 0; firstRow < outputHeight; firstRow += bandOutputRows)
            {
                int rows = outputHeight - firstRow < bandOutputRows ? outputHeight - firstRow : bandOutputRows;
                ReadOnlySpan<sbyte> source = BandSource(image, inPlace, channels, inputHeight, inputWidth, firstRow * strideHeight - padTop,
                    (rows - 1) * strideHeight + kernelHeight, paddedWidth, padLeft, inputZeroPoint, band);
                for (int r = 0; r < rows; r++)
                {
                    // Every window of the row, channels padded to sixteen, lies inside the source.
                    int first = r * strideHeight * rowStride;
                    if (first + (outputWidth - 1) * pixelStep + (kernelHeight - 1) * rowStride + (kernelWidth - 1) * channels + lanes > source.Length)
                        throw new ArgumentOutOfRangeException(nameof(input), "A window runs past the convolution's rows.");
                    int target = (n * outputHeight + firstRow + r) * outputWidth * channels;
#if NET8_0_OR_GREATER
                    if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
                    {
                        // Whole groups of sixteen channels on 512-bit vectors, where there are; the rest eight at a time.
                        int wide = System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? channels / 16 * 16 : 0;
                        if (wide > 0)
                            DepthwiseRowAvx512(source, first, pixelStep, outputWidth, rowStride, channels, wide, kernelHeight, kernelWidth, packedWeights,
                                channelParameters, outputZeroPoint, activationMin, activationMax, output, target);
                        if (wide < channels)
                            DepthwiseRowAvx2(source, first, pixelStep, outputWidth, rowStride, channels, wide, kernelHeight, kernelWidth, packedWeights,
                                channelParameters, outputZeroPoint, activationMin, activationMax, output, target);
                        continue;
                    }
#endif
                    for (int x = 0; x < outputWidth; x++, first += pixelStep, target += channels)
                    {
#if NET8_0_OR_GREATER
                        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)
                            DepthwiseSumsVector128(source, first, rowStride, channels, kernelHeight, kernelWidth, packedWeights, sums);
                        else
#endif
                        DepthwiseSumsScalar(source, first, rowStride, channels, kernelHeight, kernelWidth, packedWeights, sums);
                        for (int c = 0; c < channels; c++)
                            output[target + c] = Requantize(sums[c] + channelParameters[c], channelParameters[2 * lanes + c] << 16,
                                channelParameters[3 * lanes + c] - channelParameters[4 * lanes + c], outputZeroPoint, activationMin, activationMax);
                    }
                }
            }
        }
    }

    /// <summary>The reference loop: sums[c] = Σ taps · weights of channel c over the window starting at <paramref name="first"/>.</summary>
    private static void DepthwiseSumsScalar(ReadOnlySpan<sbyte> source, int first, int rowStride, int channels, int kernelHeight, int kernelWidth,
        ReadOnlySpan<int> weights, Span<int> sums)
    {
        int lanes = sums.Length;
        sums.Clear();
        for (int ky = 0; ky < kernelHeight; ky++)
            for (int kx = 0; kx < kernelWidth; kx++)
            {
                ReadOnlySpan<sbyte> taps = source.Slice(first + ky * rowStride + kx * channels, channels);
                ReadOnlySpan<int> tapWeights = weights.Slice((ky * kernelWidth + kx) * lanes, channels);
                for (int c = 0; c < channels; c++) sums[c] += taps[c] * tapWeights[c];
            }
    }

#if NET8_0_OR_GREATER
    /// <summary>Portable 128-bit vectors: four channels at a time, taps widened to int32 and multiplied by the int32 weights.</summary>
    private static void DepthwiseSumsVector128(ReadOnlySpan<sbyte> source, int first, int rowStride, int channels, int kernelHeight, int kernelWidth,
        ReadOnlySpan<int> weights, Span<int> sums)
    {
        int lanes = sums.Length;
        ref sbyte from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref int w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        ref int to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(sums);
        for (int c = 0; c < channels; c += 4)
        {
            var sum = System.Runtime.Intrinsics.Vector128<int>.Zero;
            for (int ky = 0; ky < kernelHeight; ky++)
                for (int kx = 0; kx < kernelWidth; kx++)
                {
                    // Four bytes, taps of channels c … c + 3 (the caller checked the window's channels, padded to sixteen, fit).
                    var taps = System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.CreateScalar(
                        System.Runtime.CompilerServices.Unsafe.ReadUnaligned<int>(ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(
                            ref System.Runtime.CompilerServices.Unsafe.Add(ref from, first + ky * rowStride + kx * channels + c)))));
                    var wide = System.Runtime.Intrinsics.Vector128.WidenLower(System.Runtime.Intrinsics.Vector128.WidenLower(taps));
                    sum += wide * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)((ky * kernelWidth + kx) * lanes + c));
                }
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(sum, ref to, (nuint)c);
        }
    }

    /// <summary>
    /// AVX-512: one output row, channels [0, <paramref name="end"/>) sixteen at a time (whole groups only), each tap sixteen bytes
    /// sign-extended to int32 (vpmovsxbd) times the int32 weights; requantized sixteen lanes at a time and narrowed with vpmovsdb.
    /// </summary>
    private static void DepthwiseRowAvx512(ReadOnlySpan<sbyte> source, int first, int pixelStep, int pixels, int rowStride, int channels, int end, int kernelHeight,
        int kernelWidth, ReadOnlySpan<int> weights, ReadOnlySpan<int> parameters, int outputZeroPoint, int activationMin, int activationMax,
        Span<sbyte> output, int target)
    {
        int lanes = parameters.Length / ChannelRows;
        ref sbyte from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref int w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        ref int p = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(parameters);
        for (int c = 0; c + 16 <= end; c += 16)
        {
            var bias = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p, (nuint)c);
            var multiplier = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p, (nuint)(2 * lanes + c));
            var leftShift = System.Runtime.Intrinsics.Vector512.AsUInt32(System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p, (nuint)(3 * lanes + c)));
            var rightShift = System.Runtime.Intrinsics.Vector512.AsUInt32(System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p, (nuint)(4 * lanes + c)));
            var mask = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p, (nuint)(5 * lanes + c));
            var halfMask = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref p, (nuint)(6 * lanes + c));
            for (int x = 0, window = first + c, at = target + c; x < pixels; x++, window += pixelStep, at += channels)
            {
                var sum = bias;
                for (int ky = 0, tap = c; ky < kernelHeight; ky++)
                {
                    int row = window + ky * rowStride;
                    for (int kx = 0; kx < kernelWidth; kx++, row += channels, tap += lanes)
                        sum += System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector512Int32(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)row))
                            * System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref w, (nuint)tap);
                }
                StoreLanes512(RequantizeLanes(sum, multiplier, leftShift, rightShift, mask, halfMask, outputZeroPoint, activationMin, activationMax), 16, output, at);
            }
        }
    }

    /// <summary>
    /// AVX2: one output row, channels from <paramref name="start"/> eight at a time; each channel group's requantization
    /// parameters loaded once for the row. The window's taps are taken two at a time: eight bytes of each tap (eight channels)
    /// interleaved (vpunpcklbw), sign-extended to int16 and multiplied by the two taps' weights, interleaved the same way, with
    /// one vpmaddwd, whose int32 lanes are the eight channels (products of int8 taps and weights in −127…127, exact). An odd
    /// last tap is paired with a weight of 0.
    /// </summary>
    private static void DepthwiseRowAvx2(ReadOnlySpan<sbyte> source, int first, int pixelStep, int pixels, int rowStride, int channels, int start, int kernelHeight,
        int kernelWidth, ReadOnlySpan<int> weights, ReadOnlySpan<int> parameters, int outputZeroPoint, int activationMin, int activationMax,
        Span<sbyte> output, int target)
    {
        int lanes = parameters.Length / ChannelRows, taps = kernelHeight * kernelWidth, pairs = (taps + 1) / 2;
        if (weights.Length < taps * lanes) throw new ArgumentException("The depthwise convolution's packed weights do not match its shape.");
        // Each tap's offset in the window; the missing partner of an odd last tap reads the last tap again (against a weight of 0).
        Span<int> offsets = stackalloc int[2 * pairs];
        for (int t = 0; t < 2 * pairs; t++)
            offsets[t] = t < taps ? t / kernelWidth * rowStride + t % kernelWidth * channels : offsets[t - 1];
        Span<int> pairWeights = stackalloc int[pairs * PackedChannels];
        ref sbyte from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref int w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        ref int p = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(parameters);
        ref int pw = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(pairWeights);
        ref int offset = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(offsets);
        var lowHalf = System.Runtime.Intrinsics.Vector256.Create(0xFFFF);
        for (int c = start; c < channels; c += PackedChannels)
        {
            var bias = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref p, (nuint)c);
            var multiplier = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref p, (nuint)(2 * lanes + c));
            var leftShift = System.Runtime.Intrinsics.Vector256.AsUInt32(System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref p, (nuint)(3 * lanes + c)));
            var rightShift = System.Runtime.Intrinsics.Vector256.AsUInt32(System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref p, (nuint)(4 * lanes + c)));
            var mask = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref p, (nuint)(5 * lanes + c));
            var halfMask = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref p, (nuint)(6 * lanes + c));
            // The group's weights, pair by pair: each int32 lane the two taps' int16 weights (the first tap's in the low half).
            for (int q = 0; q < pairs; q++)
            {
                var a = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)(2 * q * lanes + c));
                var b = 2 * q + 1 < taps ? System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)((2 * q + 1) * lanes + c)) : System.Runtime.Intrinsics.Vector256<int>.Zero;
                System.Runtime.Intrinsics.Vector256.StoreUnsafe((a & lowHalf) | System.Runtime.Intrinsics.Vector256.ShiftLeft(b, 16), ref pw, (nuint)(q * PackedChannels));
            }
            int count = channels - c < PackedChannels ? channels - c : PackedChannels;
            for (int x = 0, window = first + c, at = target + c; x < pixels; x++, window += pixelStep, at += channels)
            {
                var sum = bias;
                for (int q = 0; q < pairs; q++)
                {
                    var a = EightBytes(ref from, window + System.Runtime.CompilerServices.Unsafe.Add(ref offset, 2 * q));
                    var b = EightBytes(ref from, window + System.Runtime.CompilerServices.Unsafe.Add(ref offset, 2 * q + 1));
                    sum += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(
                        System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int16(System.Runtime.Intrinsics.X86.Sse2.UnpackLow(a, b)),
                        System.Runtime.Intrinsics.Vector256.AsInt16(System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref pw, (nuint)(q * PackedChannels))));
                }
                StoreLanes(RequantizeLanesToBytes(sum, multiplier, leftShift, rightShift, mask, halfMask, outputZeroPoint, activationMin, activationMax), count, output, at);
            }
        }
    }

    /// <summary>Eight bytes at <paramref name="at"/> in the low half of a vector (vmovq).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector128<sbyte> EightBytes(ref sbyte from, int at) =>
        System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.CreateScalar(System.Runtime.CompilerServices.Unsafe.ReadUnaligned<long>(
            ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(ref System.Runtime.CompilerServices.Unsafe.Add(ref from, at)))));
#endif
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        Geometry.Write(w);
        Encoded.Write(w); w.Int(InputZeroPoint); OutputStage.Write(w);
    }

    public static ConvInt8ChannelsLast Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), ConvGeometry.Read(r), EncodedWeights.Read(r), r.Int(), OutputStage.Read(r));

    public override void EmitCall(CodeWriter code, string name)
    {
        var g = Geometry;
        code.Line($"{(IsDepthwise ? "DepthwiseChannelsLast" : "ConvChannelsLast")}({Input.Expression(code)}, {name}Packed, {(IsDepthwise ? "" : $"{name}Wide, ")}{name}Channels,")
            .Line($"    batch: {g.Batch}, {(IsDepthwise ? "channels" : "inputChannels")}: {g.InputChannels}, inputHeight: {g.InputHeight}, inputWidth: {g.InputWidth}, " +
                  $"{(IsDepthwise ? "" : $"outputChannels: {g.OutputChannels}, ")}outputHeight: {g.OutputHeight}, outputWidth: {g.OutputWidth},")
            .Line($"    kernelHeight: {g.KernelHeight}, kernelWidth: {g.KernelWidth}, strideHeight: {g.StrideHeight}, strideWidth: {g.StrideWidth}, padTop: {g.PadTop}, padLeft: {g.PadLeft},")
            .Line($"    inputZeroPoint: {InputZeroPoint}, {OutputStage.Arguments}, {Output.Expression(code)});");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        var g = Geometry;
        Encoded.EmitData(code, name, $"[{g.OutputChannels} output channels × {g.InputChannels / g.Groups} input channels × {g.KernelHeight} × {g.KernelWidth}]");
        OutputStage.EmitData(code, name, "output channel");
        code.Line("/// <summary>The weights in the order the channels-last kernel reads them, packed when the class is first used.</summary>");
        code.Line(IsDepthwise
            ? $"private static readonly int[] {name}Packed = PackDepthwiseWeights({name}Weights, channels: {g.OutputChannels}, kernelHeight: {g.KernelHeight}, kernelWidth: {g.KernelWidth});"
            : $"private static readonly sbyte[] {name}Packed = PackMatrixWeights({name}Weights, outputChannels: {g.OutputChannels}, inputChannels: {g.InputChannels}, kernelHeight: {g.KernelHeight}, kernelWidth: {g.KernelWidth});");
        if (!IsDepthwise)
        {
            code.Line("/// <summary>The same weights as int16, sixteen channels × pairs of taps, for AVX2 without AVX-VNNI (empty elsewhere).</summary>");
            code.Line($"private static readonly short[] {name}Wide = PackMatrixWeightsWide({name}Weights, outputChannels: {g.OutputChannels}, inputChannels: {g.InputChannels}, kernelHeight: {g.KernelHeight}, kernelWidth: {g.KernelWidth});");
        }
        code.Line("/// <summary>Per output channel: bias, bias for unsigned inputs, multiplier, left and right shift (eight lanes at a time).</summary>");
        code.Line($"private static readonly int[] {name}Channels = PackChannelParameters({name}Weights, {name}Bias, {name}Multipliers, {name}Shifts, channels: {g.OutputChannels});");
    }
}
