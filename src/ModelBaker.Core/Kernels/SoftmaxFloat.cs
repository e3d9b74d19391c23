using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>Float softmax over the last axis of a [rows, columns] view, max-subtracted for stability.</summary>
public sealed class SoftmaxFloat : FloatKernel
{
    public SoftmaxFloat(string source, int rows, int columns, ArenaSlice input, ArenaSlice output) : base(source)
    {
        Rows = rows;
        Columns = columns;
        Input = input;
        Output = output;
    }

    public int Rows { get; }
    public int Columns { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    public override Kernel Quantize(Compression.QuantizationContext context) => SoftmaxInt8.From(this, context);

    public override KernelKind Kind => KernelKind.SoftmaxFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(SoftmaxFloat) };

    public override void Run(PlanArena arena) =>
        Softmax(arena.Floats(Input), Rows, Columns, arena.Floats(Output));

    // <emit>
    /// <summary>Float softmax of each row.</summary>
    public static void Softmax(ReadOnlySpan<float> input, int rows, int columns, Span<float> output)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = input.Slice(r * columns, columns);
            Span<float> result = output.Slice(r * columns, columns);
            float max = float.NegativeInfinity;
            for (int c = 0; c < columns; c++) if (row[c] > max) max = row[c];
            float sum = 0f;
            for (int c = 0; c < columns; c++)
            {
                result[c] = (float)Math.Exp(row[c] - max);
                sum += result[c];
            }
            for (int c = 0; c < columns; c++) result[c] /= sum;
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Rows); w.Int(Columns); w.Slice(Input); w.Slice(Output);
    }

    public static SoftmaxFloat Read(PlanBinaryReader r, string source) => new(source, r.Int(), r.Int(), r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Softmax({Input.Expression()}, rows: {Rows}, columns: {Columns}, {Output.Expression()});");

    public override void EmitData(CodeWriter code, string name) { }
}
