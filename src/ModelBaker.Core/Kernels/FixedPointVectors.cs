using System;
using static ModelBaker.Core.Kernels.FixedPoint;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// <see cref="FixedPoint"/>'s integer arithmetic on four int32 lanes at once, for the kernels' vectorised loops. Each
/// function gives, lane by lane, exactly what its scalar namesake gives (the tests compare them on edge values), so
/// vectorised and scalar paths agree bit for bit. Compiled only where .NET 8's portable vectors exist (generated code
/// for .NET 8+); the reference interpreter runs the scalar functions.
/// </summary>
public static class FixedPointVectors
{
    // <emit>
    /// <summary>
    /// FixedPoint.Quantize on every value of a model input: with AVX, four at a time through the very same double division,
    /// clamp to ±256 and round half to even (vroundpd), so every value comes out as the scalar function gives it.
    /// </summary>
    public static void QuantizeAll(ReadOnlySpan<float> values, double scale, int zeroPoint, Span<sbyte> output)
    {
        int i = 0;
#if NET8_0_OR_GREATER
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported && output.Length >= values.Length)
        {
            ref float from = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
            ref sbyte to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output);
            var divisor = System.Runtime.Intrinsics.Vector256.Create(scale);
            var limit = System.Runtime.Intrinsics.Vector256.Create(256.0);
            var indefinite = System.Runtime.Intrinsics.Vector128.Create(int.MinValue);
            for (; i <= values.Length - 16; i += 16)
            {
                var q0 = QuantizeFour(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)i), divisor, limit, indefinite, zeroPoint);
                var q1 = QuantizeFour(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)(i + 4)), divisor, limit, indefinite, zeroPoint);
                var q2 = QuantizeFour(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)(i + 8)), divisor, limit, indefinite, zeroPoint);
                var q3 = QuantizeFour(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref from, (nuint)(i + 12)), divisor, limit, indefinite, zeroPoint);
                StoreBytes(q0, q1, q2, q3, ref System.Runtime.CompilerServices.Unsafe.Add(ref to, i));
            }
        }
#endif
        for (; i < values.Length; i++) output[i] = Quantize(values[i], scale, zeroPoint);
    }

