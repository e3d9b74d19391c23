using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Kernels.FixedPoint;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ai.onnx.ml Normalizer on int8 rows, in integers only. The input's scale cancels out of a row divided by its own norm,
/// so each row works on x = q − inputZeroPoint: the divisor d is max x (MAX), Σ|x| (L1) or Σx² (L2), in 64 bits; in
/// units of 2⁻¹⁶ it is D = d · 2¹⁶, or for L2 D = ⌊√(d · 2³²)⌋ (an integer square root, once per row). Each element is
/// then v = x · 2³² / D rounded half away from zero — the normalized value in units of 2⁻¹⁶ — and requantized to the output
/// (multiplier 2⁻¹⁶ / output scale). A row whose divisor is 0 is copied, requantized from the input's grid to the
/// output's, as the float step copies it. The arithmetic is written once per flavour below (.NET spans, nanoFramework
/// arrays), the same statements, and tested bit for bit against each other.
/// </summary>
public sealed class NormalizerInt8 : Int8Kernel
{
    /// <summary>Most columns a row may have: Σx² of 255² per column stays below 2³¹, so D's square root (of d · 2³²) fits 63 bits.</summary>
    public const int MaxColumns = 32767;

    public NormalizerInt8(string source, ArenaSlice input, ArenaSlice output, int rows, int columns, Norm norm, int inputZeroPoint,
        int multiplier, int shift, int copyMultiplier, int copyShift, int outputZeroPoint) : base(source)
    {
        Input = input;
        Output = output;
        Rows = rows;
        Columns = columns;
        Norm = norm;
        InputZeroPoint = inputZeroPoint;
        Multiplier = multiplier;
        Shift = shift;
        CopyMultiplier = copyMultiplier;
        CopyShift = copyShift;
        OutputZeroPoint = outputZeroPoint;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Columns { get; }
    public Norm Norm { get; }
    public int InputZeroPoint { get; }
    /// <summary>Q31 multiplier and shift of 2⁻¹⁶ / output scale: a normalized value in units of 2⁻¹⁶ to output steps.</summary>
    public int Multiplier { get; }
    public int Shift { get; }
    /// <summary>Q31 multiplier and shift of input scale / output scale, for rows copied (divisor 0).</summary>
    public int CopyMultiplier { get; }
    public int CopyShift { get; }
    public int OutputZeroPoint { get; }

    public static NormalizerInt8 From(NormalizerFloat normalizer, QuantizationContext q)
    {
        if (normalizer.Columns > MaxColumns)
            throw new BakeException(ErrorCodes.NormalizerRowTooLong,
                $"Node {normalizer.Source}: its rows have {normalizer.Columns} columns; the int8 Normalizer sums squares of int8 values in 32 bits, " +
                $"which holds rows of at most {MaxColumns}. Bake the model with Precision=\"Float32\", or normalize shorter rows.");
        var input = q.Parameters(normalizer.Input);
        var output = q.Parameters(normalizer.Output);
        var (multiplier, shift) = QuantizeMultiplier(1.0 / 65536 / output.Scale);
        var (copyMultiplier, copyShift) = QuantizeMultiplier(input.Scale / output.Scale);
        return new NormalizerInt8(normalizer.Source, q.Slice(normalizer.Input), q.Slice(normalizer.Output), normalizer.Rows, normalizer.Columns,
            normalizer.Norm, input.ZeroPoint, multiplier, shift, copyMultiplier, copyShift, output.ZeroPoint);
    }

    public override KernelKind Kind => KernelKind.NormalizerInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(NormalizerInt8), nameof(NormalizerInt8) + "#Divisor", nameof(FixedPoint) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(NormalizerInt8) + "#Nano", nameof(NormalizerInt8) + "#Divisor", nameof(FixedPoint) };

    public override void Run(PlanArena arena) =>
        Normalize(arena.Int8s(Input), Rows, Columns, (int)Norm, InputZeroPoint, Multiplier, Shift, CopyMultiplier, CopyShift, OutputZeroPoint, arena.Int8s(Output));

    // <emit Divisor>
    /// <summary>
    /// The int8 Normalizer's divisor in units of 2⁻¹⁶ from a row's max (norm 0), Σ|x| (1) or Σx² (2): d · 2¹⁶, or for L2
    /// ⌊√(d · 2³²)⌋ by the bitwise integer square root. Shared by both flavours; called once per row.
    /// </summary>
    public static long NormalizerDivisor(long d, int norm)
    {
        if (norm != 2) return d << 16;
        long n = d << 32, root = 0, bit = 1L << 62;
        while (bit > n) bit >>= 2;
        while (bit != 0)
        {
            if (n >= root + bit)
            {
                n -= root + bit;
                root = (root >> 1) + bit;
            }
            else root >>= 1;
            bit >>= 2;
        }
        return root;
    }
    // </emit>

