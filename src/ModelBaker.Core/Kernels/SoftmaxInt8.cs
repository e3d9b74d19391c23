using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Compression;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Int8 softmax over the last axis of a [rows, columns] view. exp(−scale · (max − q)) comes from a table
/// of 2^20-scaled integers built at bake time (the difference max − q is always in 0…255), so run time is
/// integer-only. Output quantization is fixed, as in TensorFlow Lite: scale 1/256, zero point −128.
/// </summary>
public sealed class SoftmaxInt8 : Int8Kernel
{
    public const double OutputScale = 1.0 / 256;
    public const int OutputZeroPoint = -128;
    private const int TableOne = 1 << 20;

    public SoftmaxInt8(string source, int rows, int columns, int[] expTable, ArenaSlice input, ArenaSlice output) : base(source)
    {
        Rows = rows;
        Columns = columns;
        ExpTable = expTable;
        Input = input;
        Output = output;
    }

    public int Rows { get; }
    public int Columns { get; }
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
        return new SoftmaxInt8(softmax.Source, softmax.Rows, softmax.Columns, Tabulate(input.Scale), q.Slice(softmax.Input), q.Slice(softmax.Output));
    }

    public static int[] Tabulate(double inputScale)
    {
        var table = new int[256];
        for (int d = 0; d < 256; d++) table[d] = (int)Math.Round(TableOne * Math.Exp(-inputScale * d));
        return table;
    }

    public override void Run(PlanArena arena) =>
        Softmax(arena.Int8s(Input), Rows, Columns, ExpTable,
            arena.Int8s(Output));

    // <emit>
    /// <summary>Int8 softmax of each row; output scale 1/256, zero point −128.</summary>
    public static void Softmax(ReadOnlySpan<sbyte> input, int rows, int columns, ReadOnlySpan<int> expTable, Span<sbyte> output)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<sbyte> row = input.Slice(r * columns, columns);
            int max = -128;
            for (int c = 0; c < columns; c++) if (row[c] > max) max = row[c];
            long sum = 0;
            for (int c = 0; c < columns; c++) sum += expTable[max - row[c]];
            for (int c = 0; c < columns; c++)
            {
                long scaled = (expTable[max - row[c]] * 256L + sum / 2) / sum;
                long value = scaled - 128;
                output[r * columns + c] = (sbyte)(value > 127 ? 127 : value);
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Rows); w.Int(Columns); w.Ints(ExpTable); w.Slice(Input); w.Slice(Output);
    }

    public static SoftmaxInt8 Read(PlanBinaryReader r, string source) => new(source, r.Int(), r.Int(), r.Ints(), r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Softmax({Input.Expression()}, rows: {Rows}, columns: {Columns}, {name}ExpTable, {Output.Expression()});");

    public override void EmitData(CodeWriter code, string name) =>
        EmitArrays.Ints(code, $"{name}ExpTable", ExpTable, "round(2^20 · exp(−input scale · d)) for d = max − q in 0…255");
}
