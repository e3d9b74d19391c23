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

    /// <summary>The clamp every float convolution path applies: the scalar kernels' comparison, NaN passing through.</summary>
    public static float FloatClamp(float value, float activationMin, float activationMax) =>
        value < activationMin ? activationMin : value > activationMax ? activationMax : value;

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
#endif
    // </emit>
}
