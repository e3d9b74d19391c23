using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;
using static ModelBaker.Core.Kernels.Int8Gemm;
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
public sealed class ConvInt8 : Int8Kernel, IChannelsLastKernel
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

    public IReadOnlyList<LayoutOperand>? LayoutOperands => ConvInt8ChannelsLast.Supports(Geometry)
        ? new[]
        {
            new LayoutOperand(Input, Geometry.Batch, Geometry.InputChannels, Geometry.InputHeight * Geometry.InputWidth),
            new LayoutOperand(Output, Geometry.Batch, Geometry.OutputChannels, Geometry.OutputHeight * Geometry.OutputWidth),
        }
        : null;

    /// <summary>Channels last, a window's taps are contiguous and the product vectorises across output channels.</summary>
    public bool LeadsChannelsLast => true;

    public Kernel ToChannelsLast(Func<ArenaSlice, ArenaSlice> slice) => ConvInt8ChannelsLast.Of(this, slice(Input), slice(Output));
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Encoded.Bytes + OutputStage.Bytes;
    public override string Encoding => Encoded.Name;
    public override int Clusters => Encoded.ClusterCount;
    public override IEnumerable<string> Helpers => new[] { nameof(ConvInt8), nameof(Int8Gemm), nameof(WindowBounds), nameof(FixedPoint), nameof(FixedPointVectors) }.Concat(Encoded.Helpers);
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
    /// <summary>Bytes of zero-point-padded input rows a convolution copies to the stack at a time (a band of output rows).</summary>
    private const int BandBytes = 48 * 1024;

    /// <summary>Taps per window at most at stride 1: their offsets take 64 KB of stack.</summary>
    private const int InPlaceDepth = 16384;

    /// <summary>Taps a strided convolution gathers for a block at most, all panels together (96 KB: 512 channels × 3 × 3 take 72 KB).</summary>
    private const int PanelDepth = 6144;

    /// <summary>
    /// Int8 convolution, NCHW, grouped, per-channel requantization, as a matrix product per group: weights
    /// [channels × taps] times the taps of every output pixel, sixteen pixels and four channels per micro-kernel call
    /// (Int8Gemm). The input is copied a band of rows at a time into a stack buffer padded with the zero point (real 0,
    /// which the folded bias cancels exactly), so no tap is checked against the border. At stride 1 the micro-kernel
    /// reads that band in place: tap (c, ky, kx) of padded pixel q lies at q + rows[k]; the padding columns between
    /// rows are computed and dropped. At other strides each block's taps are first gathered into a panel. Layers whose
    /// band or panel would not fit the stack take the window loop.
    /// </summary>
    public static void Conv(ReadOnlySpan<sbyte> input, ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> bias,
        ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int groupInputChannels = inputChannels / groups, groupOutputChannels = outputChannels / groups;
        int depth = groupInputChannels * kernelHeight * kernelWidth;
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        int paddedWidth = (outputWidth - 1) * strideWidth + (kernelWidth - 1) * dilationWidth + 1; // the columns the windows reach
        int windowRows = (kernelHeight - 1) * dilationHeight + 1;
        int fittingRows = (BandBytes - BlockPixels) / (inputChannels * paddedWidth);
        bool inPlace = strideHeight == 1 && strideWidth == 1;
        if (fittingRows < windowRows || depth > (inPlace ? InPlaceDepth : PanelDepth))
        {
            // Rows too wide for one window's band on the stack, or windows too deep for the tap table or a panel: the
            // window loop, channel by channel.
            for (int n = 0; n < batch; n++)
                for (int m = 0; m < outputChannels; m++)
                    ConvChannel(input, weights.Slice(m * depth, depth), bias[m], multipliers[multipliers.Length == 1 ? 0 : m] << 16, shifts[shifts.Length == 1 ? 0 : m],
                        n, m, inputChannels, inputHeight, inputWidth, outputChannels, outputHeight, outputWidth, groups,
                        kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft,
                        inputZeroPoint, outputZeroPoint, activationMin, activationMax, output);
            return;
        }
        int bandOutputRows = (fittingRows - windowRows) / strideHeight + 1;
        if (bandOutputRows > outputHeight) bandOutputRows = outputHeight;
        int bandRows = (bandOutputRows - 1) * strideHeight + windowRows, bandPlane = bandRows * paddedWidth;

        Span<sbyte> band = stackalloc sbyte[inputChannels * bandPlane + BlockPixels];
        Span<int> rows = stackalloc int[depth];
        for (int ic = 0, k = 0; ic < groupInputChannels; ic++)
            for (int ky = 0; ky < kernelHeight; ky++)
                for (int kx = 0; kx < kernelWidth; kx++)
                    rows[k++] = ic * bandPlane + ky * dilationHeight * paddedWidth + kx * dilationWidth;
        // One output channel per group (depthwise): four groups at a time, each micro-kernel channel reading its own plane
        // (gathered, while the four panels fit where one may).
        int groupStep = groupOutputChannels == 1 && groups > 1 && (inPlace || BlockChannels * depth <= PanelDepth) ? BlockChannels : 1;
        Span<sbyte> panel = stackalloc sbyte[inPlace ? 0 : groupStep * depth * BlockPixels];
        Span<int> panelRows = stackalloc int[inPlace ? 0 : depth];
        for (int k = 0; k < panelRows.Length; k++) panelRows[k] = k * BlockPixels;
        Span<int> starts = stackalloc int[BlockPixels]; // where each pixel of a block starts in the band
        Span<int> runs = stackalloc int[3 * BlockPixels]; // (first pixel, output index, length) of each run of real pixels
        Span<sbyte> quantized = stackalloc sbyte[BlockChannels * BlockPixels];

        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<sbyte> item = input.Slice(n * inputChannels * inputPlane, inputChannels * inputPlane);
            for (int firstRow = 0; firstRow < outputHeight; firstRow += bandOutputRows)
            {
                int bandOutputs = outputHeight - firstRow < bandOutputRows ? outputHeight - firstRow : bandOutputRows;
                PadBand(item, inputChannels, inputHeight, inputWidth, firstRow * strideHeight - padTop, bandRows, paddedWidth, padLeft, inputZeroPoint, band);
                // In place, pixels are numbered across the padded width; gathered, across the output width.
                int pixels = inPlace ? (bandOutputs - 1) * paddedWidth + outputWidth : bandOutputs * outputWidth;
                int rowWidth = inPlace ? paddedWidth : outputWidth, blockRow = 0, blockColumn = 0; // the block's first pixel
                for (int first = 0; first < pixels; first += BlockPixels)
                {
                    int runCount = 0;
                    for (int j = 0, row = blockRow, column = blockColumn; j < BlockPixels; j++)
                    {
                        bool real = first + j < pixels && column < outputWidth;
                        starts[j] = real ? row * strideHeight * paddedWidth + column * strideWidth : 0;
                        if (real)
                        {
                            int target = (firstRow + row) * outputWidth + column, last = 3 * (runCount - 1);
                            if (runCount > 0 && runs[last] + runs[last + 2] == j && runs[last + 1] + runs[last + 2] == target) runs[last + 2]++; // extends the last run
                            else { runs[3 * runCount] = j; runs[3 * runCount + 1] = target; runs[3 * runCount + 2] = 1; runCount++; }
                        }
                        if (++column == rowWidth) { column = 0; row++; }
                    }
                    for (blockColumn += BlockPixels; blockColumn >= rowWidth; blockColumn -= rowWidth) blockRow++;
                    for (int g = 0; g < groups; g += groupStep)
                    {
                        int inFlight = groups - g < groupStep ? groups - g : groupStep;
                        if (!inPlace)
                            for (int c = 0; c < inFlight; c++)
                                GatherTaps(band.Slice((g + c) * groupInputChannels * bandPlane), starts, rows, panel.Slice(c * depth * BlockPixels, depth * BlockPixels));
                        ReadOnlySpan<sbyte> source = inPlace ? band.Slice(g * groupInputChannels * bandPlane + first) : panel;
                        ReadOnlySpan<int> sourceRows = inPlace ? rows : panelRows;
                        int sourceStride = groupStep == 1 ? 0 : inPlace ? groupInputChannels * bandPlane : depth * BlockPixels;
                        int end = groupStep == 1 ? (g + 1) * groupOutputChannels : g + inFlight;
                        for (int m0 = g * groupOutputChannels; m0 < end; m0 += BlockChannels)
                        {
                            int channels = end - m0 < BlockChannels ? end - m0 : BlockChannels;
                            MultiplyRequantize(source, sourceRows, weights.Slice(m0 * depth), depth, channels, sourceStride, bias, multipliers, shifts, m0,
                                outputZeroPoint, activationMin, activationMax, quantized);
                            for (int c = 0; c < channels; c++)
                            {
                                Span<sbyte> plane = output.Slice((n * outputChannels + m0 + c) * outputPlane, outputPlane);
                                ReadOnlySpan<sbyte> values = quantized.Slice(c * BlockPixels, BlockPixels);
                                if (runCount == 1 && runs[2] == BlockPixels)
                                {
                                    values.CopyTo(plane.Slice(runs[1])); // sixteen real pixels in a row
                                    continue;
                                }
                                for (int r = 0; r < 3 * runCount; r += 3)
                                {
                                    Span<sbyte> run = plane.Slice(runs[r + 1], runs[r + 2]);
                                    for (int j = 0; j < run.Length; j++) run[j] = values[runs[r] + j];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Input rows [top, top + bandRows) of every channel into <paramref name="band"/>, each row widened to
    /// <paramref name="paddedWidth"/> columns from −padLeft; whatever lies outside the input is the zero point.
    /// </summary>
    public static void PadBand(ReadOnlySpan<sbyte> input, int channels, int inputHeight, int inputWidth, int top, int bandRows, int paddedWidth,
        int padLeft, int zeroPoint, Span<sbyte> band)
    {
        band.Fill((sbyte)zeroPoint);
        int firstColumn = padLeft > 0 ? 0 : -padLeft;
        int endColumn = paddedWidth - padLeft < inputWidth ? paddedWidth - padLeft : inputWidth;
        if (endColumn <= firstColumn) return;
        for (int c = 0; c < channels; c++)
        {
            for (int r = 0; r < bandRows; r++)
            {
                int y = top + r;
                if (y < 0 || y >= inputHeight) continue;
                input.Slice((c * inputHeight + y) * inputWidth + firstColumn, endColumn - firstColumn)
                    .CopyTo(band.Slice((c * bandRows + r) * paddedWidth + firstColumn + padLeft));
            }
        }
    }

    /// <summary>
    /// panel[16·k + j] = band[starts[j] + rows[k]]: the taps of sixteen strided pixels, row by row. Sixteen pixels of one
    /// row at stride 2 (the usual downsampling step) are the even bytes of 32 consecutive ones: narrowing them as int16
    /// keeps exactly those, a vector per tap instead of sixteen loads.
    /// </summary>
    public static void GatherTaps(ReadOnlySpan<sbyte> band, ReadOnlySpan<int> starts, ReadOnlySpan<int> rows, Span<sbyte> panel)
    {
        int k = 0;
#if NET8_0_OR_GREATER
        bool strideTwo = System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated && panel.Length >= rows.Length * BlockPixels;
        for (int j = 1; j < BlockPixels && strideTwo; j++) strideTwo = starts[j] == starts[0] + 2 * j;
        if (strideTwo)
        {
            ref sbyte from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(band);
            ref sbyte to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(panel);
            for (; k < rows.Length; k++)
            {
                int first = starts[0] + rows[k];
                if ((uint)first > (uint)(band.Length - 2 * BlockPixels)) break; // near the end of the band: the scalar loop below
                var low = System.Runtime.Intrinsics.Vector128.AsInt16(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)first));
                var high = System.Runtime.Intrinsics.Vector128.AsInt16(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)(first + BlockPixels)));
                System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.Narrow(low, high)),
                    ref to, (nuint)(k * BlockPixels));
            }
        }
#endif
        for (; k < rows.Length; k++)
        {
            ReadOnlySpan<sbyte> tap = band.Slice(rows[k]);
            Span<sbyte> row = panel.Slice(k * BlockPixels, BlockPixels);
            for (int j = 0; j < BlockPixels; j++) row[j] = tap[starts[j]];
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
    /// taps read the input zero point (real 0), which the folded bias cancels exactly. A padded layer whose frames fit
    /// the workspace reads a copy of each group's input channels framed by the zero point in
    /// <paramref name="framedChannels"/> (null for other layers): every window is then inside, with no border case.
    /// </summary>
    public static void Conv(sbyte[] input, int inputOffset, WeightRows weights, int[] bias, short[] multipliers, sbyte[] shifts,
        int batch, int inputChannels, int inputHeight, int inputWidth, int outputChannels, int outputHeight, int outputWidth, int groups,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax, sbyte[] output, int outputOffset, sbyte[] framedChannels)
    {
        int groupInputChannels = inputChannels / groups, groupOutputChannels = outputChannels / groups;
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        int framedHeight = (outputHeight - 1) * strideHeight + (kernelHeight - 1) * dilationHeight + 1;
        int framedWidth = (outputWidth - 1) * strideWidth + (kernelWidth - 1) * dilationWidth + 1;
        for (int m = 0; m < outputChannels; m++)
        {
            sbyte[] channelWeights = weights.Read(m, out int at); // each channel's row decoded once, for every batch item
            int multiplier = multipliers[multipliers.Length == 1 ? 0 : m] << 16, shift = shifts[shifts.Length == 1 ? 0 : m];
            for (int n = 0; n < batch; n++)
            {
                int groupInput = inputOffset + (n * inputChannels + m / groupOutputChannels * groupInputChannels) * inputPlane;
                int plane = outputOffset + (n * outputChannels + m) * outputPlane;
                if (framedChannels == null)
                    ConvChannel(input, groupInput, channelWeights, at, bias[m], multiplier, shift, groupInputChannels, inputHeight, inputWidth,
                        outputHeight, outputWidth, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, padTop, padLeft,
                        inputZeroPoint, outputZeroPoint, activationMin, activationMax, output, plane);
                else
                {
                    if (batch > 1 || m % groupOutputChannels == 0) // the group's channels changed
                        for (int c = 0; c < groupInputChannels; c++)
                            FramePlane(input, groupInput + c * inputPlane, inputHeight, inputWidth, padTop, padLeft, (sbyte)inputZeroPoint,
                                framedChannels, c * framedHeight * framedWidth, framedHeight, framedWidth);
                    ConvChannel(framedChannels, 0, channelWeights, at, bias[m], multiplier, shift, groupInputChannels, framedHeight, framedWidth,
                        outputHeight, outputWidth, kernelHeight, kernelWidth, strideHeight, strideWidth, dilationHeight, dilationWidth, 0, 0,
                        inputZeroPoint, outputZeroPoint, activationMin, activationMax, output, plane);
                }
            }
        }
    }

    /// <summary>
    /// One input channel copied into <paramref name="framed"/> at <paramref name="framedOffset"/> (<paramref name="framedHeight"/> ×
    /// <paramref name="framedWidth"/>, the rows and columns the windows reach), with <paramref name="zeroPoint"/> wherever a
    /// window reads padding.
    /// </summary>
    public static void FramePlane(sbyte[] input, int offset, int height, int width, int padTop, int padLeft, sbyte zeroPoint,
        sbyte[] framed, int framedOffset, int framedHeight, int framedWidth)
    {
        int copied = framedWidth - padLeft < width ? framedWidth - padLeft : width;
        for (int y = 0, row = framedOffset; y < framedHeight; y++, row += framedWidth)
        {
            int sourceRow = y - padTop;
            if (sourceRow < 0 || sourceRow >= height || copied <= 0)
            {
                for (int x = 0; x < framedWidth; x++) framed[row + x] = zeroPoint;
                continue;
            }
            for (int x = 0; x < padLeft; x++) framed[row + x] = zeroPoint;
            Array.Copy(input, offset + sourceRow * width, framed, row + padLeft, copied);
            for (int x = padLeft + copied; x < framedWidth; x++) framed[row + x] = zeroPoint;
        }
    }

    /// <summary>
    /// One output channel of one batch item into the plane at <paramref name="plane"/>, its weights at
    /// <paramref name="channelWeights"/> in <paramref name="weights"/>, reading the group's input channels from
    /// <paramref name="groupInput"/>. Shaped for nanoCLR, where a loop step or an array read costs as much as a
    /// multiply-add: a 1 × 1 stride-1 layer takes four output pixels a step (each weight read once for the four, a pruned
    /// one skipped); a 3 × 3 window of one input channel keeps its nine weights in locals; other windows inside the
    /// input go four side by side per step where four fit (the same), else a kernel row at a time (3 taps unrolled;
    /// 1 × 1 down the input channels, four at a time); a window over the border
    /// multiplies only its taps inside the input, and the padded taps — the input zero point, real 0 — add
    /// zeroPoint × their weights, i.e. zeroPoint × (the channel's weight sum − the weights inside): no test per tap.
    /// </summary>
    public static void ConvChannel(sbyte[] input, int groupInput, sbyte[] weights, int channelWeights, int channelBias, int multiplier, int shift,
        int groupInputChannels, int inputHeight, int inputWidth, int outputHeight, int outputWidth,
        int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, int padTop, int padLeft,
        int inputZeroPoint, int outputZeroPoint, int activationMin, int activationMax, sbyte[] output, int plane)
    {
        int inputPlane = inputHeight * inputWidth, outputPlane = outputHeight * outputWidth;
        if (kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1 && padTop == 0 && padLeft == 0)
        {
            // Output pixel q reads input pixel q of every channel.
            int q = 0, end = channelWeights + groupInputChannels;
            for (; q < outputPlane - 3; q += 4)
            {
                int a0 = channelBias, a1 = channelBias, a2 = channelBias, a3 = channelBias;
                for (int w = channelWeights, x = groupInput + q; w < end; w++, x += inputPlane)
                {
                    int weight = weights[w];
                    if (weight == 0) continue; // a pruned weight costs a test, not four multiply-adds
                    a0 += input[x] * weight; a1 += input[x + 1] * weight; a2 += input[x + 2] * weight; a3 += input[x + 3] * weight;
                }
                output[plane + q] = Requantize(a0, multiplier, shift, outputZeroPoint, activationMin, activationMax);
                output[plane + q + 1] = Requantize(a1, multiplier, shift, outputZeroPoint, activationMin, activationMax);
                output[plane + q + 2] = Requantize(a2, multiplier, shift, outputZeroPoint, activationMin, activationMax);
                output[plane + q + 3] = Requantize(a3, multiplier, shift, outputZeroPoint, activationMin, activationMax);
            }
            for (; q < outputPlane; q++)
            {
                int accumulator = channelBias;
                for (int w = channelWeights, x = groupInput + q; w < end; w++, x += inputPlane) accumulator += input[x] * weights[w];
                output[plane + q] = Requantize(accumulator, multiplier, shift, outputZeroPoint, activationMin, activationMax);
            }
            return;
        }
        InsideRange(outputHeight, inputHeight, kernelHeight, strideHeight, dilationHeight, padTop, out int firstRow, out int endRow);
        InsideRange(outputWidth, inputWidth, kernelWidth, strideWidth, dilationWidth, padLeft, out int firstColumn, out int endColumn);
        int rowStep = dilationHeight * inputWidth, windowRows = groupInputChannels * kernelHeight, taps = windowRows * kernelWidth;
        bool rowOfThree = kernelWidth == 3 && dilationWidth == 1, pointwise = kernelWidth == 1 && kernelHeight == 1;
        bool nine = rowOfThree && kernelHeight == 3 && groupInputChannels == 1;
        int plane2 = 2 * inputPlane, plane3 = 3 * inputPlane, plane4 = 4 * inputPlane, rowStep2 = 2 * rowStep;
        int stride2 = 2 * strideWidth, stride3 = 3 * strideWidth;
        int w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0, w7 = 0, w8 = 0;
        if (nine)
        {
            w0 = weights[channelWeights]; w1 = weights[channelWeights + 1]; w2 = weights[channelWeights + 2];
            w3 = weights[channelWeights + 3]; w4 = weights[channelWeights + 4]; w5 = weights[channelWeights + 5];
            w6 = weights[channelWeights + 6]; w7 = weights[channelWeights + 7]; w8 = weights[channelWeights + 8];
        }
        int weightSum = 0;
        if (firstRow > 0 || endRow < outputHeight || firstColumn > 0 || endColumn < outputWidth)
            for (int t = channelWeights; t < channelWeights + taps; t++) weightSum += weights[t];
        for (int oy = 0; oy < outputHeight; oy++)
        {
            int top = oy * strideHeight - padTop;
            bool rowInside = oy >= firstRow && oy < endRow;
            // The kernel rows inside the input, for the border windows of this output row.
            int kyFrom = 0, kyEnd = kernelHeight;
            while (kyFrom < kyEnd && top + kyFrom * dilationHeight < 0) kyFrom++;
            while (kyEnd > kyFrom && top + (kyEnd - 1) * dilationHeight >= inputHeight) kyEnd--;
            for (int ox = 0; ox < outputWidth; ox++)
            {
                int left = ox * strideWidth - padLeft;
                int accumulator = channelBias;
                int w = channelWeights, p = groupInput + top * inputWidth + left;
                if (!nine && rowInside && ox >= firstColumn && ox + 3 < endColumn)
                {
                    // Four windows inside the input side by side: each weight read once for the four, a pruned one skipped.
                    int a1 = channelBias, a2 = channelBias, a3 = channelBias;
                    for (int r = 0, ky = 0; r < windowRows; r++)
                    {
                        for (int kx = 0, x = p; kx < kernelWidth; kx++, w++, x += dilationWidth)
                        {
                            int weight = weights[w];
                            if (weight == 0) continue;
                            accumulator += input[x] * weight; a1 += input[x + strideWidth] * weight;
                            a2 += input[x + stride2] * weight; a3 += input[x + stride3] * weight;
                        }
                        if (++ky < kernelHeight) p += rowStep;
                        else { ky = 0; p += inputPlane - (kernelHeight - 1) * rowStep; }
                    }
                    int o = plane + oy * outputWidth + ox;
                    output[o] = Requantize(accumulator, multiplier, shift, outputZeroPoint, activationMin, activationMax);
                    output[o + 1] = Requantize(a1, multiplier, shift, outputZeroPoint, activationMin, activationMax);
                    output[o + 2] = Requantize(a2, multiplier, shift, outputZeroPoint, activationMin, activationMax);
                    output[o + 3] = Requantize(a3, multiplier, shift, outputZeroPoint, activationMin, activationMax);
                    ox += 3;
                    continue;
                }
                bool columnInside = ox >= firstColumn && ox < endColumn;
                if (rowInside && columnInside)
                {
                    if (nine)
                    {
                        int p1 = p + rowStep, p2 = p + rowStep2;
                        accumulator += input[p] * w0 + input[p + 1] * w1 + input[p + 2] * w2 + input[p1] * w3 + input[p1 + 1] * w4
                            + input[p1 + 2] * w5 + input[p2] * w6 + input[p2 + 1] * w7 + input[p2 + 2] * w8;
                    }
                    else if (pointwise)
                    {
                        int end = w + taps;
                        for (; w < end - 3; w += 4, p += plane4)
                            accumulator += input[p] * weights[w] + input[p + inputPlane] * weights[w + 1]
                                + input[p + plane2] * weights[w + 2] + input[p + plane3] * weights[w + 3];
                        for (; w < end; w++, p += inputPlane) accumulator += input[p] * weights[w];
                    }
                    else if (rowOfThree)
                    {
                        for (int r = 0, ky = 0; r < windowRows; r++, w += 3)
                        {
                            accumulator += input[p] * weights[w] + input[p + 1] * weights[w + 1] + input[p + 2] * weights[w + 2];
                            if (++ky < kernelHeight) p += rowStep;
                            else { ky = 0; p += inputPlane - (kernelHeight - 1) * rowStep; }
                        }
                    }
                    else
                    {
                        for (int r = 0, ky = 0; r < windowRows; r++)
                        {
                            for (int kx = 0, x = p; kx < kernelWidth; kx++, w++, x += dilationWidth) accumulator += input[x] * weights[w];
                            if (++ky < kernelHeight) p += rowStep;
                            else { ky = 0; p += inputPlane - (kernelHeight - 1) * rowStep; }
                        }
                    }
                }
                else
                {
                    int kxFrom = 0, kxEnd = kernelWidth, inside = 0;
                    if (!columnInside)
                    {
                        while (kxFrom < kxEnd && left + kxFrom * dilationWidth < 0) kxFrom++;
                        while (kxEnd > kxFrom && left + (kxEnd - 1) * dilationWidth >= inputWidth) kxEnd--;
                    }
                    for (int ic = 0; ic < groupInputChannels; ic++)
                    {
                        for (int ky = kyFrom; ky < kyEnd; ky++)
                        {
                            int x = p + ic * inputPlane + ky * rowStep + kxFrom * dilationWidth;
                            int wEnd = w + (ic * kernelHeight + ky) * kernelWidth + kxEnd;
                            for (int v = wEnd - kxEnd + kxFrom; v < wEnd; v++, x += dilationWidth)
                            {
                                int weight = weights[v];
                                accumulator += input[x] * weight;
                                inside += weight;
                            }
                        }
                    }
                    accumulator += inputZeroPoint * (weightSum - inside);
                }
                output[plane + oy * outputWidth + ox] = Requantize(accumulator, multiplier, shift, outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(ConvInt8) + "#Nano", nameof(WindowBounds), nameof(FixedPoint) }.Concat(Encoded.NanoHelpers);

    /// <summary>The nanoFramework flavour decodes a sparse or clustered channel's weights into a row buffer of this many bytes.</summary>
    public override int NanoScratchBytes(bool weightsInResource) => Encoded.NanoRowBufferBytes(weightsInResource);

    /// <summary>
    /// The most RAM the nanoFramework flavour spends on framing a padded layer's input (see its Conv): 4 KB, a small
    /// share of an ESP32's managed heap (roughly 80 KB). Copying costs little next to the convolution (each input value
    /// is copied once and read kernel-area × output-channels-per-group times); RAM is what limits it.
    /// </summary>
    public const int NanoFrameBudgetBytes = 4096;

    /// <summary>
    /// The nanoFramework flavour copies a padded layer's group of input channels, framed by the zero point, into the
    /// workspace when the frames fit <see cref="NanoFrameBudgetBytes"/>: the rows and columns the windows reach.
    /// </summary>
    public override int NanoWorkspaceBytes
    {
        get
        {
            var g = Geometry;
            int height = (g.OutputHeight - 1) * g.StrideHeight + (g.KernelHeight - 1) * g.DilationHeight + 1;
            int width = (g.OutputWidth - 1) * g.StrideWidth + (g.KernelWidth - 1) * g.DilationWidth + 1;
            bool padded = g.PadTop > 0 || g.PadLeft > 0 || height - g.PadTop > g.InputHeight || width - g.PadLeft > g.InputWidth;
            long frames = (long)g.InputChannels / g.Groups * height * width;
            return padded && frames <= NanoFrameBudgetBytes ? (int)frames : 0;
        }
    }

    public override void EmitNanoCall(CodeWriter code, string name) => EmitCall(code, Input.NanoArguments(code), $"{name}Rows", name,
        $"{Output.NanoArguments(code)}, {(NanoWorkspaceBytes > 0 ? CodeWriter.NanoWorkspace : "null")}");

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
