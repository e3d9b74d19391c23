using System;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The integer arithmetic of the int8 scheme (TensorFlow Lite's gemmlowp rounding): a real multiplier
/// M = m × 2^shift with m in [0.5, 1) is applied to an int32 accumulator as a 32-bit fixed-point multiply
/// and a rounding shift.
/// <para>
/// The part between the emit markers is copied verbatim into every generated int8 class, so the reference
/// interpreter and the generated code run the very same instructions and agree bit for bit.
/// </para>
/// </summary>
public static class FixedPoint
{
    /// <summary>Splits a positive real multiplier into a Q31 multiplier and a power-of-two shift.</summary>
    public static (int Multiplier, int Shift) QuantizeMultiplier(double realMultiplier) => QuantizeMultiplier(realMultiplier, 31);

    /// <summary>
    /// As <see cref="QuantizeMultiplier(double)"/>, with the fraction rounded to 15 bits: a Q31 multiplier whose low 16
    /// bits are zero, so weighted layers store a short per output channel (<see cref="MultiplierShorts"/>) and shift it
    /// back by 16 in the kernel. Relative error ≤ 2⁻¹⁵ (the fraction lies in [0.5, 1)): under a hundredth of a step on an output of ±255 steps.
    /// </summary>
    public static (int Multiplier, int Shift) QuantizeMultiplierQ15(double realMultiplier)
    {
        var (q15, shift) = QuantizeMultiplier(realMultiplier, 15);
        return (q15 << 16, shift);
    }

    /// <summary>Most exponents a shared shift may lie above a unit's own: each mantissa keeps at least 12 of its 15 bits.</summary>
    public const int MaxSharedShiftSpread = 3;

    /// <summary>
    /// Per-unit Q15 multipliers (from <see cref="QuantizeMultiplierQ15"/>) rewritten over one shift for the whole layer, the
    /// largest: a unit d exponents below it keeps 15 − d bits of mantissa. Done only when d ≤ <see cref="MaxSharedShiftSpread"/>
    /// for every unit (relative error ≤ 2⁻¹², under a sixteenth of a step on ±255 steps), which saves a byte per unit; otherwise
    /// the arrays come back as they were. Kernels read a one-element shift array for every unit.
    /// </summary>
    public static (int[] Multipliers, int[] Shifts) ShareShift(int[] multipliers, int[] shifts)
    {
        if (shifts.Length <= 1) return (multipliers, shifts);
        int shared = int.MinValue, lowest = int.MaxValue;
        for (int n = 0; n < shifts.Length; n++)
        {
            if (multipliers[n] == 0) continue; // a zero multiplier works with any shift
            shared = Math.Max(shared, shifts[n]);
            lowest = Math.Min(lowest, shifts[n]);
        }
        if (shared == int.MinValue) return (multipliers, new[] { 0 });
        if (shared - lowest > MaxSharedShiftSpread) return (multipliers, shifts);
        var rescaled = new int[multipliers.Length];
        for (int n = 0; n < multipliers.Length; n++)
        {
            if (multipliers[n] == 0) continue;
            int spread = shared - shifts[n], q15 = multipliers[n] >> 16;
            rescaled[n] = (spread == 0 ? q15 : (q15 + (1 << (spread - 1))) >> spread) << 16;
        }
        return (rescaled, new[] { shared });
    }

    /// <summary>Multipliers from <see cref="QuantizeMultiplierQ15"/> as stored in generated code.</summary>
    public static short[] MultiplierShorts(int[] multipliers) => Array.ConvertAll(multipliers, m => (short)(m >> 16));

    private static (int Multiplier, int Shift) QuantizeMultiplier(double realMultiplier, int fractionBits)
    {
        if (realMultiplier < 0 || double.IsNaN(realMultiplier) || double.IsInfinity(realMultiplier))
            throw new ArgumentOutOfRangeException(nameof(realMultiplier), realMultiplier, "Multipliers must be finite and non-negative.");
        if (realMultiplier == 0) return (0, 0);
        var (fraction, exponent) = Frexp(realMultiplier);
        long q = (long)Math.Round(fraction * (1L << fractionBits), MidpointRounding.AwayFromZero);
        if (q == 1L << fractionBits) { q /= 2; exponent++; }
        if (exponent < -31) return (0, 0); // too small to matter: the product rounds to zero
        if (exponent > 30) throw new ArgumentOutOfRangeException(nameof(realMultiplier), realMultiplier, "Multiplier too large for the int8 scheme.");
        return ((int)q, exponent);
    }

    /// <summary>Shifts as stored in generated code: they lie in −31…30 (see <see cref="QuantizeMultiplier(double)"/>), so a byte each.</summary>
    public static sbyte[] ShiftBytes(int[] shifts) => Array.ConvertAll(shifts, s => (sbyte)s);

    /// <summary>Most a coarsened bias may move an output (<see cref="CoarsenBias"/>), in output steps.</summary>
    public const double MaxBiasError = 1.0 / 32;

    /// <summary>
    /// Int32 biases (input zero point folded in) rounded to multiples of 2^k, with the smallest k that brings every
    /// bias / 2^k into int16, so generated code stores them as shorts (<see cref="Codegen.EmitArrays.ShortBiasShift"/>); half the bytes. Done
    /// only when rounding by up to 2^(k−1) moves no unit's output by more than <see cref="MaxBiasError"/> of a step
    /// (the accumulator's step is worth the unit's real requantization multiplier of an output step); otherwise, and
    /// when they fit as they are, the biases come back unchanged. The reference interpreter runs the rounded biases,
    /// so generated code still agrees with it bit for bit.
    /// </summary>
    public static int[] CoarsenBias(int[] bias, double[] realMultipliers)
    {
        int k = 0;
        while (k < 16 && !Array.TrueForAll(bias, b => Math.Abs(Math.Round(b / (double)(1 << k), MidpointRounding.AwayFromZero)) <= short.MaxValue)) k++;
        if (k == 0 || !Array.TrueForAll(realMultipliers, m => (1 << (k - 1)) * m <= MaxBiasError)) return bias;
        return Array.ConvertAll(bias, b => (int)Math.Round(b / (double)(1 << k), MidpointRounding.AwayFromZero) << k);
    }

    /// <summary>Bytes generated code stores for a weighted layer's requantization: biases, Q15 multipliers, sbyte shifts.</summary>
    public static int RequantizationBytes(int[] bias, int[] multipliers, int[] shifts) =>
        (Codegen.EmitArrays.ShortBiasShift(bias) < 0 ? 4 : 2) * bias.Length + 2 * multipliers.Length + shifts.Length;

    /// <summary>x = fraction × 2^exponent with fraction in [0.5, 1), exactly, from the IEEE bits.</summary>
    private static (double Fraction, int Exponent) Frexp(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int rawExponent = (int)((bits >> 52) & 0x7FF);
        if (rawExponent == 0) // subnormal: normalise first
        {
            var (f, e) = Frexp(x * (1L << 54));
            return (f, e - 54);
        }
        long fractionBits = (bits & ~(0x7FFL << 52)) | (1022L << 52);
        return (BitConverter.Int64BitsToDouble(fractionBits), rawExponent - 1022);
    }

    // The nanoFramework flavour uses this block too (no spans, no System.Math), minus the AggressiveInlining
    // attributes its mscorlib does not define: NanoClassEmitter leaves those lines out.
    // <emit>
    /// <summary>(a × b × 2) / 2^32, rounded to nearest, saturating the one overflowing case.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int SaturatingRoundingDoublingHighMul(int a, int b)
    {
        if (a == int.MinValue && b == int.MinValue) return int.MaxValue;
        // gemmlowp adds a nudge of 2^30 (1 − 2^30 below zero) and divides by 2^31 truncating; both cases are
        // ⌊(a·b + 2^30) / 2^31⌋, a shift (FixedPointTests checks the two forms agree).
        return (int)(((long)a * b + (1L << 30)) >> 31);
    }

    /// <summary>x / 2^exponent, rounded to nearest with ties away from zero.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int RoundingDivideByPowerOfTwo(int x, int exponent)
    {
        int mask = (1 << exponent) - 1;
        int remainder = x & mask;
        int threshold = (mask >> 1) + (x < 0 ? 1 : 0);
        return (x >> exponent) + (remainder > threshold ? 1 : 0);
    }

    /// <summary>Biases stored as shorts (see Codegen/EmitArrays.ShortBiasShift in ModelBaker) back to int32, once, when the class is first used.</summary>
    public static int[] WidenBias(short[] stored, int shift)
    {
        int[] bias = new int[stored.Length];
        for (int i = 0; i < stored.Length; i++) bias[i] = stored[i] * (1 << shift);
        return bias;
    }

    /// <summary>x × multiplier × 2^shift, with multiplier a Q31 number from QuantizeMultiplier.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int MultiplyByQuantizedMultiplier(int x, int multiplier, int shift)
    {
        // RoundingDivideByPowerOfTwo(SaturatingRoundingDoublingHighMul(x · 2^leftShift, multiplier), rightShift), written
        // out: on nanoCLR every call allocates a frame, and these two cost more than their arithmetic.
        int rightShift = 0;
        if (shift > 0) x *= 1 << shift;
        else rightShift = -shift;
        int high = x == int.MinValue && multiplier == int.MinValue ? int.MaxValue : (int)(((long)x * multiplier + (1L << 30)) >> 31);
        int mask = (1 << rightShift) - 1;
        return (high >> rightShift) + ((high & mask) > (mask >> 1) + (high < 0 ? 1 : 0) ? 1 : 0);
    }

    /// <summary>
    /// The end of every int8 step that requantizes: accumulator × multiplier × 2^shift (the multiplier a Q31 number
    /// from QuantizeMultiplier), plus the output zero point, clamped to [activationMin, activationMax] (a fused Relu or
    /// Clip, else −128…127). One copy for every kernel and both flavours, so they cannot round differently.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static sbyte Requantize(int accumulator, int multiplier, int shift, int outputZeroPoint, int activationMin, int activationMax)
    {
        // accumulator × multiplier × 2^shift as gemmlowp rounds it (a doubling high multiply, then a rounding right
        // shift), written out: on nanoCLR every call allocates a frame, and this runs once per output.
        int rightShift = 0;
        if (shift > 0) accumulator *= 1 << shift;
        else rightShift = -shift;
        int high = accumulator == int.MinValue && multiplier == int.MinValue ? int.MaxValue : (int)(((long)accumulator * multiplier + (1L << 30)) >> 31);
        int mask = (1 << rightShift) - 1;
        int value = (high >> rightShift) + ((high & mask) > (mask >> 1) + (high < 0 ? 1 : 0) ? 1 : 0) + outputZeroPoint;
        return (sbyte)(value < activationMin ? activationMin : value > activationMax ? activationMax : value);
    }

    /// <summary>
    /// real → int8: round half to even, add the zero point, saturate; NaN gives 0. No System.Math (nanoFramework has
    /// none), and the very same steps in both flavours, so the input quantization is bit-identical everywhere.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static sbyte Quantize(float value, double scale, int zeroPoint)
    {
        double x = value / scale;
        if (double.IsNaN(x)) return 0;
        // Past ±256 every result saturates (|zeroPoint| ≤ 128); clamping first keeps the int conversion in range.
        if (x > 256) x = 256;
        else if (x < -256) x = -256;
        int truncated = (int)x;
        double fraction = x - truncated; // exact (Sterbenz): x and its truncation are within a factor 2, or truncated is 0
        int rounded = fraction > 0.5 ? truncated + 1
            : fraction < -0.5 ? truncated - 1
            : fraction == 0.5 ? truncated + (truncated & 1)
            : fraction == -0.5 ? truncated - (truncated & 1)
            : truncated;
        int q = rounded + zeroPoint;
        return (sbyte)(q < -128 ? -128 : q > 127 ? 127 : q);
    }

    /// <summary>int8 → real.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float Dequantize(sbyte value, double scale, int zeroPoint) => (float)(scale * (value - zeroPoint));
    // </emit>
}
