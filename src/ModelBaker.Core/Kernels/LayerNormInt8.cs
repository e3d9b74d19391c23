using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Integer layer normalization (the I-BERT / TensorFlow Lite Micro approach): each row of [outer, size] int8 values is
/// normalized with integer statistics and an integer square root, then scaled and shifted per element into int8. With
/// d = size · q − Σq (the deviation from the mean, times size; the zero point cancels) and V = size · Σq² − (Σq)²,
/// (x − mean) / √(variance + ε) = d / √(V + E), E = ε · size² / inputScale² (a bake-time constant, taken times 4^h with
/// V so that a small ε keeps its bits). The square root is taken of that sum shifted to 62 bits, its reciprocal in Q62,
/// so the normalized value keeps 16 fraction bits; then
/// out = zero point + (y · G[i] + B[i]) / 2^gammaShift, with G = γ / outputScale and B = β / outputScale in fixed point.
/// Integer-only (int64 where sums of squares need it): the interpreter, .NET and nanoFramework agree bit for bit.
/// </summary>
public sealed class LayerNormInt8 : Int8Kernel
{
    /// <summary>Fraction bits of the normalized value (|y| ≤ √size, so 2^24 · 2^16 stays far inside an int64).</summary>
    public const int FractionBits = 16;
    /// <summary>Longest row: size² · 2^14 (V) and size · 2^8 · 2^32 (d times the Q62 reciprocal) must stay inside an int64.</summary>
    public const int MaxSize = 1 << 16;

    public LayerNormInt8(string source, ArenaSlice input, ArenaSlice output, int outer, int size, int halfShift, long epsilonTerm, int[] gamma, int[] beta,
        int gammaShift, int outputZeroPoint) : base(source)
    {
        if (gamma.Length != size || beta.Length != size) throw new ArgumentException("Gamma and beta hold one value per element of a row.", nameof(gamma));
        Input = input;
        Output = output;
        Outer = outer;
        Size = size;
        HalfShift = halfShift;
        EpsilonTerm = epsilonTerm;
        Gamma = gamma;
        Beta = beta;
        GammaShift = gammaShift;
        OutputZeroPoint = outputZeroPoint;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Outer { get; }
    public int Size { get; }
    /// <summary>h: V is taken times 4^h before ε is added, so that a small ε keeps its precision (V · 4^h stays under 2^60).</summary>
    public int HalfShift { get; }
    /// <summary>E = round(ε · size² / inputScale² · 4^h), added to V · 4^h before the square root.</summary>
    public long EpsilonTerm { get; }
    /// <summary>round(γ[i] / outputScale · 2^GammaShift), one per element of a row.</summary>
    public int[] Gamma { get; }
    /// <summary>round(β[i] / outputScale · 2^GammaShift), one per element of a row.</summary>
    public int[] Beta { get; }
    public int GammaShift { get; }
    public int OutputZeroPoint { get; }

    /// <summary>
    /// The int8 form of <paramref name="norm"/> (its Y output): γ and β over the output scale, in fixed point with the
    /// largest shift that keeps every one of them under 2^30.
    /// </summary>
    public static LayerNormInt8 From(LayerNormFloat norm, QuantizationContext q)
    {
        RequireRowLength(norm);
        var input = q.Parameters(norm.Input);
        var output = q.Parameters(norm.Output);
        double largest = 0;
        for (int i = 0; i < norm.Size; i++)
            largest = Math.Max(largest, Math.Max(Math.Abs(norm.Scale[i]), norm.Bias.Length == 0 ? 0 : Math.Abs(norm.Bias[i])) / output.Scale);
        int shift = 30;
        while (shift > 0 && largest * Math.Pow(2, shift) >= 1 << 30) shift--;
        int Fixed(double real) => QuantizationParameters.SaturateInt32(Math.Round(real / output.Scale * Math.Pow(2, shift)));
        var gamma = new int[norm.Size];
        var beta = new int[norm.Size];
        for (int i = 0; i < norm.Size; i++)
        {
            gamma[i] = Fixed(norm.Scale[i]);
            beta[i] = norm.Bias.Length == 0 ? 0 : Fixed(norm.Bias[i]);
        }
        var (halfShift, epsilon) = RootTerms(norm.Size, norm.Epsilon, input.Scale);
        return new LayerNormInt8(norm.Source, q.Slice(norm.Input), q.Slice(norm.Output), norm.Outer, norm.Size, halfShift, epsilon, gamma, beta, shift, output.ZeroPoint);
    }

    /// <summary>Refuses rows longer than the integer sums of squares take (MB code, the node named).</summary>
    internal static void RequireRowLength(LayerNormFloat norm)
    {
        if (norm.Size > MaxSize)
            throw new BakeException(ErrorCodes.LayerNormRowTooLong,
                $"Node {norm.Source}: its rows of {norm.Size} elements are longer than int8 layer normalization takes ({MaxSize}): " +
                "the integer sums of squares would overflow. Bake the model with Precision=\"Float32\".");
    }

    /// <summary>h and E = round(ε · size² / inputScale² · 4^h) for rows of <paramref name="size"/> elements: see <see cref="RowRoot"/>.</summary>
    internal static (int HalfShift, long EpsilonTerm) RootTerms(int size, float epsilon, double inputScale)
    {
        if (size > MaxSize)
            throw new ArgumentOutOfRangeException(nameof(size), $"Rows of {size} elements are longer than the integer sums of squares take ({MaxSize}).");
        // V ≤ size² · 2^14 (|q| ≤ 128): V · 4^h stays under 2^60 with h = 23 − ⌈log₂ size⌉; E · 4^h too, with h lowered for a
        // large ε (one past 2^60 even at h = 0, which dwarfs every V, is held at 2^60).
        int sizeBits = 0;
        while (1 << sizeBits < size) sizeBits++;
        double epsilonReal = epsilon * (double)size * size / (inputScale * inputScale);
        int halfShift = 23 - sizeBits;
        while (halfShift > 0 && epsilonReal * Math.Pow(4, halfShift) >= 1L << 60) halfShift--;
        double epsilonTerm = Math.Round(epsilonReal * Math.Pow(4, halfShift));
        return (halfShift, epsilonTerm >= 1L << 60 ? 1L << 60 : (long)epsilonTerm);
    }

    public override KernelKind Kind => KernelKind.LayerNormInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Gamma.Length + Beta.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(LayerNormInt8), nameof(LayerNormInt8) + "#Root" };