#if NET8_0_OR_GREATER
    /// <summary>
    /// Four values of QuantizeAll. A NaN stays NaN through the clamp and rounding and converts to int.MinValue, which no
    /// clamped value can be: those lanes become 0, as FixedPoint.Quantize gives for NaN.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector128<int> QuantizeFour(System.Runtime.Intrinsics.Vector128<float> values,
        System.Runtime.Intrinsics.Vector256<double> divisor, System.Runtime.Intrinsics.Vector256<double> limit,
        System.Runtime.Intrinsics.Vector128<int> indefinite, int zeroPoint)
    {
        var x = System.Runtime.Intrinsics.X86.Avx.Divide(System.Runtime.Intrinsics.X86.Avx.ConvertToVector256Double(values), divisor);
        // vmaxpd and vminpd return their second operand when either is NaN: with x second, NaN passes through both.
        x = System.Runtime.Intrinsics.X86.Avx.Min(limit, System.Runtime.Intrinsics.X86.Avx.Max(-limit, x));
        var rounded = System.Runtime.Intrinsics.X86.Avx.ConvertToVector128Int32WithTruncation(System.Runtime.Intrinsics.X86.Avx.RoundToNearestInteger(x));
        var q = Clamp(rounded + System.Runtime.Intrinsics.Vector128.Create(zeroPoint), -128, 127);
        return System.Runtime.Intrinsics.Vector128.ConditionalSelect(System.Runtime.Intrinsics.Vector128.Equals(rounded, indefinite),
            System.Runtime.Intrinsics.Vector128<int>.Zero, q);
    }

    /// <summary>FixedPoint.RoundingDivideByPowerOfTwo on each lane: x / 2^exponent, ties away from zero.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector128<int> RoundingDivideByPowerOfTwo(System.Runtime.Intrinsics.Vector128<int> x, int exponent)
    {
        int mask = (1 << exponent) - 1;
        var remainder = x & System.Runtime.Intrinsics.Vector128.Create(mask);
        // Comparisons give −1 where true: the threshold gains 1 for negative x, the quotient 1 where the remainder passes it.
        var threshold = System.Runtime.Intrinsics.Vector128.Create(mask >> 1) - System.Runtime.Intrinsics.Vector128.LessThan(x, System.Runtime.Intrinsics.Vector128<int>.Zero);
        return System.Runtime.Intrinsics.Vector128.ShiftRightArithmetic(x, exponent) - System.Runtime.Intrinsics.Vector128.GreaterThan(remainder, threshold);
    }

    /// <summary>
    /// FixedPoint.MultiplyByQuantizedMultiplier on each lane, for a multiplier ≥ 0 (every one QuantizeMultiplier makes): the
    /// doubling high multiply is ⌊(x·m + 2^30) / 2^31⌋ for either sign of x·m, taken from 64-bit lanes.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector128<int> MultiplyByQuantizedMultiplier(System.Runtime.Intrinsics.Vector128<int> x, int multiplier, int shift)
    {
        int leftShift = shift > 0 ? shift : 0;
        int rightShift = shift > 0 ? 0 : -shift;
        x = System.Runtime.Intrinsics.Vector128.ShiftLeft(x, leftShift);
        var nudge = System.Runtime.Intrinsics.Vector128.Create(1L << 30);
        System.Runtime.Intrinsics.Vector128<int> product;
        if (System.Runtime.Intrinsics.X86.Sse41.IsSupported)
        {
            // pmuldq multiplies lanes 0 and 2 into 64 bits; lanes 1 and 3 after a 32-bit shift. The result fits in 32 bits,
            // so a logical shift leaves it in the low half of each even product; the odd ones are moved to the high half.
            var m = System.Runtime.Intrinsics.Vector128.Create(multiplier);
            var even = System.Runtime.Intrinsics.X86.Sse41.Multiply(x, m) + nudge;
            var odd = System.Runtime.Intrinsics.X86.Sse41.Multiply(System.Runtime.Intrinsics.Vector128.AsInt32(
                System.Runtime.Intrinsics.Vector128.ShiftRightLogical(System.Runtime.Intrinsics.Vector128.AsInt64(x), 32)), m) + nudge;
            product = System.Runtime.Intrinsics.Vector128.AsInt32(System.Runtime.Intrinsics.X86.Sse41.Blend(
                System.Runtime.Intrinsics.Vector128.AsInt16(System.Runtime.Intrinsics.Vector128.ShiftRightLogical(even, 31)),
                System.Runtime.Intrinsics.Vector128.AsInt16(System.Runtime.Intrinsics.Vector128.ShiftLeft(odd, 1)), 0b11001100));
        }
        else
        {
            var (low, high) = System.Runtime.Intrinsics.Vector128.Widen(x);
            var m = System.Runtime.Intrinsics.Vector128.Create((long)multiplier);
            product = System.Runtime.Intrinsics.Vector128.Narrow(System.Runtime.Intrinsics.Vector128.ShiftRightArithmetic(low * m + nudge, 31),
                System.Runtime.Intrinsics.Vector128.ShiftRightArithmetic(high * m + nudge, 31));
        }
        return RoundingDivideByPowerOfTwo(product, rightShift);
    }

    /// <summary>
    /// FixedPoint.Requantize on each lane, for a Q15 multiplier (the stored short; the scalar call passes it shifted left by
    /// 16): the doubling high multiply by m·2^16 is ⌊(x·m + 2^14) / 2^15⌋, computed in int32 lanes by splitting x into
    /// x >> 15 and its low 15 bits (no partial product overflows); then the rounding shift, zero point and clamp.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector128<int> RequantizeQ15(System.Runtime.Intrinsics.Vector128<int> x, int multiplier, int shift,
        int outputZeroPoint, int activationMin, int activationMax)
    {
        int leftShift = shift > 0 ? shift : 0;
        int rightShift = shift > 0 ? 0 : -shift;
        x = System.Runtime.Intrinsics.Vector128.ShiftLeft(x, leftShift); // wraps as the scalar x · 2^leftShift does
        var m = System.Runtime.Intrinsics.Vector128.Create(multiplier);
        var high = System.Runtime.Intrinsics.Vector128.ShiftRightArithmetic(x, 15);
        var low = x & System.Runtime.Intrinsics.Vector128.Create(0x7FFF);
        var y = high * m + System.Runtime.Intrinsics.Vector128.ShiftRightArithmetic(low * m + System.Runtime.Intrinsics.Vector128.Create(1 << 14), 15);
        return Clamp(RoundingDivideByPowerOfTwo(y, rightShift) + System.Runtime.Intrinsics.Vector128.Create(outputZeroPoint), activationMin, activationMax);
    }

    /// <summary>
    /// <see cref="RequantizeQ15"/> on eight lanes with a multiplier and shifts of their own (eight output channels side by
    /// side; <see cref="ScaleLanes"/>), narrowed to the eight int8 results (the low eight bytes): the scaled lanes packed to int16 with saturation, the zero point
    /// added with saturation, packed to int8 with saturation and clamped there — the same bytes, since the zero point is within
    /// ±128 (a lane saturated at ±32767 stays far outside −128…127 after it) and the activation range within −128…127; and
    /// fewer operations, on 128-bit vectors, than clamping eight int32 lanes and narrowing them (two vpackssdw/vpacksswb, vpaddsw, vpmaxsb, vpminsb).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector128<sbyte> RequantizeLanesToBytes(System.Runtime.Intrinsics.Vector256<int> x, System.Runtime.Intrinsics.Vector256<int> multiplier,
        System.Runtime.Intrinsics.Vector256<uint> leftShift, System.Runtime.Intrinsics.Vector256<uint> rightShift, System.Runtime.Intrinsics.Vector256<int> mask,
        System.Runtime.Intrinsics.Vector256<int> halfMask, int outputZeroPoint, int activationMin, int activationMax)
    {
        var scaled = ScaleLanes(x, multiplier, leftShift, rightShift, mask, halfMask);
        var shorts = System.Runtime.Intrinsics.X86.Sse2.AddSaturate(System.Runtime.Intrinsics.X86.Sse2.PackSignedSaturate(
            System.Runtime.Intrinsics.Vector256.GetLower(scaled), System.Runtime.Intrinsics.Vector256.GetUpper(scaled)),
            System.Runtime.Intrinsics.Vector128.Create((short)outputZeroPoint));
        var bytes = System.Runtime.Intrinsics.X86.Sse2.PackSignedSaturate(shorts, shorts);
        return System.Runtime.Intrinsics.Vector128.Min(System.Runtime.Intrinsics.Vector128.Max(bytes, System.Runtime.Intrinsics.Vector128.Create((sbyte)activationMin)),
            System.Runtime.Intrinsics.Vector128.Create((sbyte)activationMax));
    }

    /// <summary>
    /// The left shift, Q15 multiply and rounding right shift of <see cref="RequantizeQ15"/> on eight lanes, each with its own
    /// multiplier and shifts: AVX2's variable shifts (vpsllvd, vpsravd) do per lane what the scalar function does with one
    /// shift. The rounding right shift r comes with its remainder mask 2^r − 1 and half of it, made once per channel.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static System.Runtime.Intrinsics.Vector256<int> ScaleLanes(System.Runtime.Intrinsics.Vector256<int> x, System.Runtime.Intrinsics.Vector256<int> multiplier,
        System.Runtime.Intrinsics.Vector256<uint> leftShift, System.Runtime.Intrinsics.Vector256<uint> rightShift, System.Runtime.Intrinsics.Vector256<int> mask,
        System.Runtime.Intrinsics.Vector256<int> halfMask)
    {
        x = System.Runtime.Intrinsics.X86.Avx2.ShiftLeftLogicalVariable(x, leftShift); // wraps as the scalar x · 2^leftShift does
        var high = System.Runtime.Intrinsics.Vector256.ShiftRightArithmetic(x, 15);
        var low = x & System.Runtime.Intrinsics.Vector256.Create(0x7FFF);
        var y = high * multiplier + System.Runtime.Intrinsics.Vector256.ShiftRightArithmetic(low * multiplier + System.Runtime.Intrinsics.Vector256.Create(1 << 14), 15);
        // RoundingDivideByPowerOfTwo with each lane's exponent: comparisons give −1 where true.
        var threshold = halfMask - System.Runtime.Intrinsics.Vector256.LessThan(y, System.Runtime.Intrinsics.Vector256<int>.Zero);
        return System.Runtime.Intrinsics.X86.Avx2.ShiftRightArithmeticVariable(y, rightShift)
            - System.Runtime.Intrinsics.Vector256.GreaterThan(y & mask, threshold);
    }

    /// <summary>The same on sixteen lanes with AVX-512 (vpsllvd, vpsravd on 512-bit registers).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector512<int> RequantizeLanes(System.Runtime.Intrinsics.Vector512<int> x, System.Runtime.Intrinsics.Vector512<int> multiplier,
        System.Runtime.Intrinsics.Vector512<uint> leftShift, System.Runtime.Intrinsics.Vector512<uint> rightShift, System.Runtime.Intrinsics.Vector512<int> mask,
        System.Runtime.Intrinsics.Vector512<int> halfMask, int outputZeroPoint, int activationMin, int activationMax)
    {
        x = System.Runtime.Intrinsics.X86.Avx512F.ShiftLeftLogicalVariable(x, leftShift);
        var high = System.Runtime.Intrinsics.Vector512.ShiftRightArithmetic(x, 15);
        var low = x & System.Runtime.Intrinsics.Vector512.Create(0x7FFF);
        var y = high * multiplier + System.Runtime.Intrinsics.Vector512.ShiftRightArithmetic(low * multiplier + System.Runtime.Intrinsics.Vector512.Create(1 << 14), 15);
        var threshold = halfMask - System.Runtime.Intrinsics.Vector512.LessThan(y, System.Runtime.Intrinsics.Vector512<int>.Zero);
        var quotient = System.Runtime.Intrinsics.X86.Avx512F.ShiftRightArithmeticVariable(y, rightShift)
            - System.Runtime.Intrinsics.Vector512.GreaterThan(y & mask, threshold);
        return System.Runtime.Intrinsics.Vector512.Min(System.Runtime.Intrinsics.Vector512.Max(quotient + System.Runtime.Intrinsics.Vector512.Create(outputZeroPoint),
            System.Runtime.Intrinsics.Vector512.Create(activationMin)), System.Runtime.Intrinsics.Vector512.Create(activationMax));
    }

    /// <summary>
    /// <see cref="MultiplyByQuantizedMultiplier(System.Runtime.Intrinsics.Vector128{int}, int, int)"/> on eight lanes with AVX2
    /// (vpmuldq on even and odd lanes, the high halves blended back), lane for lane the scalar function's result.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector256<int> MultiplyByQuantizedMultiplier(System.Runtime.Intrinsics.Vector256<int> x, int multiplier, int shift)
    {
        int leftShift = shift > 0 ? shift : 0;
        int rightShift = shift > 0 ? 0 : -shift;
        x = System.Runtime.Intrinsics.Vector256.ShiftLeft(x, leftShift);
        var nudge = System.Runtime.Intrinsics.Vector256.Create(1L << 30);
        var m = System.Runtime.Intrinsics.Vector256.Create(multiplier);
        var even = System.Runtime.Intrinsics.X86.Avx2.Multiply(x, m) + nudge;
        var odd = System.Runtime.Intrinsics.X86.Avx2.Multiply(System.Runtime.Intrinsics.Vector256.AsInt32(
            System.Runtime.Intrinsics.Vector256.ShiftRightLogical(System.Runtime.Intrinsics.Vector256.AsInt64(x), 32)), m) + nudge;
        var product = System.Runtime.Intrinsics.Vector256.AsInt32(System.Runtime.Intrinsics.X86.Avx2.Blend(
            System.Runtime.Intrinsics.Vector256.AsInt16(System.Runtime.Intrinsics.Vector256.ShiftRightLogical(even, 31)),
            System.Runtime.Intrinsics.Vector256.AsInt16(System.Runtime.Intrinsics.Vector256.ShiftLeft(odd, 1)), 0b11001100));
        // RoundingDivideByPowerOfTwo, as the 128-bit function does it.
        int mask = (1 << rightShift) - 1;
        var remainder = product & System.Runtime.Intrinsics.Vector256.Create(mask);
        var threshold = System.Runtime.Intrinsics.Vector256.Create(mask >> 1) - System.Runtime.Intrinsics.Vector256.LessThan(product, System.Runtime.Intrinsics.Vector256<int>.Zero);
        return System.Runtime.Intrinsics.Vector256.ShiftRightArithmetic(product, rightShift) - System.Runtime.Intrinsics.Vector256.GreaterThan(remainder, threshold);
    }

    /// <summary>Each lane clamped into [min, max].</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static System.Runtime.Intrinsics.Vector128<int> Clamp(System.Runtime.Intrinsics.Vector128<int> x, int min, int max) =>
        System.Runtime.Intrinsics.Vector128.Min(System.Runtime.Intrinsics.Vector128.Max(x, System.Runtime.Intrinsics.Vector128.Create(min)),
            System.Runtime.Intrinsics.Vector128.Create(max));

    /// <summary>Sixteen lanes already clamped into −128…127 narrowed to int8 (narrowing truncates, exact here) and stored.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void StoreBytes(System.Runtime.Intrinsics.Vector128<int> v0, System.Runtime.Intrinsics.Vector128<int> v1,
        System.Runtime.Intrinsics.Vector128<int> v2, System.Runtime.Intrinsics.Vector128<int> v3, ref sbyte destination)
    {
        var bytes = System.Runtime.Intrinsics.Vector128.Narrow(System.Runtime.Intrinsics.Vector128.Narrow(v0, v1), System.Runtime.Intrinsics.Vector128.Narrow(v2, v3));
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(bytes, ref destination);
    }

    /// <summary>Sixteen int8 values from <paramref name="source"/>, widened to four int32 vectors.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static void LoadBytes(ref sbyte source, out System.Runtime.Intrinsics.Vector128<int> v0, out System.Runtime.Intrinsics.Vector128<int> v1,
        out System.Runtime.Intrinsics.Vector128<int> v2, out System.Runtime.Intrinsics.Vector128<int> v3)
    {
        var (low, high) = System.Runtime.Intrinsics.Vector128.Widen(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref source));
        (v0, v1) = System.Runtime.Intrinsics.Vector128.Widen(low);
        (v2, v3) = System.Runtime.Intrinsics.Vector128.Widen(high);
    }
#endif
    // </emit>
}
