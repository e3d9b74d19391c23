using System;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The float32 matrix-multiply micro-kernel of the convolutions, vectorised along pixels: up to four output channels ×
/// sixteen pixels per call, each source row (sixteen pixels of one tap) loaded once and multiplied by each channel's
/// broadcast weight.
/// <para>
/// Every path (256-bit vectors, 128-bit vectors on x64 and Arm64, scalar) computes each output the same way: a sum
/// that starts at +0 and adds the products in tap order, each product and each sum rounded to float — no fused
/// multiply-add anywhere, since the reference interpreter (netstandard2.0) has none — then the bias, then the clamp.
/// So every path gives the scalar loop's bits, and generated code gives the interpreter's.
/// </para>
/// </summary>
public static class FloatGemm
{
    // <emit>
    /// <summary>Pixels per float micro-kernel call: two 256-bit vectors.</summary>
    public const int FloatBlockPixels = 16;

    /// <summary>Output channels per float micro-kernel call at most.</summary>
    public const int FloatBlockChannels = 4;

    /// <summary>
    /// output[c·outputStride + j] = clamp(Σ_k source[rows[k] + j] · weights[c·weightStride + k] + bias[c]) for
    /// channels c &lt; <paramref name="channels"/> (1 to 4), pixels j &lt; <paramref name="pixels"/> (1 to 16), taps
    /// k over <paramref name="rows"/> in order. Every source row holds sixteen readable values (those past
    /// <paramref name="pixels"/> are read and ignored). The row table lets one kernel read an im2col panel
    /// (rows[k] = k·width), a 1×1 layer's input (rows[k] = k·plane) or a padded band in place (rows[k] = the tap's offset). With <paramref name="accumulate"/>, the sums start from the
    /// output's values (the partial sums of earlier taps, stored as floats, so splitting the taps changes no bit);
    /// without <paramref name="finish"/>, the raw sums are stored, with neither bias nor clamp.
    /// </summary>
    public static void MultiplyFloatBlock(ReadOnlySpan<float> source, ReadOnlySpan<int> rows, ReadOnlySpan<float> weights, int weightStride,
        int channels, bool accumulate, bool finish, ReadOnlySpan<float> bias, float activationMin, float activationMax,
        Span<float> output, int outputStride, int pixels)
    {
        int depth = rows.Length;
        if (channels < 1 || channels > FloatBlockChannels || pixels < 1 || pixels > FloatBlockPixels || depth < 1 || source.Length < FloatBlockPixels
            || weights.Length < (channels - 1) * weightStride + depth
            || output.Length < (channels - 1) * outputStride + pixels || finish && bias.Length < channels)
            throw new ArgumentException("The float micro-kernel's blocks do not fit its spans.");
        // Every row checked here, so that the vector loops read without checks (and hold no call that would spill their accumulators).
        uint limit = (uint)(source.Length - FloatBlockPixels);
        CheckRows(rows, depth, limit);
#if NET8_0_OR_GREATER
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            MultiplyFloatBlock256(source, rows, weights, weightStride, channels, accumulate, finish, bias, activationMin, activationMax,
                output, outputStride, pixels);
            return;
        }
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)
        {
            MultiplyFloatBlock128(source, rows, weights, weightStride, channels, accumulate, finish, bias, activationMin, activationMax,
                output, outputStride, pixels);
            return;
        }
#endif
        Span<float> sums = stackalloc float[FloatBlockPixels];
        for (int c = 0; c < channels; c++)
        {
            for (int j = 0; j < pixels; j++) sums[j] = accumulate ? output[c * outputStride + j] : 0f;
            for (int k = 0; k < depth; k++)
            {
                float w = weights[c * weightStride + k];
                ReadOnlySpan<float> row = source.Slice(rows[k], pixels);
                for (int j = 0; j < pixels; j++) sums[j] += row[j] * w;
            }
            Span<float> to = output.Slice(c * outputStride, pixels);
            for (int j = 0; j < pixels; j++)
                to[j] = finish ? FloatClamp(sums[j] + bias[c], activationMin, activationMax) : sums[j];
        }
    }

    private static ArgumentOutOfRangeException FloatRowOutside() => new("rows", "A source row runs past the source.");

    /// <summary>
    /// Throws unless each of the first <paramref name="depth"/> row offsets is at most <paramref name="limit"/> (eight at a
    /// time where 256-bit vectors run): the micro-kernels check every row once, before their vector loops read unchecked.
    /// </summary>
    private static void CheckRows(ReadOnlySpan<int> rows, int depth, uint limit)
    {
        int checkedRows = 0;
#if NET8_0_OR_GREATER
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            var limits = System.Runtime.Intrinsics.Vector256.Create(limit);
            ref uint offsets = ref System.Runtime.CompilerServices.Unsafe.As<int, uint>(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(rows));
            for (; checkedRows + 8 <= depth; checkedRows += 8)
                if (System.Runtime.Intrinsics.Vector256.GreaterThanAny(System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref offsets, (nuint)checkedRows), limits))
                    throw FloatRowOutside();
        }
