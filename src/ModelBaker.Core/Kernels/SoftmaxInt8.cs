using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Int8 softmax over groups of <c>size</c> elements <c>inner</c> apart ([outer, size, inner], as
/// <see cref="SoftmaxFloat"/>). exp(−scale · (max − q)) comes from a table of 2^20-scaled integers built at bake
/// time (the difference max − q is always in 0…255), so run time is integer-only. Output quantization is fixed,
/// as in TensorFlow Lite: scale 1/256, zero point −128.
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
    /// <summary>ExpTable[d] = round(2^20 · exp(−inputScale · d)).</summary>
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

    public static int[] Tabulate(double inputScale)
    {
        var table = new int[256];
        for (int d = 0; d < 256; d++) table[d] = (int)Math.Round(TableOne * Math.Exp(-inputScale * d));
        return table;
    }

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
            for (int j = 0; j < size; j++) sum += expTable[max - input[start + j * inner]];
            for (int j = 0; j < size; j++)
            {
                long scaled = (expTable[max - input[start + j * inner]] * 256L + sum / 2) / sum;
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
            for (int j = 0; j < size; j++) sum += expTable[max - input[inputOffset + start + j * inner]];
            for (int j = 0; j < size; j++)
            {
                long scaled = (expTable[max - input[inputOffset + start + j * inner]] * 256L + sum / 2) / sum;
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

    public static SoftmaxInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Int(), r.Int(), r.Int(), r.Ints(), r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Softmax({Input.Expression(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, {name}ExpTable, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) =>
        EmitArrays.Ints(code, $"{name}ExpTable", ExpTable, "round(2^20 · exp(−input scale · d)) for d = max − q in 0…255");
}
