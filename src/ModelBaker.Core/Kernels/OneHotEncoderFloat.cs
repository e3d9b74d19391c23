using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ai.onnx.ml OneHotEncoder on int64 values: each value becomes a row of <c>categories.Length</c> floats, 1 in the column
/// of its category (the last one listed, as ONNX Runtime's map keeps it) and 0 elsewhere. A value of no category gives
/// a row of zeros (zeros = 1) or throws (zeros = 0, where ONNX Runtime fails). In an int8 plan the same step writes int8
/// rows on the exact grid of {0, 1} (scale 1/255, zero point −128: 0 is −128, 1 is 127), in both flavours.
/// </summary>
public sealed class OneHotEncoderFloat : FloatKernel
{
    public OneHotEncoderFloat(string source, ArenaSlice input, ArenaSlice output, long[] categories, bool zeros) : base(source)
    {
        Input = input;
        Output = output;
        Categories = categories;
        Zeros = zeros;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public long[] Categories { get; }
    public bool Zeros { get; }

    /// <summary>The grid of an int8 one-hot row: 0 and 1 exactly.</summary>
    public static readonly QuantizationParameters Int8Grid = new(1 / 255.0, -128);

    /// <summary>The same step writing int8 rows on <see cref="Int8Grid"/>.</summary>
    public override Kernel Quantize(QuantizationContext q)
    {
        q.Fix(Output, Int8Grid);
        return new OneHotEncoderFloat(Source, Input, q.Slice(Output), Categories, Zeros);
    }

    private bool Int8 => Output.Type == ElementType.Int8;

    public override KernelKind Kind => KernelKind.OneHotEncoderFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 8 * Categories.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(OneHotEncoderFloat) };

    public override void Run(PlanArena arena)
    {
        if (Int8) OneHotEncode(arena.Of<long>(Input), Categories, Zeros, (sbyte)-128, (sbyte)127, arena.Int8s(Output));
        else OneHotEncode(arena.Of<long>(Input), Categories, Zeros, 0f, 1f, arena.Floats(Output));
    }

    // <emit>
    /// <summary>
    /// One row per value: on in the column of its category (the last listed), off elsewhere; no category: a row of off, or
    /// throws unless zeros. Float rows (0, 1) and int8 rows (−128, 127).
    /// </summary>
    public static void OneHotEncode<T>(ReadOnlySpan<long> input, ReadOnlySpan<long> categories, bool zeros, T off, T on, Span<T> output)
    {
        output.Fill(off);
        for (int i = 0; i < input.Length; i++)
        {
            int column = categories.LastIndexOf(input[i]);
            if (column >= 0) output[i * categories.Length + column] = on;
            else if (!zeros) throw new ArgumentOutOfRangeException(nameof(input), "OneHotEncoder: " + input[i] + " is no category, and the model sets zeros = 0.");
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>OneHotEncode on arrays, int8 rows: 127 in the column of the value's category (the last listed), −128 elsewhere.</summary>
    public static void OneHotEncode(long[] input, int inputOffset, int length, long[] categories, bool zeros, sbyte[] output, int outputOffset)
    {
        int columns = categories.Length;
        for (int i = 0, row = outputOffset; i < length; i++, row += columns)
        {
            long value = input[inputOffset + i];
            int column = columns - 1;
            while (column >= 0 && categories[column] != value) column--;
            for (int c = 0; c < columns; c++) output[row + c] = c == column ? (sbyte)127 : (sbyte)-128;
            if (column < 0 && !zeros) throw new ArgumentOutOfRangeException("input", "OneHotEncoder: " + value.ToString() + " is no category, and the model sets zeros = 0.");
        }
    }
    // </emit>

    public override IEnumerable<string>? NanoHelpers => Int8 ? new[] { nameof(OneHotEncoderFloat) + "#Nano" } : null;

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"OneHotEncode({Input.NanoArguments(code)}, length: {Input.Length}, {name}Categories, zeros: {(Zeros ? "true" : "false")}, {Output.NanoArguments(code)});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); ClassicalSteps.WriteClasses(w, Categories); w.Byte(Zeros ? (byte)1 : (byte)0);
    }

    public static OneHotEncoderFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), (long[])ClassicalSteps.ReadClasses(r), r.Byte() == 1);

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"OneHotEncode({Input.Expression(code)}, {name}Categories, zeros: {(Zeros ? "true" : "false")}, " +
                  (Int8 ? "off: (sbyte)-128, on: (sbyte)127" : "off: 0f, on: 1f") + $", {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) => EmitArrays.Longs(code, $"{name}Categories", Categories, "category of each column");
}