    // <emit>
    /// <summary>
    /// Int8 rows of [rows, columns] divided by their max (norm 0), L1 (1) or L2 (2) norm: x = q − inputZeroPoint, the divisor
    /// D from NormalizerDivisor, v = x · 2³² / D rounded half away from zero, requantized; a row of divisor 0 is requantized as it is.
    /// </summary>
    public static void Normalize(ReadOnlySpan<sbyte> input, int rows, int columns, int norm, int inputZeroPoint, int multiplier, int shift,
        int copyMultiplier, int copyShift, int outputZeroPoint, Span<sbyte> output)
    {
        for (int r = 0, start = 0; r < rows; r++, start += columns)
        {
            long d = norm == 0 ? long.MinValue : 0;
            for (int c = start; c < start + columns; c++)
            {
                long x = input[c] - inputZeroPoint;
                d = norm == 0 ? (x > d ? x : d) : norm == 1 ? d + (x < 0 ? -x : x) : d + x * x;
            }
            if (d == 0)
            {
                for (int c = start; c < start + columns; c++)
                    output[c] = Requantize(input[c] - inputZeroPoint, copyMultiplier, copyShift, outputZeroPoint, -128, 127);
                continue;
            }
            long divisor = NormalizerDivisor(d < 0 ? -d : d, norm), half = divisor >> 1;
            for (int c = start; c < start + columns; c++)
            {
                long scaled = (long)(input[c] - inputZeroPoint) << 32;
                if (d < 0) scaled = -scaled;
                long v = scaled >= 0 ? (scaled + half) / divisor : -((half - scaled) / divisor);
                output[c] = Requantize((int)v, multiplier, shift, outputZeroPoint, -128, 127);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Normalize on arrays: the same statements as the .NET flavour's, rows of <paramref name="columns"/> from the offsets.</summary>
    public static void Normalize(sbyte[] input, int inputOffset, int rows, int columns, int norm, int inputZeroPoint, int multiplier, int shift,
        int copyMultiplier, int copyShift, int outputZeroPoint, sbyte[] output, int outputOffset)
    {
        for (int r = 0, start = 0; r < rows; r++, start += columns)
        {
            long d = norm == 0 ? long.MinValue : 0;
            for (int c = start; c < start + columns; c++)
            {
                long x = input[inputOffset + c] - inputZeroPoint;
                d = norm == 0 ? (x > d ? x : d) : norm == 1 ? d + (x < 0 ? -x : x) : d + x * x;
            }
            if (d == 0)
            {
                for (int c = start; c < start + columns; c++)
                    output[outputOffset + c] = Requantize(input[inputOffset + c] - inputZeroPoint, copyMultiplier, copyShift, outputZeroPoint, -128, 127);
                continue;
            }
            long divisor = NormalizerDivisor(d < 0 ? -d : d, norm), half = divisor >> 1;
            for (int c = start; c < start + columns; c++)
            {
                long scaled = (long)(input[inputOffset + c] - inputZeroPoint) << 32;
                if (d < 0) scaled = -scaled;
                long v = scaled >= 0 ? (scaled + half) / divisor : -((half - scaled) / divisor);
                output[outputOffset + c] = Requantize((int)v, multiplier, shift, outputZeroPoint, -128, 127);
            }
        }
    }
    // </emit>

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"Normalize({Input.NanoArguments(code)}, rows: {Rows}, columns: {Columns}, norm: {(int)Norm} /* {Norm} */, inputZeroPoint: {InputZeroPoint},")
            .Line($"    {Arguments}, {Output.NanoArguments(code)});");

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Normalize({Input.Expression(code)}, rows: {Rows}, columns: {Columns}, norm: {(int)Norm} /* {Norm} */, inputZeroPoint: {InputZeroPoint},")
            .Line($"    {Arguments}, {Output.Expression(code)});");

    private string Arguments =>
        $"multiplier: {Multiplier}, shift: {Shift}, copyMultiplier: {CopyMultiplier}, copyShift: {CopyShift}, outputZeroPoint: {OutputZeroPoint}";

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Rows); w.Int(Columns); w.Byte((byte)Norm); w.Int(InputZeroPoint);
        w.Int(Multiplier); w.Int(Shift); w.Int(CopyMultiplier); w.Int(CopyShift); w.Int(OutputZeroPoint);
    }

    public static NormalizerInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), (Norm)r.Byte(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int());

    public override void EmitData(CodeWriter code, string name) { }
}
