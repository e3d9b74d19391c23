using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Kernels.LayerNormInt8;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// LayerNormalization's Mean or InvStdDev output as an integer step, from the same integer row statistics as
/// <see cref="LayerNormInt8"/> (Σq and V = size · Σq² − (Σq)² of each row of int8 values), so the nanoFramework flavour
/// runs it:
/// <list type="bullet">
/// <item>Mean: mean / outputScale = (Σq − size · inputZeroPoint) · inputScale / (size · outputScale), one multiplier M
/// and shift: out = zero point + (S · M + half) ≫ shift;</item>
/// <item>InvStdDev: 1 / √(variance + ε) / outputScale = C · 2^(s+h) / r with C = size / (inputScale · outputScale) and
/// r = √(V · 4^h + E) · 2^s (<see cref="LayerNormInt8.RowRoot"/>): C in fixed point (M = C · 2^shift in [2^29, 2^30))
/// times the Q62 reciprocal of r, shifted right by 62 + shift − s − h; a row of zero variance and ε = 0 saturates (∞).</item>
/// </list>
/// Integer-only (int64); the interpreter, .NET and nanoFramework agree bit for bit.
/// </summary>
public sealed class LayerNormStatisticsInt8 : Int8Kernel
{
    public LayerNormStatisticsInt8(string source, ArenaSlice input, ArenaSlice output, int outer, int size, LayerNormResult result,
        int halfShift, long epsilonTerm, long multiplier, int shift, int inputZeroPoint, int outputZeroPoint) : base(source)
    {
        if (result == LayerNormResult.Normalized) throw new ArgumentException("A statistics step writes Mean or InvStdDev.", nameof(result));
        Input = input;
        Output = output;
        Outer = outer;
        Size = size;
        Result = result;
        HalfShift = halfShift;
        EpsilonTerm = epsilonTerm;
        Multiplier = multiplier;
        Shift = shift;
        InputZeroPoint = inputZeroPoint;
        OutputZeroPoint = outputZeroPoint;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Outer { get; }
    public int Size { get; }
    public LayerNormResult Result { get; }
    /// <summary>h, as in <see cref="LayerNormInt8.HalfShift"/> (InvStdDev only).</summary>
    public int HalfShift { get; }
    /// <summary>E, as in <see cref="LayerNormInt8.EpsilonTerm"/> (InvStdDev only).</summary>
    public long EpsilonTerm { get; }
    /// <summary>Mean: round(inputScale / (size · outputScale) · 2^Shift) &lt; 2^31; InvStdDev: round(C · 2^Shift) in [2^29, 2^30).</summary>
    public long Multiplier { get; }
    /// <summary>The multiplier's fraction bits (InvStdDev: may be negative for a large C).</summary>
    public int Shift { get; }
    public int InputZeroPoint { get; }
    public int OutputZeroPoint { get; }

    /// <summary>The integer form of a Mean or InvStdDev step, both tensors quantized as calibrated.</summary>
    public static LayerNormStatisticsInt8 From(LayerNormFloat statistics, QuantizationContext q)
    {
        LayerNormInt8.RequireRowLength(statistics);
        var input = q.Parameters(statistics.Input);
        var output = q.Parameters(statistics.Output);
        int halfShift = 0, shift;
        long epsilonTerm = 0, multiplier;
        if (statistics.Result == LayerNormResult.Mean)
        {
            // |S| < 2^16 · 2^8: a multiplier under 2^31 keeps S · M inside an int64.
            double real = input.Scale / (statistics.Size * output.Scale);
            shift = 62;
            while (shift > 0 && real * Math.Pow(2, shift) >= 1L << 31) shift--;
            multiplier = (long)Math.Round(real * Math.Pow(2, shift));
        }
        else
        {
            (halfShift, epsilonTerm) = LayerNormInt8.RootTerms(statistics.Size, statistics.Epsilon, input.Scale);
            // M in [2^29, 2^30) and the reciprocal of r at most 2^32: their product stays under 2^62.
            double real = statistics.Size / (input.Scale * output.Scale);
            shift = 0;
            while (real * Math.Pow(2, shift) >= 1 << 30) shift--;
            while (real * Math.Pow(2, shift) < 1 << 29) shift++;
            multiplier = Math.Min((long)Math.Round(real * Math.Pow(2, shift)), (1L << 30) - 1);
        }
        return new LayerNormStatisticsInt8(statistics.Source, q.Slice(statistics.Input), q.Slice(statistics.Output), statistics.Outer, statistics.Size,
            statistics.Result, halfShift, epsilonTerm, multiplier, shift, input.ZeroPoint, output.ZeroPoint);
    }

    public override KernelKind Kind => KernelKind.LayerNormStatisticsInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(LayerNormStatisticsInt8), nameof(LayerNormStatisticsInt8) + "#Code", nameof(LayerNormInt8) + "#Root" };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(LayerNormStatisticsInt8) + "#Nano", nameof(LayerNormStatisticsInt8) + "#Code", nameof(LayerNormInt8) + "#Root" };

    public override void Run(PlanArena arena) =>
        LayerNormStatistics(arena.Int8s(Input), Outer, Size, (int)Result, HalfShift, EpsilonTerm, Multiplier, Shift, InputZeroPoint, OutputZeroPoint, arena.Int8s(Output));

    // <emit>
    /// <summary>
    /// Each row's mean (result 1) or 1 / √(variance + ε) (result 2) of [outer, size] int8 values as one int8 code per row,
    /// from the integer sums Σq and Σq² (see <see cref="LayerNormStatisticsInt8"/>).
    /// </summary>
    public static void LayerNormStatistics(ReadOnlySpan<sbyte> input, int outer, int size, int result, int halfShift, long epsilonTerm,
        long multiplier, int shift, int inputZeroPoint, int outputZeroPoint, Span<sbyte> output)
    {
        for (int row = 0; row < outer; row++)
        {
            int start = row * size, sum = 0;
            long squares = 0;
            for (int i = start; i < start + size; i++) { int q = input[i]; sum += q; squares += q * q; }
            output[row] = StatisticCode(size, sum, squares, result, halfShift, epsilonTerm, multiplier, shift, inputZeroPoint, outputZeroPoint);
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Each row's mean or 1 / √(variance + ε) as an int8 code, on arrays (see the .NET flavour).</summary>
    public static void LayerNormStatistics(sbyte[] input, int inputOffset, int outer, int size, int result, int halfShift, long epsilonTerm,
        long multiplier, int shift, int inputZeroPoint, int outputZeroPoint, sbyte[] output, int outputOffset)
    {
        for (int row = 0; row < outer; row++)
        {
            int start = inputOffset + row * size, sum = 0;
            long squares = 0;
            for (int i = start; i < start + size; i++) { int q = input[i]; sum += q; squares += q * q; }
            output[outputOffset + row] = StatisticCode(size, sum, squares, result, halfShift, epsilonTerm, multiplier, shift, inputZeroPoint, outputZeroPoint);
        }
    }
    // </emit>

    // <emit Code>
    /// <summary>One row's statistic as an int8 code from Σq and Σq² (once per row; shared by both flavours).</summary>
    public static sbyte StatisticCode(int size, int sum, long squares, int result, int halfShift, long epsilonTerm,
        long multiplier, int shift, int inputZeroPoint, int outputZeroPoint)
    {
        long value;
        if (result == 1)
        {
            long centred = sum - (long)size * inputZeroPoint;
            value = shift == 0 ? centred * multiplier : (centred * multiplier + (1L << (shift - 1))) >> shift;
        }
        else
        {
            long variance = size * squares - (long)sum * sum;
            long root = RowRoot((variance << 2 * halfShift) + epsilonTerm, out int s);
            // 1 / √(V + E) = 2^(s + h) / r: M · (2^62 / r) ≫ (62 + shift − s − h), rounded; ∞ (r = 0) or a value past 2^60
            // (a shift ≤ 0) is 2^40, which saturates whatever the zero point.
            int total = 62 + shift - s - halfShift;
            long reciprocal = root == 0 ? 0 : ((1L << 62) + root / 2) / root;
            value = root == 0 || total <= 0 ? 1L << 40 : total >= 63 ? 0 : (multiplier * reciprocal + (1L << (total - 1))) >> total;
        }
        value += outputZeroPoint;
        return (sbyte)(value < -128 ? -128 : value > 127 ? 127 : value);
    }
    // </emit>

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"LayerNormStatistics({Input.Expression(code)}, outer: {Outer}, size: {Size}, result: {(int)Result} /* {Result} */, halfShift: {HalfShift}, epsilonTerm: {EpsilonTerm}L,")
            .Line($"    multiplier: {Multiplier}L, shift: {Shift}, inputZeroPoint: {InputZeroPoint}, outputZeroPoint: {OutputZeroPoint}, {Output.Expression(code)});");

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"LayerNormStatistics({Input.NanoArguments(code)}, outer: {Outer}, size: {Size}, result: {(int)Result} /* {Result} */, halfShift: {HalfShift}, epsilonTerm: {EpsilonTerm}L,")
            .Line($"    multiplier: {Multiplier}L, shift: {Shift}, inputZeroPoint: {InputZeroPoint}, outputZeroPoint: {OutputZeroPoint}, {Output.NanoArguments(code)});");

    public override void EmitData(CodeWriter code, string name) { }

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Outer); w.Int(Size); w.Byte((byte)Result); w.Int(HalfShift); w.Long(EpsilonTerm); w.Long(Multiplier); w.Int(Shift);
        w.Int(InputZeroPoint); w.Int(OutputZeroPoint);
    }

    public static LayerNormStatisticsInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), (LayerNormResult)r.Byte(), r.Int(), r.Long(), r.Long(), r.Int(), r.Int(), r.Int());
}