#endif
        for (int k = checkedRows; k < depth; k++)
            if ((uint)rows[k] > limit) throw FloatRowOutside();
    }

    /// <summary>The clamp every float convolution path applies: the scalar kernels' comparison, NaN passing through.</summary>
    public static float FloatClamp(float value, float activationMin, float activationMax) =>
        value < activationMin ? activationMin : value > activationMax ? activationMax : value;

    /// <summary>Output channels per call of the channels-in-lanes micro-kernel: two 256-bit vectors.</summary>
    public const int LaneBlockChannels = 16;

    /// <summary>Pixels per call of the channels-in-lanes micro-kernel.</summary>
    public const int LaneBlockPixels = 4;

    /// <summary>
    /// The weights of up to sixteen output channels (rows of <paramref name="depth"/> taps, <paramref name="weightStride"/>
    /// apart) packed tap-major for <see cref="MultiplyLaneBlock"/>: packed[k·16 + j] = weights[j·weightStride + k], and
    /// packedBias[j] = bias[j]; zeros for channels j ≥ <paramref name="channels"/>.
    /// </summary>
    public static void PackLaneChannels(ReadOnlySpan<float> weights, int weightStride, int depth, int channels, ReadOnlySpan<float> bias,
        Span<float> packed, Span<float> packedBias)
    {
        if (channels < 1 || channels > LaneBlockChannels || packed.Length < depth * LaneBlockChannels || packedBias.Length < LaneBlockChannels)
            throw new ArgumentException("The packed channels do not fit their spans.");
        packedBias.Slice(0, LaneBlockChannels).Clear();
        bias.Slice(0, channels).CopyTo(packedBias);
#if NET8_0_OR_GREATER
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported && depth >= 8 && weights.Length >= (channels - 1) * weightStride + depth)
        {
            // Eight taps of eight channels per 8×8 transpose (absent channels are zero rows); the last eight taps end at the
            // last tap (overlapping taps are stored again, the same values).
            ref float from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
            ref float to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(packed);
            for (int j0 = 0; j0 < LaneBlockChannels; j0 += 8)
            {
                for (int k = 0; k < depth; k += 8)
                {
                    int k0 = Math.Min(k, depth - 8);
                    var r0 = LaneRow(ref from, j0, channels, weightStride, k0);
                    var r1 = LaneRow(ref from, j0 + 1, channels, weightStride, k0);
                    var r2 = LaneRow(ref from, j0 + 2, channels, weightStride, k0);
                    var r3 = LaneRow(ref from, j0 + 3, channels, weightStride, k0);
                    var r4 = LaneRow(ref from, j0 + 4, channels, weightStride, k0);
                    var r5 = LaneRow(ref from, j0 + 5, channels, weightStride, k0);
                    var r6 = LaneRow(ref from, j0 + 6, channels, weightStride, k0);
                    var r7 = LaneRow(ref from, j0 + 7, channels, weightStride, k0);
                    TransposeEight(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
                    nuint at = (nuint)(k0 * LaneBlockChannels + j0);
                    System.Runtime.Intrinsics.Vector256.StoreUnsafe(r0, ref to, at);
                    System.Runtime.Intrinsics.Vector256.StoreUnsafe(r1, ref to, at + LaneBlockChannels);
                    System.Runtime.Intrinsics.Vector256.StoreUnsafe(r2, ref to, at + 2 * LaneBlockChannels);
                    System.Runtime.Intrinsics.Vector256.StoreUnsafe(r3, ref to, at + 3 * LaneBlockChannels);
                    System.Runtime.Intrinsics.Vector256.StoreUnsafe(r4, ref to, at + 4 * LaneBlockChannels);
                    System.Runtime.Intrinsics.Vector256.StoreUnsafe(r5, ref to, at + 5 * LaneBlockChannels);
                    System.Runtime.Intrinsics.Vector256.StoreUnsafe(r6, ref to, at + 6 * LaneBlockChannels);
                    System.Runtime.Intrinsics.Vector256.StoreUnsafe(r7, ref to, at + 7 * LaneBlockChannels);
                }
            }
            return;
        }
#endif
        packed.Slice(0, depth * LaneBlockChannels).Clear();
        for (int j = 0; j < channels; j++)
        {
            ReadOnlySpan<float> row = weights.Slice(j * weightStride, depth);
            for (int k = 0; k < depth; k++) packed[k * LaneBlockChannels + j] = row[k];
        }
    }


    /// <summary>
    /// Output channels in vector lanes, for small maps: output[j·outputStride + i] = clamp(Σ_k source[rows[k] + pixels[i]] ·
    /// packed[k·16 + j] + packedBias[j]) for the four pixels i (source offsets <paramref name="pixels"/>; a short group
    /// repeats one, only the first <paramref name="count"/> are stored) and the first <paramref name="channels"/> of the
    /// sixteen channels j of a block packed by <see cref="PackLaneChannels"/>, taps k over <paramref name="rows"/> in
    /// order. <paramref name="tile"/> (sixty-four floats) is scratch for groups stored through the stack. Each input value is broadcast and multiplied by sixteen channels' weights (two
    /// loads); each output starts at +0 and adds its products in tap order, so the bits are those of
    /// <see cref="MultiplyFloatBlock"/> and of the scalar loop.
    /// </summary>
    public static void MultiplyLaneBlock(ReadOnlySpan<float> source, ReadOnlySpan<int> rows, ReadOnlySpan<int> pixels, ReadOnlySpan<float> packed,
        ReadOnlySpan<float> packedBias, float activationMin, float activationMax, Span<float> output, int outputStride, int channels, int count,
        Span<float> tile)
    {
        int depth = rows.Length;
        if (depth < 1 || pixels.Length != LaneBlockPixels || packed.Length < depth * LaneBlockChannels || packedBias.Length < LaneBlockChannels
            || tile.Length < LaneBlockPixels * LaneBlockChannels || channels < 1 || channels > LaneBlockChannels || count < 1 || count > LaneBlockPixels
            || outputStride < count || output.Length < (channels - 1) * outputStride + count)
            throw new ArgumentException("The channels-in-lanes micro-kernel's blocks do not fit its spans.");
        int reach = 0;
        for (int i = 0; i < LaneBlockPixels; i++)
        {
            if (pixels[i] < 0 || pixels[i] >= source.Length) throw FloatRowOutside();
            reach = Math.Max(reach, pixels[i]);
        }
        // Every row checked here, so that the vector loops read without checks.
        uint limit = (uint)(source.Length - 1 - reach);
        CheckRows(rows, depth, limit);
#if NET8_0_OR_GREATER
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            MultiplyLaneBlock256(source, rows, pixels, packed, packedBias, activationMin, activationMax, output, outputStride, channels, count, tile);
            return;
        }
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)
        {
            for (int j0 = 0; j0 < LaneBlockChannels; j0 += 8)
                MultiplyLaneBlock128(source, rows, pixels, packed.Slice(j0), packedBias.Slice(j0), activationMin, activationMax, tile.Slice(j0));
            StoreLaneTile(tile, output, outputStride, channels, count);
            return;
        }