    public override void Run(PlanArena arena) =>
        LayerNormInt8s(arena.Int8s(Input), Outer, Size, HalfShift, EpsilonTerm, Gamma, Beta, GammaShift, OutputZeroPoint, arena.Int8s(Output));

    // <emit>
    /// <summary>
    /// Integer layer normalization of each row of [outer, size] int8 values: d = size · q − Σq over √(size · Σq² − (Σq)² + E),
    /// in 16 fraction bits, then zero point + (y · gamma[i] + beta[i]) / 2^gammaShift, rounded, saturated to int8.
    /// </summary>
    public static void LayerNormInt8s(ReadOnlySpan<sbyte> input, int outer, int size, int halfShift, long epsilonTerm, ReadOnlySpan<int> gamma, ReadOnlySpan<int> beta,
        int gammaShift, int outputZeroPoint, Span<sbyte> output)
    {
        int outShift = 16 + gammaShift;
        long outHalf = 1L << (outShift - 1);
        for (int row = 0; row < outer; row++)
        {
            int start = row * size, sum = 0;
            long squares = 0;
            for (int i = start; i < start + size; i++) { int q = input[i]; sum += q; squares += q * q; }
            long variance = size * squares - (long)sum * sum;
            long root = RowRoot(variance == 0 ? 0 : (variance << 2 * halfShift) + epsilonTerm, out int s);
            // y · 2^16 = d · 2^(s + h + 16) / r = d · (2^62 / r) / 2^(46 − s − h); a constant row (r = 0) gives y = 0.
            long reciprocal = root == 0 ? 0 : ((1L << 62) + root / 2) / root;
            int yShift = root == 0 ? 1 : 46 - s - halfShift;
            long yHalf = 1L << (yShift - 1);
            for (int i = 0; i < size; i++)
            {
                long d = (long)size * input[start + i] - sum;
                long y = (d * reciprocal + yHalf) >> yShift;
                long value = ((y * gamma[i] + ((long)beta[i] << 16) + outHalf) >> outShift) + outputZeroPoint;
                output[start + i] = (sbyte)(value < -128 ? -128 : value > 127 ? 127 : value);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Integer layer normalization on arrays (see the .NET flavour).</summary>
    public static void LayerNormInt8s(sbyte[] input, int inputOffset, int outer, int size, int halfShift, long epsilonTerm, int[] gamma, int[] beta,
        int gammaShift, int outputZeroPoint, sbyte[] output, int outputOffset)
    {
        int outShift = 16 + gammaShift;
        long outHalf = 1L << (outShift - 1);
        for (int row = 0; row < outer; row++)
        {
            int start = inputOffset + row * size, sum = 0;
            long squares = 0;
            for (int i = start; i < start + size; i++) { int q = input[i]; sum += q; squares += q * q; }
            long variance = size * squares - (long)sum * sum;
            long root = RowRoot(variance == 0 ? 0 : (variance << 2 * halfShift) + epsilonTerm, out int s);
            long reciprocal = root == 0 ? 0 : ((1L << 62) + root / 2) / root;
            int yShift = root == 0 ? 1 : 46 - s - halfShift;
            long yHalf = 1L << (yShift - 1);
            int target = outputOffset + row * size;
            for (int i = 0; i < size; i++)
            {
                long d = (long)size * input[start + i] - sum;
                long y = (d * reciprocal + yHalf) >> yShift;
                long value = ((y * gamma[i] + ((long)beta[i] << 16) + outHalf) >> outShift) + outputZeroPoint;
                output[target + i] = (sbyte)(value < -128 ? -128 : value > 127 ? 127 : value);
            }
        }
    }
    // </emit>

    // <emit Root>
    /// <summary>
    /// The integer square root of a row's V · 4^h + E (<paramref name="shifted"/>) to 31 bits: the sum is moved by an even
    /// shift 2s into [2^60, 2^62), and r = √(V · 4^h + E) · 2^s in [2^30, 2^31) is returned; 0 for a zero sum. Once per row,
    /// shared by the .NET and nanoFramework flavours of the layer normalization and of its statistics.
    /// </summary>
    public static long RowRoot(long shifted, out int s)
    {
        s = 0;
        while (shifted != 0 && shifted < 1L << 60) { shifted <<= 2; s++; }
        long root = 0;
        for (long bit = 1L << 62; bit != 0; bit >>= 2)
        {
            if (shifted >= root + bit) { shifted -= root + bit; root = (root >> 1) + bit; }
            else root >>= 1;
        }
        return root;
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(LayerNormInt8) + "#Nano", nameof(LayerNormInt8) + "#Root" };

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"LayerNormInt8s({Input.NanoArguments(code)}, outer: {Outer}, size: {Size}, halfShift: {HalfShift}, epsilonTerm: {EpsilonTerm}L, {name}Gamma, {name}Beta,")
            .Line($"    gammaShift: {GammaShift}, outputZeroPoint: {OutputZeroPoint}, {Output.NanoArguments(code)});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Outer); w.Int(Size); w.Int(HalfShift); w.Long(EpsilonTerm); w.Ints(Gamma); w.Ints(Beta); w.Int(GammaShift); w.Int(OutputZeroPoint);
    }

    public static LayerNormInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Int(), r.Long(), r.Ints(), r.Ints(), r.Int(), r.Int());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"LayerNormInt8s({Input.Expression(code)}, outer: {Outer}, size: {Size}, halfShift: {HalfShift}, epsilonTerm: {EpsilonTerm}L, {name}Gamma, {name}Beta,")
            .Line($"    gammaShift: {GammaShift}, outputZeroPoint: {OutputZeroPoint}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Gamma", Gamma, "round(γ / output scale · 2^gammaShift), one per element of a normalized row");
        EmitArrays.Ints(code, $"{name}Beta", Beta, "round(β / output scale · 2^gammaShift), one per element of a normalized row");
    }
}
