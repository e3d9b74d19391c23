using System;
using static ModelBaker.Core.Kernels.FixedPoint;
using static ModelBaker.Core.Kernels.FixedPointVectors;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The int8 matrix-multiply micro-kernel of the convolutions, vectorised along pixels: up to four output channels ×
/// sixteen pixels per call, each pixel row read once and shared by the channels (or, for layers with one output channel
/// per group, one source plane per channel). Sources are addressed through a
/// table of row offsets, so the same kernel reads a zero-point-padded input in place (stride 1: tap (c, ky, kx) of
/// pixel q lies at q + rows[k]) or a gathered panel (any stride: rows[k] = 16·k).
/// <para>
/// Integer sums do not depend on their order, so every instruction-set path (AVX-VNNI, AVX2, Arm64 SDOT, 128-bit vectors
/// on x64 and Arm64, scalar) gives the scalar loop's result bit for bit; the reference interpreter, built for
/// netstandard2.0, runs the scalar loop.
/// </para>
/// </summary>
public static class Int8Gemm
{
    // <emit>
    /// <summary>Pixels per micro-kernel call: one 128-bit load of int8 per row.</summary>
    public const int BlockPixels = 16;

    /// <summary>Output channels per micro-kernel call at most.</summary>
    public const int BlockChannels = 4;

    /// <summary>
    /// output[c·16 + j] = Requantize(bias[m] + Σ_k weights[c·weightStride + k] · source[rows[k] + c·sourceStride + j]) for channels c &lt;
    /// <paramref name="channels"/> (1 to 4; m = firstChannel + c, whose requantization is multipliers[m] — a Q15 mantissa,
    /// the stored short — and shifts[m], or element 0 of one-element arrays) and pixels j &lt; 16, k over <paramref name="rows"/>.
    /// A <paramref name="sourceStride"/> of 0 shares each source row among the channels (a matrix product: loaded once); a
    /// plane's size gives each channel its own (one output channel per group, as in depthwise layers: four channels in flight).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void MultiplyRequantize(ReadOnlySpan<sbyte> source, ReadOnlySpan<int> rows, ReadOnlySpan<sbyte> weights, int weightStride,
        int channels, int sourceStride, ReadOnlySpan<int> bias, ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts, int firstChannel,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int depth = rows.Length;
        if (channels < 1 || channels > BlockChannels || output.Length < channels * BlockPixels || bias.Length < firstChannel + channels
            || weights.Length < (channels - 1) * weightStride + depth)
            throw new ArgumentException("The micro-kernel's blocks do not match its weights.");
        if (sourceStride < 0 || source.Length < BlockPixels + (channels - 1) * sourceStride)
            throw RowOutside(); // every row is checked against the room left for it as it is read
#if NET8_0_OR_GREATER
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            MultiplyRequantizeAvx2(source, rows, weights, weightStride, channels, sourceStride, bias, multipliers, shifts, firstChannel,
                outputZeroPoint, activationMin, activationMax, output);
            return;
        }
        if (System.Runtime.Intrinsics.Arm.Dp.IsSupported && System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.IsSupported)
        {
            MultiplyRequantizeDp(source, rows, weights, weightStride, channels, sourceStride, bias, multipliers, shifts, firstChannel,
                outputZeroPoint, activationMin, activationMax, output);
            return;
        }
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)
        {
            MultiplyRequantizeVector128(source, rows, weights, weightStride, channels, sourceStride, bias, multipliers, shifts, firstChannel,
                outputZeroPoint, activationMin, activationMax, output);
            return;
        }
#endif
        MultiplyRequantizeScalar(source, rows, weights, weightStride, channels, sourceStride, bias, multipliers, shifts, firstChannel,
            outputZeroPoint, activationMin, activationMax, output);
    }

    /// <summary>The reference loop of <see cref="MultiplyRequantize"/> (the interpreter's, and generated code's without vectors).</summary>
    private static void MultiplyRequantizeScalar(ReadOnlySpan<sbyte> source, ReadOnlySpan<int> rows, ReadOnlySpan<sbyte> weights, int weightStride,
        int channels, int sourceStride, ReadOnlySpan<int> bias, ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts, int firstChannel,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int depth = rows.Length;
        Span<int> sums = stackalloc int[BlockPixels];
        for (int c = 0; c < channels; c++)
        {
            int m = firstChannel + c;
            sums.Fill(bias[m]);
            for (int k = 0; k < depth; k++)
            {
                int w = weights[c * weightStride + k];
                if (w == 0) continue; // pruned: nothing to add
                ReadOnlySpan<sbyte> row = source.Slice(rows[k] + c * sourceStride, BlockPixels);
                for (int j = 0; j < BlockPixels; j++) sums[j] += w * row[j];
            }
            int multiplier = multipliers[multipliers.Length == 1 ? 0 : m] << 16, shift = shifts[shifts.Length == 1 ? 0 : m];
            for (int j = 0; j < BlockPixels; j++)
                output[c * BlockPixels + j] = Requantize(sums[j], multiplier, shift, outputZeroPoint, activationMin, activationMax);
        }
    }

    private static ArgumentOutOfRangeException RowOutside() => new("rows", "A source row runs past the source.");

