using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Int8 softmax over groups of <c>size</c> elements <c>inner</c> apart ([outer, size, inner], as
/// <see cref="SoftmaxFloat"/>). exp(−scale · d) for d = max − q (always 0…255) comes from two 16-entry tables of
/// 2^20-scaled integers built at bake time, as exp(−scale · 16h) · exp(−scale · l) for d = 16h + l, so run time is
/// integer-only and the tables cost 128 bytes (one 256-entry table cost 1,024, a fifth of a small MLP's baked bytes:
/// issue 16, item 8). Output quantization is fixed, as in TensorFlow Lite: scale 1/256, zero point −128.
/// </summary>
public sealed class SoftmaxInt8 : Int8Kernel
{
    public const double OutputScale = 1.0 / 256;
    public const int OutputZeroPoint = -128;
    private const int TableOne = 1 << 20;

    public SoftmaxInt8(string source, int outer, int size, int inner, int[] expTable, ArenaSlice input, ArenaSlice output) : base(source)
    {
        Outer = outer;
        Size = size;
        Inner = inner;
        ExpTable = expTable;
        Input = input;
        Output = output;
    }

    public int Outer { get; }
    public int Size { get; }
    public int Inner { get; }
    /// <summary>
    /// ExpTable[l] = round(2^20 · exp(−inputScale · l)) and ExpTable[16 + h] = round(2^20 · exp(−inputScale · 16h)) for
    /// l, h in 0…15; <see cref="Exp"/> multiplies them back together.
    /// </summary>
    public int[] ExpTable { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    public override KernelKind Kind => KernelKind.SoftmaxInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * ExpTable.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(SoftmaxInt8) };

    public static SoftmaxInt8 From(SoftmaxFloat softmax, QuantizationContext q)
    {
        var input = q.Parameters(softmax.Input);
        q.Fix(softmax.Output, new QuantizationParameters(OutputScale, OutputZeroPoint));
        return new SoftmaxInt8(softmax.Source, softmax.Outer, softmax.Size, softmax.Inner, Tabulate(input.Scale),
            q.Slice(softmax.Input), q.Slice(softmax.Output));
    }

    /// <summary>Entries in the split exp table: 16 for the low four bits of d, 16 for the high four.</summary>
    public const int TableLength = 32;

    public static int[] Tabulate(double inputScale)
    {
        var table = new int[TableLength];
        for (int i = 0; i < 16; i++)
        {
            table[i] = (int)Math.Round(TableOne * Math.Exp(-inputScale * i));
            table[16 + i] = (int)Math.Round(TableOne * Math.Exp(-inputScale * 16 * i));
        }
        return table;
    }

    /// <summary>
    /// round(2^20 · exp(−inputScale · d)) for d in 0…255, from the split table: the product of its two factors, each
    /// rounded to 2^−20, rounded again (within 2^−20 of the direct value, against an output step of 2^−8). The kernels
    /// below inline the same expression, so every flavour computes the same integers.
    /// </summary>
    public static long Exp(ReadOnlySpan<int> expTable, int d) => (expTable[16 + (d >> 4)] * (long)expTable[d & 15] + (1L << 19)) >> 20;

    public override void Run(PlanArena arena) =>
        Softmax(arena.Int8s(Input), Outer, Size, Inner, ExpTable, arena.Int8s(Output));

    // <emit>
    /// <summary>Int8 softmax of each group of <c>size</c> elements <c>inner</c> apart; output scale 1/256, zero point −128.</summary>
    public static void Softmax(ReadOnlySpan<sbyte> input, int outer, int size, int inner, ReadOnlySpan<int> expTable, Span<sbyte> output)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = o * size * inner + n;
            int max = -128;
            for (int j = 0; j < size; j++) if (input[start + j * inner] > max) max = input[start + j * inner];
            long sum = 0;
            for (int j = 0; j < size; j++)
            {
                int d = max - input[start + j * inner];
                sum += (expTable[16 + (d >> 4)] * (long)expTable[d & 15] + (1L << 19)) >> 20;
            }
            for (int j = 0; j < size; j++)
            {
                int d = max - input[start + j * inner];
                long scaled = (((expTable[16 + (d >> 4)] * (long)expTable[d & 15] + (1L << 19)) >> 20) * 256L + sum / 2) / sum;
                long value = scaled - 128;
                output[start + j * inner] = (sbyte)(value > 127 ? 127 : value);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Int8 softmax on arrays; output scale 1/256, zero point −128.</summary>
    public static void Softmax(sbyte[] input, int inputOffset, int outer, int size, int inner, int[] expTable, sbyte[] output, int outputOffset)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = o * size * inner + n;
            int max = -128;
            for (int j = 0; j < size; j++) if (input[inputOffset + start + j * inner] > max) max = input[inputOffset + start + j * inner];
            long sum = 0;
            for (int j = 0; j < size; j++)
            {
                int d = max - input[inputOffset + start + j * inner];
                sum += (expTable[16 + (d >> 4)] * (long)expTable[d & 15] + (1L << 19)) >> 20;
            }
            for (int j = 0; j < size; j++)
            {
                int d = max - input[inputOffset + start + j * inner];
                long scaled = (((expTable[16 + (d >> 4)] * (long)expTable[d & 15] + (1L << 19)) >> 20) * 256L + sum / 2) / sum;
                long value = scaled - 128;
                output[outputOffset + start + j * inner] = (sbyte)(value > 127 ? 127 : value);
            }
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(SoftmaxInt8) + "#Nano" };

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"Softmax({Input.NanoArguments(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, {name}ExpTable, {Output.NanoArguments(code)});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Outer); w.Int(Size); w.Int(Inner); w.Ints(ExpTable); w.Slice(Input); w.Slice(Output);
    }

    public static SoftmaxInt8 Read(PlanBinaryReader r, string source)
    {
        var kernel = new SoftmaxInt8(source, r.Int(), r.Int(), r.Int(), r.Ints(), r.Slice(), r.Slice());
        if (kernel.ExpTable.Length != TableLength) throw new System.IO.InvalidDataException($"a SoftmaxInt8 exp table of {kernel.ExpTable.Length} entries (expected {TableLength})");
        return kernel;
    }

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Softmax({Input.Expression(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, {name}ExpTable, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) =>
        EmitArrays.Ints(code, $"{name}ExpTable", ExpTable, "round(2^20 · exp(−input scale · l)) for l in 0…15, then round(2^20 · exp(−input scale · 16h)) for h in 0…15");
}
