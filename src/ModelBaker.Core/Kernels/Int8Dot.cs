using System;

namespace ModelBaker.Core.Kernels;

/// <summary>The int8 dot product the fully connected and convolution kernels share, vectorised where the runtime can.</summary>
public static class Int8Dot
{
    // <emit>
    /// <summary>
    /// Σ a[i] · b[i] in int32. Integer sums do not depend on their order, so the vectorised loop (compiled where
    /// .NET 8's intrinsics exist, i.e. in generated code) gives exactly the scalar loop's result.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        int sum = 0, i = 0;
#if NET8_0_OR_GREATER
        ref sbyte aStart = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref sbyte bStart = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported && a.Length >= 32)
        {
            // 32 products per step: widen to 16-bit, then vpmaddwd multiplies and adds neighbours into int32.
            var accumulator = System.Runtime.Intrinsics.Vector256<int>.Zero;
            for (; i <= a.Length - 32; i += 32)
            {
                var (aLow, aHigh) = System.Runtime.Intrinsics.Vector256.Widen(System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref aStart, (nuint)i));
                var (bLow, bHigh) = System.Runtime.Intrinsics.Vector256.Widen(System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref bStart, (nuint)i));
                accumulator += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(aLow, bLow)
                    + System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(aHigh, bHigh);
            }
            sum = System.Runtime.Intrinsics.Vector256.Sum(accumulator);
        }
        else if (System.Runtime.Intrinsics.Arm.Dp.IsSupported && a.Length >= 16)
        {
            // Arm64 SDOT: sixteen products per instruction, each four summed into an int32 lane; two accumulators in flight.
            System.Runtime.Intrinsics.Vector128<int> even = System.Runtime.Intrinsics.Vector128<int>.Zero, odd = even;
            for (; i <= a.Length - 32; i += 32)
            {
                even = System.Runtime.Intrinsics.Arm.Dp.DotProduct(even, System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref aStart, (nuint)i),
                    System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref bStart, (nuint)i));
                odd = System.Runtime.Intrinsics.Arm.Dp.DotProduct(odd, System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref aStart, (nuint)(i + 16)),
                    System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref bStart, (nuint)(i + 16)));
            }
            if (i <= a.Length - 16)
            {
                even = System.Runtime.Intrinsics.Arm.Dp.DotProduct(even, System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref aStart, (nuint)i),
                    System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref bStart, (nuint)i));
                i += 16;
            }
            sum = System.Runtime.Intrinsics.Vector128.Sum(even + odd);
        }
        else if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated && a.Length >= 16)
        {
            // Portable (Arm64 without SDOT too): 16 products per step; int8 × int8 always fits in int16.
            var accumulator = System.Runtime.Intrinsics.Vector128<int>.Zero;
            for (; i <= a.Length - 16; i += 16)
            {
                var (aLow, aHigh) = System.Runtime.Intrinsics.Vector128.Widen(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref aStart, (nuint)i));
                var (bLow, bHigh) = System.Runtime.Intrinsics.Vector128.Widen(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref bStart, (nuint)i));
                var (p0, p1) = System.Runtime.Intrinsics.Vector128.Widen(aLow * bLow);
                var (p2, p3) = System.Runtime.Intrinsics.Vector128.Widen(aHigh * bHigh);
                accumulator += (p0 + p1) + (p2 + p3);
            }
            sum = System.Runtime.Intrinsics.Vector128.Sum(accumulator);
        }
#endif
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
    // </emit>
}