#if NET8_0_OR_GREATER
    /// <summary>
    /// AVX2: two rows at a time, sign-extended to 16 bits and interleaved (vpunpcklwd/vpunpckhwd) so that vpmaddwd — or
    /// AVX-VNNI's vpdpwssd, which also adds — multiplies each pixel's pair of taps by the channel's pair of weights. The
    /// interleave leaves pixels 0–3 and 8–11 in one accumulator, 4–7 and 12–15 in the other; the store puts them back.
    /// </summary>
    private static void MultiplyRequantizeAvx2(ReadOnlySpan<sbyte> source, ReadOnlySpan<int> rows, ReadOnlySpan<sbyte> weights, int weightStride,
        int channels, int sourceStride, ReadOnlySpan<int> bias, ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts, int firstChannel,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        ref sbyte from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref sbyte w0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        // Absent channels read channel 0's weights; their sums are never stored.
        ref sbyte w1 = ref channels > 1 ? ref System.Runtime.CompilerServices.Unsafe.Add(ref w0, weightStride) : ref w0;
        ref sbyte w2 = ref channels > 2 ? ref System.Runtime.CompilerServices.Unsafe.Add(ref w0, 2 * weightStride) : ref w0;
        ref sbyte w3 = ref channels > 3 ? ref System.Runtime.CompilerServices.Unsafe.Add(ref w0, 3 * weightStride) : ref w0;
        var zero = System.Runtime.Intrinsics.Vector256<int>.Zero;
        System.Runtime.Intrinsics.Vector256<int> a0 = zero, b0 = zero, a1 = zero, b1 = zero, a2 = zero, b2 = zero, a3 = zero, b3 = zero;
        int depth = rows.Length, k = 0;
        uint limit = (uint)(source.Length - BlockPixels - (channels - 1) * sourceStride); // the last channel's rows must fit too
        for (; k + 1 < depth; k += 2)
        {
            int row0 = rows[k], row1 = rows[k + 1];
            if ((uint)row0 > limit || (uint)row1 > limit) throw RowOutside();
            Taps(ref from, row0, row1, out var low, out var high);
            var p = WeightPair(ref w0, k);
            a0 = MultiplyAdd(a0, low, p); b0 = MultiplyAdd(b0, high, p);
            if (channels > 1)
            {
                if (sourceStride != 0) Taps(ref from, row0 + sourceStride, row1 + sourceStride, out low, out high);
                p = WeightPair(ref w1, k); a1 = MultiplyAdd(a1, low, p); b1 = MultiplyAdd(b1, high, p);
            }
            if (channels > 2)
            {
                if (sourceStride != 0) Taps(ref from, row0 + 2 * sourceStride, row1 + 2 * sourceStride, out low, out high);
                p = WeightPair(ref w2, k); a2 = MultiplyAdd(a2, low, p); b2 = MultiplyAdd(b2, high, p);
            }
            if (channels > 3)
            {
                if (sourceStride != 0) Taps(ref from, row0 + 3 * sourceStride, row1 + 3 * sourceStride, out low, out high);
                p = WeightPair(ref w3, k); a3 = MultiplyAdd(a3, low, p); b3 = MultiplyAdd(b3, high, p);
            }
        }
        if (k < depth)
        {
            // An odd last row pairs with zeros (and its weight with 0), read without touching the byte after the weights.
            int row = rows[k];
            if ((uint)row > limit) throw RowOutside();
            Taps(ref from, row, -1, out var low, out var high);
            var p = LastWeight(ref w0, k);
            a0 = MultiplyAdd(a0, low, p); b0 = MultiplyAdd(b0, high, p);
            if (channels > 1)
            {
                if (sourceStride != 0) Taps(ref from, row + sourceStride, -1, out low, out high);
                p = LastWeight(ref w1, k); a1 = MultiplyAdd(a1, low, p); b1 = MultiplyAdd(b1, high, p);
            }
            if (channels > 2)
            {
                if (sourceStride != 0) Taps(ref from, row + 2 * sourceStride, -1, out low, out high);
                p = LastWeight(ref w2, k); a2 = MultiplyAdd(a2, low, p); b2 = MultiplyAdd(b2, high, p);
            }
            if (channels > 3)
            {
                if (sourceStride != 0) Taps(ref from, row + 3 * sourceStride, -1, out low, out high);
                p = LastWeight(ref w3, k); a3 = MultiplyAdd(a3, low, p); b3 = MultiplyAdd(b3, high, p);
            }
        }
        ref sbyte to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output);
        Finish(a0, b0, bias, multipliers, shifts, firstChannel, outputZeroPoint, activationMin, activationMax, ref to);
        if (channels > 1) Finish(a1, b1, bias, multipliers, shifts, firstChannel + 1, outputZeroPoint, activationMin, activationMax, ref System.Runtime.CompilerServices.Unsafe.Add(ref to, BlockPixels));
        if (channels > 2) Finish(a2, b2, bias, multipliers, shifts, firstChannel + 2, outputZeroPoint, activationMin, activationMax, ref System.Runtime.CompilerServices.Unsafe.Add(ref to, 2 * BlockPixels));
        if (channels > 3) Finish(a3, b3, bias, multipliers, shifts, firstChannel + 3, outputZeroPoint, activationMin, activationMax, ref System.Runtime.CompilerServices.Unsafe.Add(ref to, 3 * BlockPixels));
    }

    /// <summary>
    /// Rows at <paramref name="row0"/> and <paramref name="row1"/> (or zeros for −1) sign-extended and interleaved: each
    /// pixel's pair of taps, pixels 0–3 | 8–11 in <paramref name="low"/>, 4–7 | 12–15 in <paramref name="high"/>.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Taps(ref sbyte from, int row0, int row1, out System.Runtime.Intrinsics.Vector256<short> low, out System.Runtime.Intrinsics.Vector256<short> high)
    {
        var r0 = System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int16(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)row0));
        var r1 = row1 < 0 ? System.Runtime.Intrinsics.Vector256<short>.Zero
            : System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int16(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)row1));
        low = System.Runtime.Intrinsics.X86.Avx2.UnpackLow(r0, r1);
        high = System.Runtime.Intrinsics.X86.Avx2.UnpackHigh(r0, r1);
    }

    /// <summary>Weights k and k + 1 of a channel as sixteen alternating int16 lanes (vpbroadcastw, vpmovsxbw).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector256<short> WeightPair(ref sbyte weights, int k) =>
        System.Runtime.Intrinsics.X86.Avx2.ConvertToVector256Int16(System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.Create(
            System.Runtime.CompilerServices.Unsafe.ReadUnaligned<short>(ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(
                ref System.Runtime.CompilerServices.Unsafe.Add(ref weights, k))))));

    /// <summary>Weight k alone, paired with 0.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector256<short> LastWeight(ref sbyte weights, int k) =>
        System.Runtime.Intrinsics.Vector256.AsInt16(System.Runtime.Intrinsics.Vector256.Create((int)(ushort)(short)System.Runtime.CompilerServices.Unsafe.Add(ref weights, k)));

    /// <summary>accumulator + Σ pairs of a · b: one vpdpwssd with AVX-VNNI, else vpmaddwd and vpaddd.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector256<int> MultiplyAdd(System.Runtime.Intrinsics.Vector256<int> accumulator,
        System.Runtime.Intrinsics.Vector256<short> a, System.Runtime.Intrinsics.Vector256<short> b)
    {
#if NET10_0_OR_GREATER
        if (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported) return System.Runtime.Intrinsics.X86.AvxVnni.MultiplyWideningAndAdd(accumulator, a, b);
#endif
        return accumulator + System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(a, b);
    }

    /// <summary>One channel's sums, held as interleaved halves (pixels 0–3 | 8–11 and 4–7 | 12–15), put back in pixel order and finished.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Finish(System.Runtime.Intrinsics.Vector256<int> a, System.Runtime.Intrinsics.Vector256<int> b, ReadOnlySpan<int> bias,
        ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts, int m, int outputZeroPoint, int activationMin, int activationMax, ref sbyte to)
    {
        var first = System.Runtime.Intrinsics.X86.Avx2.Permute2x128(a, b, 0x20);
        var second = System.Runtime.Intrinsics.X86.Avx2.Permute2x128(a, b, 0x31);
        Finish(System.Runtime.Intrinsics.Vector256.GetLower(first), System.Runtime.Intrinsics.Vector256.GetUpper(first),
            System.Runtime.Intrinsics.Vector256.GetLower(second), System.Runtime.Intrinsics.Vector256.GetUpper(second),
            bias, multipliers, shifts, m, outputZeroPoint, activationMin, activationMax, ref to);
    }

    /// <summary>
    /// Arm64 SDOT: four rows at a time, transposed (zip1/zip2 of bytes, then of byte pairs) so that each int32 lane holds one
    /// pixel's four taps; one sdot per four pixels multiplies them by the channel's four weights and adds. Sixteen
    /// accumulators: four channels × pixels 0–3, 4–7, 8–11, 12–15.
    /// </summary>
    private static void MultiplyRequantizeDp(ReadOnlySpan<sbyte> source, ReadOnlySpan<int> rows, ReadOnlySpan<sbyte> weights, int weightStride,
        int channels, int sourceStride, ReadOnlySpan<int> bias, ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts, int firstChannel,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        ref sbyte from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref sbyte w0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        // Absent channels read channel 0's weights; their sums are never stored.
        ref sbyte w1 = ref channels > 1 ? ref System.Runtime.CompilerServices.Unsafe.Add(ref w0, weightStride) : ref w0;
        ref sbyte w2 = ref channels > 2 ? ref System.Runtime.CompilerServices.Unsafe.Add(ref w0, 2 * weightStride) : ref w0;
        ref sbyte w3 = ref channels > 3 ? ref System.Runtime.CompilerServices.Unsafe.Add(ref w0, 3 * weightStride) : ref w0;
        var zero = System.Runtime.Intrinsics.Vector128<int>.Zero;
        System.Runtime.Intrinsics.Vector128<int> a0 = zero, a1 = zero, a2 = zero, a3 = zero, b0 = zero, b1 = zero, b2 = zero, b3 = zero;
        System.Runtime.Intrinsics.Vector128<int> c0 = zero, c1 = zero, c2 = zero, c3 = zero, d0 = zero, d1 = zero, d2 = zero, d3 = zero;
        int depth = rows.Length;
        uint limit = (uint)(source.Length - BlockPixels - (channels - 1) * sourceStride); // the last channel's rows must fit too
        for (int k = 0; k < depth; k += 4)
        {
            // A last group of one to three rows is completed with zero rows (−1) and weights of 0.
            int count = depth - k < 4 ? depth - k : 4;
            int row0 = rows[k], row1 = count > 1 ? rows[k + 1] : -1, row2 = count > 2 ? rows[k + 2] : -1, row3 = count > 3 ? rows[k + 3] : -1;
            if ((uint)row0 > limit || (count > 1 && (uint)row1 > limit) || (count > 2 && (uint)row2 > limit) || (count > 3 && (uint)row3 > limit))
                throw RowOutside();
            Quads(ref from, row0, row1, row2, row3, out var q0, out var q1, out var q2, out var q3);
            var p = WeightQuad(ref w0, k, count);
            a0 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(a0, q0, p); a1 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(a1, q1, p);
            a2 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(a2, q2, p); a3 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(a3, q3, p);
            if (channels > 1)
            {
                if (sourceStride != 0) Quads(ref from, Next(row0, sourceStride), Next(row1, sourceStride), Next(row2, sourceStride), Next(row3, sourceStride),
                    out q0, out q1, out q2, out q3);
                p = WeightQuad(ref w1, k, count);
                b0 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(b0, q0, p); b1 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(b1, q1, p);
                b2 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(b2, q2, p); b3 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(b3, q3, p);
            }
            if (channels > 2)
            {
                if (sourceStride != 0) Quads(ref from, Next(row0, 2 * sourceStride), Next(row1, 2 * sourceStride), Next(row2, 2 * sourceStride),
                    Next(row3, 2 * sourceStride), out q0, out q1, out q2, out q3);
                p = WeightQuad(ref w2, k, count);
                c0 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(c0, q0, p); c1 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(c1, q1, p);
                c2 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(c2, q2, p); c3 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(c3, q3, p);
            }
            if (channels > 3)
            {
                if (sourceStride != 0) Quads(ref from, Next(row0, 3 * sourceStride), Next(row1, 3 * sourceStride), Next(row2, 3 * sourceStride),
                    Next(row3, 3 * sourceStride), out q0, out q1, out q2, out q3);
                p = WeightQuad(ref w3, k, count);
                d0 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(d0, q0, p); d1 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(d1, q1, p);
                d2 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(d2, q2, p); d3 = System.Runtime.Intrinsics.Arm.Dp.DotProduct(d3, q3, p);
            }
        }
        ref sbyte to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output);
        Finish(a0, a1, a2, a3, bias, multipliers, shifts, firstChannel, outputZeroPoint, activationMin, activationMax, ref to);
        if (channels > 1) Finish(b0, b1, b2, b3, bias, multipliers, shifts, firstChannel + 1, outputZeroPoint, activationMin, activationMax,
            ref System.Runtime.CompilerServices.Unsafe.Add(ref to, BlockPixels));
        if (channels > 2) Finish(c0, c1, c2, c3, bias, multipliers, shifts, firstChannel + 2, outputZeroPoint, activationMin, activationMax,
            ref System.Runtime.CompilerServices.Unsafe.Add(ref to, 2 * BlockPixels));
        if (channels > 3) Finish(d0, d1, d2, d3, bias, multipliers, shifts, firstChannel + 3, outputZeroPoint, activationMin, activationMax,
            ref System.Runtime.CompilerServices.Unsafe.Add(ref to, 3 * BlockPixels));
    }

    /// <summary>A row moved to another channel's plane; an absent row (−1) stays absent.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int Next(int row, int offset) => row < 0 ? row : row + offset;

    /// <summary>
    /// Rows at <paramref name="row0"/> … <paramref name="row3"/> (zeros for −1) transposed into pixel-major quads: lane j of
    /// <paramref name="q0"/> holds the four rows' bytes of pixel j, of <paramref name="q1"/> pixel 4 + j, and so on.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Quads(ref sbyte from, int row0, int row1, int row2, int row3, out System.Runtime.Intrinsics.Vector128<sbyte> q0,
        out System.Runtime.Intrinsics.Vector128<sbyte> q1, out System.Runtime.Intrinsics.Vector128<sbyte> q2, out System.Runtime.Intrinsics.Vector128<sbyte> q3)
    {
        var x0 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)row0);
        var x1 = row1 < 0 ? System.Runtime.Intrinsics.Vector128<sbyte>.Zero : System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)row1);
        var x2 = row2 < 0 ? System.Runtime.Intrinsics.Vector128<sbyte>.Zero : System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)row2);
        var x3 = row3 < 0 ? System.Runtime.Intrinsics.Vector128<sbyte>.Zero : System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)row3);
        // Bytes of rows 0 and 1 (2 and 3) pixel by pixel, then those pairs interleaved: pixel j's four taps side by side.
        var low01 = System.Runtime.Intrinsics.Vector128.AsInt16(System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.ZipLow(x0, x1));
        var high01 = System.Runtime.Intrinsics.Vector128.AsInt16(System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.ZipHigh(x0, x1));
        var low23 = System.Runtime.Intrinsics.Vector128.AsInt16(System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.ZipLow(x2, x3));
        var high23 = System.Runtime.Intrinsics.Vector128.AsInt16(System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.ZipHigh(x2, x3));
        q0 = System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.ZipLow(low01, low23));
        q1 = System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.ZipHigh(low01, low23));
        q2 = System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.ZipLow(high01, high23));
        q3 = System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Arm.AdvSimd.Arm64.ZipHigh(high01, high23));
    }

    /// <summary>
    /// Weights k … k + 3 of a channel in every int32 lane; past <paramref name="count"/> of them, 0 (read without touching
    /// the bytes after the weights).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector128<sbyte> WeightQuad(ref sbyte weights, int k, int count)
    {
        ref sbyte at = ref System.Runtime.CompilerServices.Unsafe.Add(ref weights, k);
        int quad = count == 4 ? System.Runtime.CompilerServices.Unsafe.ReadUnaligned<int>(ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(ref at))
            : (byte)at | (count > 1 ? (byte)System.Runtime.CompilerServices.Unsafe.Add(ref at, 1) << 8 : 0)
                | (count > 2 ? (byte)System.Runtime.CompilerServices.Unsafe.Add(ref at, 2) << 16 : 0);
        return System.Runtime.Intrinsics.Vector128.AsSByte(System.Runtime.Intrinsics.Vector128.Create(quad));
    }

    /// <summary>
    /// Portable 128-bit vectors (SSE2 without AVX2, Arm64 AdvSimd without SDOT): one row at a time, int8 × int8 products exact in
    /// int16, widened and added to four int32 accumulators per channel.
    /// </summary>
    private static void MultiplyRequantizeVector128(ReadOnlySpan<sbyte> source, ReadOnlySpan<int> rows, ReadOnlySpan<sbyte> weights, int weightStride,
        int channels, int sourceStride, ReadOnlySpan<int> bias, ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts, int firstChannel,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        ref sbyte from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        for (int c0 = 0; c0 < channels; c0 += 2)
        {
            // Two channels per pass: eight accumulators stay in registers on every 128-bit target.
            bool pair = c0 + 1 < channels;
            int first = c0 * weightStride, second = pair ? first + weightStride : first;
            var zero = System.Runtime.Intrinsics.Vector128<int>.Zero;
            System.Runtime.Intrinsics.Vector128<int> s0 = zero, s1 = zero, s2 = zero, s3 = zero, t0 = zero, t1 = zero, t2 = zero, t3 = zero;
            uint limit = (uint)(source.Length - BlockPixels - (pair ? c0 + 1 : c0) * sourceStride); // the pass's last channel fits
            for (int k = 0; k < rows.Length; k++)
            {
                int row = rows[k] + c0 * sourceStride;
                if ((uint)rows[k] > limit) throw RowOutside();
                var (low, high) = System.Runtime.Intrinsics.Vector128.Widen(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)row));
                var w = System.Runtime.Intrinsics.Vector128.Create((short)weights[first + k]);
                var (p0, p1) = System.Runtime.Intrinsics.Vector128.Widen(low * w);
                var (p2, p3) = System.Runtime.Intrinsics.Vector128.Widen(high * w);
                s0 += p0; s1 += p1; s2 += p2; s3 += p3;
                if (pair)
                {
                    if (sourceStride != 0)
                        (low, high) = System.Runtime.Intrinsics.Vector128.Widen(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)(row + sourceStride)));
                    w = System.Runtime.Intrinsics.Vector128.Create((short)weights[second + k]);
                    (p0, p1) = System.Runtime.Intrinsics.Vector128.Widen(low * w);
                    (p2, p3) = System.Runtime.Intrinsics.Vector128.Widen(high * w);
                    t0 += p0; t1 += p1; t2 += p2; t3 += p3;
                }
            }
            ref sbyte to = ref System.Runtime.CompilerServices.Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output), c0 * BlockPixels);
            Finish(s0, s1, s2, s3, bias, multipliers, shifts, firstChannel + c0, outputZeroPoint, activationMin, activationMax, ref to);
            if (pair) Finish(t0, t1, t2, t3, bias, multipliers, shifts, firstChannel + c0 + 1, outputZeroPoint, activationMin, activationMax,
                ref System.Runtime.CompilerServices.Unsafe.Add(ref to, BlockPixels));
        }
    }

    /// <summary>
    /// One channel's sixteen sums, four pixels per vector, biased, requantized and stored as sixteen int8 values at
    /// <paramref name="to"/> (inside the output the caller checked). Every vector path ends here.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void Finish(System.Runtime.Intrinsics.Vector128<int> s0, System.Runtime.Intrinsics.Vector128<int> s1, System.Runtime.Intrinsics.Vector128<int> s2,
        System.Runtime.Intrinsics.Vector128<int> s3, ReadOnlySpan<int> bias, ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts, int m,
        int outputZeroPoint, int activationMin, int activationMax, ref sbyte to)
    {
        var channelBias = System.Runtime.Intrinsics.Vector128.Create(bias[m]);
        int multiplier = multipliers[multipliers.Length == 1 ? 0 : m], shift = shifts[shifts.Length == 1 ? 0 : m];
        StoreBytes(RequantizeQ15(s0 + channelBias, multiplier, shift, outputZeroPoint, activationMin, activationMax),
            RequantizeQ15(s1 + channelBias, multiplier, shift, outputZeroPoint, activationMin, activationMax),
            RequantizeQ15(s2 + channelBias, multiplier, shift, outputZeroPoint, activationMin, activationMax),
            RequantizeQ15(s3 + channelBias, multiplier, shift, outputZeroPoint, activationMin, activationMax), ref to);
    }
#endif
    // </emit>
}
