using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>The <c>norm</c> of ai.onnx.ml Normalizer.</summary>
public enum Norm : byte
{
    Max = 0,
    L1 = 1,
    L2 = 2,
}

/// <summary>
/// ai.onnx.ml Normalizer on [rows, columns]: each row divided by its maximum (MAX), the sum of its absolute values (L1),
/// or its Euclidean length (L2, as ONNX Runtime computes it: sign(x) · √(x² / Σx²)); a row whose divisor is 0 is copied.
/// </summary>
public sealed class NormalizerFloat : FloatKernel
{
    public NormalizerFloat(string source, ArenaSlice input, ArenaSlice output, int rows, int columns, Norm norm) : base(source)
    {
        Input = input;
        Output = output;
        Rows = rows;
        Columns = columns;
        Norm = norm;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Columns { get; }
    public Norm Norm { get; }

    /// <summary>The integer Normalizer (<see cref="NormalizerInt8"/>).</summary>
    public override Kernel Quantize(QuantizationContext context) => NormalizerInt8.From(this, context);

    public override KernelKind Kind => KernelKind.NormalizerFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(NormalizerFloat) };

    public override void Run(PlanArena arena) => Normalize(arena.Floats(Input), Rows, Columns, (int)Norm, arena.Floats(Output));

    // <emit>
    /// <summary>Each row of [rows, columns] divided by its max (norm 0), L1 norm (1) or L2 norm (2); rows whose divisor is 0 are copied.</summary>
    public static void Normalize(ReadOnlySpan<float> input, int rows, int columns, int norm, Span<float> output)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * columns, columns);
            Span<float> y = output.Slice(r * columns, columns);
            float divisor = norm == 0 ? float.MinValue : 0f;
            for (int c = 0; c < columns; c++)
                divisor = norm == 0 ? (divisor < x[c] ? x[c] : divisor) : norm == 1 ? divisor + Math.Abs(x[c]) : divisor + x[c] * x[c];
            for (int c = 0; c < columns; c++)
                y[c] = divisor == 0f ? x[c]
                    : norm != 2 ? x[c] / divisor
                    : x[c] < 0 ? -(float)Math.Sqrt(x[c] * x[c] / divisor) : (float)Math.Sqrt(x[c] * x[c] / divisor);
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Rows); w.Int(Columns); w.Byte((byte)Norm);
    }

    public static NormalizerFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), (Norm)r.Byte());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Normalize({Input.Expression(code)}, rows: {Rows}, columns: {Columns}, norm: {(int)Norm} /* {Norm} */, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