#endif
        for (int i = 0; i < LaneBlockPixels; i++)
        {
            for (int j = 0; j < LaneBlockChannels; j++)
            {
                float sum = 0f;
                for (int k = 0; k < depth; k++) sum += source[rows[k] + pixels[i]] * packed[k * LaneBlockChannels + j];
                tile[i * LaneBlockChannels + j] = FloatClamp(sum + packedBias[j], activationMin, activationMax);
            }
        }
        StoreLaneTile(tile, output, outputStride, channels, count);
    }

    /// <summary>A block's outputs from the stack (tile[i·16 + j], pixel i, channel j) to output[j·outputStride + i].</summary>
    private static void StoreLaneTile(ReadOnlySpan<float> tile, Span<float> output, int outputStride, int channels, int count)
    {
        for (int j = 0; j < channels; j++)
        {
            Span<float> to = output.Slice(j * outputStride, count);
            for (int i = 0; i < count; i++) to[i] = tile[i * LaneBlockChannels + j];
        }
    }

#if NET8_0_OR_GREATER
    /// <summary>
    /// 256-bit vectors: four channels × two vectors of eight pixels in eight accumulators. Absent channels repeat
    /// channel 0's weights (no branch in the loop); their sums are never stored.
    /// </summary>
    private static void MultiplyFloatBlock256(ReadOnlySpan<float> source, ReadOnlySpan<int> rows, ReadOnlySpan<float> weights, int weightStride,
        int channels, bool accumulate, bool finish, ReadOnlySpan<float> bias, float activationMin, float activationMax,
        Span<float> output, int outputStride, int pixels)
    {
        ref float from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref float w0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        ref float w1 = ref channels > 1 ? ref System.Runtime.CompilerServices.Unsafe.Add(ref w0, weightStride) : ref w0;
        ref float w2 = ref channels > 2 ? ref System.Runtime.CompilerServices.Unsafe.Add(ref w0, 2 * weightStride) : ref w0;
        ref float w3 = ref channels > 3 ? ref System.Runtime.CompilerServices.Unsafe.Add(ref w0, 3 * weightStride) : ref w0;
        // A finished block of sixteen pixels is biased, clamped and stored from the registers; other blocks go through
        // the stack: the partial sums to start from, and the sums on their way out.
        bool direct = finish && pixels == FloatBlockPixels;
        Span<float> start = direct && !accumulate ? default : stackalloc float[FloatBlockChannels * FloatBlockPixels];
        var zero = System.Runtime.Intrinsics.Vector256<float>.Zero;
        System.Runtime.Intrinsics.Vector256<float> a0 = zero, b0 = zero, a1 = zero, b1 = zero, a2 = zero, b2 = zero, a3 = zero, b3 = zero;
        if (accumulate)
        {
            start.Clear();
            for (int c = 0; c < channels; c++) output.Slice(c * outputStride, pixels).CopyTo(start.Slice(c * FloatBlockPixels));
            ref float s = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(start);
            a0 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref s, 0);
            b0 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref s, 8);
            a1 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref s, 16);
            b1 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref s, 24);
            a2 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref s, 32);
            b2 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref s, 40);
            a3 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref s, 48);
            b3 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref s, 56);
        }
        ref int rowOffsets = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(rows);
        for (int k = 0; k < rows.Length; k++)
        {
            nuint row = (uint)System.Runtime.CompilerServices.Unsafe.Add(ref rowOffsets, k); // checked by the caller
            var x0 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref from, row);
            var x1 = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref from, row + 8);
            var w = System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.Add(ref w0, k));
            a0 += x0 * w; b0 += x1 * w;
            w = System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.Add(ref w1, k));
            a1 += x0 * w; b1 += x1 * w;
            w = System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.Add(ref w2, k));
            a2 += x0 * w; b2 += x1 * w;
            w = System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.Add(ref w3, k));
            a3 += x0 * w; b3 += x1 * w;
        }
        if (direct)
        {
            var min = System.Runtime.Intrinsics.Vector256.Create(activationMin);
            var max = System.Runtime.Intrinsics.Vector256.Create(activationMax);
            ref float to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output);
            ref float offsets = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(bias);
            var offset = System.Runtime.Intrinsics.Vector256.Create(offsets);
            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(a0 + offset, min, max), ref to, 0);
            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(b0 + offset, min, max), ref to, 8);
            if (channels < 2) return;
            offset = System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.Add(ref offsets, 1));
            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(a1 + offset, min, max), ref to, (nuint)outputStride);
            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(b1 + offset, min, max), ref to, (nuint)outputStride + 8);
            if (channels < 3) return;
            offset = System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.Add(ref offsets, 2));
            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(a2 + offset, min, max), ref to, (nuint)(2 * outputStride));
            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(b2 + offset, min, max), ref to, (nuint)(2 * outputStride) + 8);
            if (channels < 4) return;
            offset = System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.Add(ref offsets, 3));
            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(a3 + offset, min, max), ref to, (nuint)(3 * outputStride));
            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(b3 + offset, min, max), ref to, (nuint)(3 * outputStride) + 8);
            return;
        }
        // All sums to the stack before anything is called: a vector live across a call would be spilled inside the loop.
        ref float sums = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(start);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(a0, ref sums, 0);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(b0, ref sums, 8);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(a1, ref sums, 16);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(b1, ref sums, 24);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(a2, ref sums, 32);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(b2, ref sums, 40);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(a3, ref sums, 48);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(b3, ref sums, 56);
        FinishFloatBlock(start, channels, finish, bias, activationMin, activationMax, output, outputStride, pixels);
    }

    /// <summary>
    /// The sums of a block (four rows of sixteen in <paramref name="sums"/>), biased and clamped when finishing, stored
    /// as the block's <paramref name="channels"/> × <paramref name="pixels"/> outputs. Every vector path ends here.
    /// </summary>
    private static void FinishFloatBlock(Span<float> sums, int channels, bool finish, ReadOnlySpan<float> bias, float activationMin, float activationMax,
        Span<float> output, int outputStride, int pixels)
    {
        var min = System.Runtime.Intrinsics.Vector128.Create(activationMin);
        var max = System.Runtime.Intrinsics.Vector128.Create(activationMax);
        for (int c = 0; c < channels; c++)
        {
            Span<float> row = sums.Slice(c * FloatBlockPixels, FloatBlockPixels);
            ref float from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(row);
            if (finish)
            {
                var offset = System.Runtime.Intrinsics.Vector128.Create(bias[c]);
                for (int j = 0; j < FloatBlockPixels; j += 4)
                    System.Runtime.Intrinsics.Vector128.StoreUnsafe(
                        ClampFloat128(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)j) + offset, min, max), ref from, (nuint)j);
            }
            Span<float> to = output.Slice(c * outputStride, pixels);
            if (pixels == FloatBlockPixels)
            {
                ref float target = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(to);
                for (int j = 0; j < FloatBlockPixels; j += 4)
                    System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)j), ref target, (nuint)j);
            }
            else
            {
                row.Slice(0, pixels).CopyTo(to);
            }
        }
    }

    /// <summary><see cref="FloatClamp"/> lane by lane (value &lt; min → min, else value &gt; max → max; NaN stays).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector256<float> ClampFloat256(System.Runtime.Intrinsics.Vector256<float> value,
        System.Runtime.Intrinsics.Vector256<float> min, System.Runtime.Intrinsics.Vector256<float> max) =>
        System.Runtime.Intrinsics.Vector256.ConditionalSelect(System.Runtime.Intrinsics.Vector256.LessThan(value, min), min,
            System.Runtime.Intrinsics.Vector256.ConditionalSelect(System.Runtime.Intrinsics.Vector256.GreaterThan(value, max), max, value));

    /// <summary>128-bit vectors (x64 without AVX2, Arm64 AdvSimd): two channels × four vectors of four pixels per pass.</summary>
    private static void MultiplyFloatBlock128(ReadOnlySpan<float> source, ReadOnlySpan<int> rows, ReadOnlySpan<float> weights, int weightStride,
        int channels, bool accumulate, bool finish, ReadOnlySpan<float> bias, float activationMin, float activationMax,
        Span<float> output, int outputStride, int pixels)
    {
        ref float from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        Span<float> start = stackalloc float[2 * FloatBlockPixels]; // partial sums to start from, a short block's lanes
        for (int c0 = 0; c0 < channels; c0 += 2)
        {
            bool pair = c0 + 1 < channels;
            ref float first = ref System.Runtime.CompilerServices.Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights), c0 * weightStride);
            ref float second = ref pair ? ref System.Runtime.CompilerServices.Unsafe.Add(ref first, weightStride) : ref first;
            start.Clear();
            if (accumulate)
            {
                output.Slice(c0 * outputStride, pixels).CopyTo(start);
                if (pair) output.Slice((c0 + 1) * outputStride, pixels).CopyTo(start.Slice(FloatBlockPixels));
            }
            ref float s = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(start);
            var a0 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref s, 0);
            var a1 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref s, 4);
            var a2 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref s, 8);
            var a3 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref s, 12);
            var b0 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref s, 16);
            var b1 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref s, 20);
            var b2 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref s, 24);
            var b3 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref s, 28);
            ref int rowOffsets = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(rows);
            for (int k = 0; k < rows.Length; k++)
            {
                nuint row = (uint)System.Runtime.CompilerServices.Unsafe.Add(ref rowOffsets, k); // checked by the caller
                var x0 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, row);
                var x1 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, row + 4);
                var x2 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, row + 8);
                var x3 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, row + 12);
                var w = System.Runtime.Intrinsics.Vector128.Create(System.Runtime.CompilerServices.Unsafe.Add(ref first, k));
                a0 += x0 * w; a1 += x1 * w; a2 += x2 * w; a3 += x3 * w;
                w = System.Runtime.Intrinsics.Vector128.Create(System.Runtime.CompilerServices.Unsafe.Add(ref second, k));
                b0 += x0 * w; b1 += x1 * w; b2 += x2 * w; b3 += x3 * w;
            }
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(a0, ref s, 0);
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(a1, ref s, 4);
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(a2, ref s, 8);
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(a3, ref s, 12);
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(b0, ref s, 16);
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(b1, ref s, 20);
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(b2, ref s, 24);
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(b3, ref s, 28);
            FinishFloatBlock(start, pair ? 2 : 1, finish, finish ? bias.Slice(c0) : bias, activationMin, activationMax, output.Slice(c0 * outputStride),
                outputStride, pixels);
        }
    }

    /// <summary><see cref="FloatClamp"/> lane by lane, four lanes.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector128<float> ClampFloat128(System.Runtime.Intrinsics.Vector128<float> value,
        System.Runtime.Intrinsics.Vector128<float> min, System.Runtime.Intrinsics.Vector128<float> max) =>
        System.Runtime.Intrinsics.Vector128.ConditionalSelect(System.Runtime.Intrinsics.Vector128.LessThan(value, min), min,
            System.Runtime.Intrinsics.Vector128.ConditionalSelect(System.Runtime.Intrinsics.Vector128.GreaterThan(value, max), max, value));

    /// <summary>
    /// Columns 0, 2, …, 14 of <paramref name="run"/> (fifteen floats, sliced by the caller): two loads, a shuffle and a
    /// permute (AVX2). The stride-2 column phases of convolution bands and pooling rows.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector256<float> EvenColumns(ReadOnlySpan<float> run)
    {
        ref float first = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(run);
        var low = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref first); // columns 0 … 7
        var high = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref first, 7); // columns 7 … 14
        // Per 128-bit half: low's lanes 0, 2 and high's 1, 3 → [0 2 8 10 | 4 6 12 14]; then the 64-bit pairs in order 0, 2, 1, 3.
        var mixed = System.Runtime.Intrinsics.X86.Avx.Shuffle(low, high, 0xD8);
        return System.Runtime.Intrinsics.Vector256.AsSingle(System.Runtime.Intrinsics.X86.Avx2.Permute4x64(System.Runtime.Intrinsics.Vector256.AsDouble(mixed), 0xD8));
    }

    /// <summary>Taps k0 … k0 + 7 of channel j of a block (zeros past the block's channels); the caller checked the span.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector256<float> LaneRow(ref float weights, int j, int channels, int weightStride, int k0) =>
        j < channels ? System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref weights, (nuint)(j * weightStride + k0)) : System.Runtime.Intrinsics.Vector256<float>.Zero;

    /// <summary>
    /// An 8×8 transpose: on entry r_i holds row i (for instance eight pixels of channel i), on exit r_j holds column j
    /// (the eight channels of pixel j). It moves values only, so it changes no bit.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void TransposeEight(ref System.Runtime.Intrinsics.Vector256<float> r0, ref System.Runtime.Intrinsics.Vector256<float> r1,
        ref System.Runtime.Intrinsics.Vector256<float> r2, ref System.Runtime.Intrinsics.Vector256<float> r3,
        ref System.Runtime.Intrinsics.Vector256<float> r4, ref System.Runtime.Intrinsics.Vector256<float> r5,
        ref System.Runtime.Intrinsics.Vector256<float> r6, ref System.Runtime.Intrinsics.Vector256<float> r7)
    {
        // Pairs of rows interleaved (a0 b0 a1 b1 | a4 b4 a5 b5 …), then pairs of pairs (a0 b0 c0 d0 | a4 b4 c4 d4), then the halves exchanged.
        var t0 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(r0, r1);
        var t1 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(r0, r1);
        var t2 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(r2, r3);
        var t3 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(r2, r3);
        var t4 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(r4, r5);
        var t5 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(r4, r5);
        var t6 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(r6, r7);
        var t7 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(r6, r7);
        var s0 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t0, t2, 0x44);
        var s1 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t0, t2, 0xEE);
        var s2 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t1, t3, 0x44);
        var s3 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t1, t3, 0xEE);
        var s4 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t4, t6, 0x44);
        var s5 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t4, t6, 0xEE);
        var s6 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t5, t7, 0x44);
        var s7 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t5, t7, 0xEE);
        r0 = System.Runtime.Intrinsics.X86.Avx.Permute2x128(s0, s4, 0x20);
        r1 = System.Runtime.Intrinsics.X86.Avx.Permute2x128(s1, s5, 0x20);
        r2 = System.Runtime.Intrinsics.X86.Avx.Permute2x128(s2, s6, 0x20);
        r3 = System.Runtime.Intrinsics.X86.Avx.Permute2x128(s3, s7, 0x20);
        r4 = System.Runtime.Intrinsics.X86.Avx.Permute2x128(s0, s4, 0x31);
        r5 = System.Runtime.Intrinsics.X86.Avx.Permute2x128(s1, s5, 0x31);
        r6 = System.Runtime.Intrinsics.X86.Avx.Permute2x128(s2, s6, 0x31);
        r7 = System.Runtime.Intrinsics.X86.Avx.Permute2x128(s3, s7, 0x31);
    }

    /// <summary>256-bit vectors: four pixels × two vectors of eight channels in eight accumulators.</summary>
    private static void MultiplyLaneBlock256(ReadOnlySpan<float> source, ReadOnlySpan<int> rows, ReadOnlySpan<int> pixels, ReadOnlySpan<float> packed,
        ReadOnlySpan<float> packedBias, float activationMin, float activationMax, Span<float> output, int outputStride, int channels, int count,
        Span<float> tile)
    {
        ref float from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref float w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(packed);
        ref int rowOffsets = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(rows);
        nuint q0 = (uint)pixels[0], q1 = (uint)pixels[1], q2 = (uint)pixels[2], q3 = (uint)pixels[3]; // checked by the caller
        var zero = System.Runtime.Intrinsics.Vector256<float>.Zero;
        System.Runtime.Intrinsics.Vector256<float> a0 = zero, b0 = zero, a1 = zero, b1 = zero, a2 = zero, b2 = zero, a3 = zero, b3 = zero;
        for (int k = 0; k < rows.Length; k++)
        {
            nuint row = (uint)System.Runtime.CompilerServices.Unsafe.Add(ref rowOffsets, k); // checked by the caller
            var wa = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)(k * LaneBlockChannels));
            var wb = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)(k * LaneBlockChannels + 8));
            var x = System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.Add(ref from, row + q0));
            a0 += x * wa; b0 += x * wb;
            x = System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.Add(ref from, row + q1));
            a1 += x * wa; b1 += x * wb;
            x = System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.Add(ref from, row + q2));
            a2 += x * wa; b2 += x * wb;
            x = System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.Add(ref from, row + q3));
            a3 += x * wa; b3 += x * wb;
        }
        var min = System.Runtime.Intrinsics.Vector256.Create(activationMin);
        var max = System.Runtime.Intrinsics.Vector256.Create(activationMax);
        ref float offsets = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(packedBias);
        var ba = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref offsets, 0);
        var bb = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref offsets, 8);
        a0 = ClampFloat256(a0 + ba, min, max); b0 = ClampFloat256(b0 + bb, min, max);
        a1 = ClampFloat256(a1 + ba, min, max); b1 = ClampFloat256(b1 + bb, min, max);
        a2 = ClampFloat256(a2 + ba, min, max); b2 = ClampFloat256(b2 + bb, min, max);
        a3 = ClampFloat256(a3 + ba, min, max); b3 = ClampFloat256(b3 + bb, min, max);
        if (count == LaneBlockPixels && System.Runtime.Intrinsics.X86.Avx.IsSupported)
        {
            // Four pixels of eight channels transposed to eight channels' runs of four pixels, stored in place (checked by the caller).
            ref float target = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output);
            StoreLaneChannels(a0, a1, a2, a3, ref target, outputStride, channels);
            if (channels > 8) StoreLaneChannels(b0, b1, b2, b3, ref System.Runtime.CompilerServices.Unsafe.Add(ref target, 8 * outputStride), outputStride, channels - 8);
            return;
        }
        ref float to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(tile);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(a0, ref to, 0);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(b0, ref to, 8);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(a1, ref to, 16);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(b1, ref to, 24);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(a2, ref to, 32);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(b2, ref to, 40);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(a3, ref to, 48);
        System.Runtime.Intrinsics.Vector256.StoreUnsafe(b3, ref to, 56);
        StoreLaneTile(tile, output, outputStride, channels, count);
    }

    /// <summary>
    /// Eight channels of four pixels (p_i holds pixel i's channels) to the first <paramref name="channels"/> channels' runs of
    /// four outputs, <paramref name="stride"/> apart: pairs of pixels interleaved, then pairs of pairs; channel j is the
    /// low half of u_j, channel j + 4 the high half.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void StoreLaneChannels(System.Runtime.Intrinsics.Vector256<float> p0, System.Runtime.Intrinsics.Vector256<float> p1,
        System.Runtime.Intrinsics.Vector256<float> p2, System.Runtime.Intrinsics.Vector256<float> p3, ref float to, int stride, int channels)
    {
        var t0 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(p0, p1);
        var t1 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(p0, p1);
        var t2 = System.Runtime.Intrinsics.X86.Avx.UnpackLow(p2, p3);
        var t3 = System.Runtime.Intrinsics.X86.Avx.UnpackHigh(p2, p3);
        var u0 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t0, t2, 0x44);
        var u1 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t0, t2, 0xEE);
        var u2 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t1, t3, 0x44);
        var u3 = System.Runtime.Intrinsics.X86.Avx.Shuffle(t1, t3, 0xEE);
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector256.GetLower(u0), ref to, 0);
        if (channels > 1) System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector256.GetLower(u1), ref to, (nuint)stride);
        if (channels > 2) System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector256.GetLower(u2), ref to, (nuint)(2 * stride));
        if (channels > 3) System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector256.GetLower(u3), ref to, (nuint)(3 * stride));
        if (channels > 4) System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector256.GetUpper(u0), ref to, (nuint)(4 * stride));
        if (channels > 5) System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector256.GetUpper(u1), ref to, (nuint)(5 * stride));
        if (channels > 6) System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector256.GetUpper(u2), ref to, (nuint)(6 * stride));
        if (channels > 7) System.Runtime.Intrinsics.Vector128.StoreUnsafe(System.Runtime.Intrinsics.Vector256.GetUpper(u3), ref to, (nuint)(7 * stride));
    }

    /// <summary>128-bit vectors: four pixels × two vectors of four channels (eight of the block's sixteen) per call.</summary>
    private static void MultiplyLaneBlock128(ReadOnlySpan<float> source, ReadOnlySpan<int> rows, ReadOnlySpan<int> pixels, ReadOnlySpan<float> packed,
        ReadOnlySpan<float> packedBias, float activationMin, float activationMax, Span<float> tile)
    {
        ref float from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(source);
        ref float w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(packed);
        ref int rowOffsets = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(rows);
        nuint q0 = (uint)pixels[0], q1 = (uint)pixels[1], q2 = (uint)pixels[2], q3 = (uint)pixels[3]; // checked by the caller
        var zero = System.Runtime.Intrinsics.Vector128<float>.Zero;
        System.Runtime.Intrinsics.Vector128<float> a0 = zero, b0 = zero, a1 = zero, b1 = zero, a2 = zero, b2 = zero, a3 = zero, b3 = zero;
        for (int k = 0; k < rows.Length; k++)
        {
            nuint row = (uint)System.Runtime.CompilerServices.Unsafe.Add(ref rowOffsets, k); // checked by the caller
            var wa = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)(k * LaneBlockChannels));
            var wb = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)(k * LaneBlockChannels + 4));
            var x = System.Runtime.Intrinsics.Vector128.Create(System.Runtime.CompilerServices.Unsafe.Add(ref from, row + q0));
            a0 += x * wa; b0 += x * wb;
            x = System.Runtime.Intrinsics.Vector128.Create(System.Runtime.CompilerServices.Unsafe.Add(ref from, row + q1));
            a1 += x * wa; b1 += x * wb;
            x = System.Runtime.Intrinsics.Vector128.Create(System.Runtime.CompilerServices.Unsafe.Add(ref from, row + q2));
            a2 += x * wa; b2 += x * wb;
            x = System.Runtime.Intrinsics.Vector128.Create(System.Runtime.CompilerServices.Unsafe.Add(ref from, row + q3));
            a3 += x * wa; b3 += x * wb;
        }
        var min = System.Runtime.Intrinsics.Vector128.Create(activationMin);
        var max = System.Runtime.Intrinsics.Vector128.Create(activationMax);
        ref float offsets = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(packedBias);
        var ba = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref offsets, 0);
        var bb = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref offsets, 4);
        ref float to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(tile);
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(a0 + ba, min, max), ref to, 0);
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(b0 + bb, min, max), ref to, 4);
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(a1 + ba, min, max), ref to, 16);
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(b1 + bb, min, max), ref to, 20);
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(a2 + ba, min, max), ref to, 32);
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(b2 + bb, min, max), ref to, 36);
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(a3 + ba, min, max), ref to, 48);
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(b3 + bb, min, max), ref to, 52);
    }
#endif
    // </emit>
}
