using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Int8 log-softmax over groups of <c>size</c> elements <c>inner</c> apart ([outer, size, inner]), integer-only.
/// With d = max − q (0…255) and s the input scale, log_softmax = −s · d − ln Σ e^(−s · d). At bake time:
/// <list type="bullet">
/// <item>ExpTable: round(2^20 · e^(−s · d)) split in two 16-entry factors, as <see cref="SoftmaxInt8"/>; the group's sum S
/// is an integer ≥ 2^20;</item>
/// <item>DiffStep = s in output units, Q16: −s · d is −d · DiffStep (clamped at −512 units: anything below saturates
/// anyway), one integer instead of a 256-entry table;</item>
/// <item>Log2Table[m] = log2(1 + m / 256), Q16, for m = 0…256.</item>
/// </list>
/// At run time ln(S / 2^20) = ln 2 · (log2 S − 20) with log2 S = its highest set bit plus Log2Table of the next eight
/// bits (rounded), so the whole step is table look-ups, shifts and integer multiplies (error below 0.04 output units
/// from the logarithm). Tables: 128 + 1,028 bytes (they were 3,076 with 256-entry exp and difference tables). Output quantization is fixed, as TensorFlow Lite's: scale 16/256, zero point 127 (reals in
/// [−15.94, 0]).
/// </summary>
public sealed class LogSoftmaxInt8 : Int8Kernel
{
    public const double OutputScale = 16.0 / 256;
    public const int OutputZeroPoint = 127;
    /// <summary>round(ln 2 / OutputScale · 2^16): converts a Q16 log2 into Q16 output units.</summary>
    public const long LnTwoInOutputUnits = 726817;

    public LogSoftmaxInt8(string source, int outer, int size, int inner, int[] expTable, long diffStep, int[] log2Table,
        ArenaSlice input, ArenaSlice output) : base(source)
    {
        Outer = outer;
        Size = size;
        Inner = inner;
        ExpTable = expTable;
        DiffStep = diffStep;
        Log2Table = log2Table;
        Input = input;
        Output = output;
    }

    public int Outer { get; }
    public int Size { get; }
    public int Inner { get; }
    public int[] ExpTable { get; }
    /// <summary>round(s / OutputScale · 2^16): one step of the input in output units, Q16.</summary>
    public long DiffStep { get; }
    public int[] Log2Table { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    public override KernelKind Kind => KernelKind.LogSoftmaxInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (ExpTable.Length + Log2Table.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(LogSoftmaxInt8) };

    public static LogSoftmaxInt8 From(SoftmaxFloat softmax, QuantizationContext q)
    {
        double scale = q.Parameters(softmax.Input).Scale;
        q.Fix(softmax.Output, new QuantizationParameters(OutputScale, OutputZeroPoint));
        long diffStep = (long)Math.Round(scale / OutputScale * 65536);
        var log2 = new int[257];
        for (int m = 0; m <= 256; m++) log2[m] = (int)Math.Round(Math.Log(1 + m / 256.0) / Math.Log(2) * 65536);
        return new LogSoftmaxInt8(softmax.Source, softmax.Outer, softmax.Size, softmax.Inner, SoftmaxInt8.Tabulate(scale), diffStep, log2,
            q.Slice(softmax.Input), q.Slice(softmax.Output));
    }

    public override void Run(PlanArena arena) =>
        LogSoftmax(arena.Int8s(Input), Outer, Size, Inner, ExpTable, DiffStep, Log2Table, arena.Int8s(Output));

    // <emit>
    /// <summary>Int8 log-softmax of each group of <c>size</c> elements <c>inner</c> apart; output scale 16/256, zero point 127.</summary>
    public static void LogSoftmax(ReadOnlySpan<sbyte> input, int outer, int size, int inner,
        ReadOnlySpan<int> expTable, long diffStep, ReadOnlySpan<int> log2Table, Span<sbyte> output)
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
            // log2(sum) in Q16: the highest set bit, then the next eight bits (rounded) through the table.
            int high = 0;
            while ((sum >> (high + 1)) != 0) high++;
            int mantissa = (int)((((sum - (1L << high)) << 8) + (1L << (high - 1))) >> high);
            long log2Sum = ((long)high << 16) + log2Table[mantissa];
            // ln(sum / 2^20) in Q16 output units, rounded.
            long lnSum = ((log2Sum - (20L << 16)) * 726817 + (1L << 15)) >> 16;
            for (int j = 0; j < size; j++)
            {
                long diff = (max - input[start + j * inner]) * diffStep;
                long value = 127 + (((diff > (512L << 16) ? -(512L << 16) : -diff) - lnSum + (1L << 15)) >> 16);
                output[start + j * inner] = (sbyte)(value < -128 ? -128 : value > 127 ? 127 : value);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Int8 log-softmax on arrays; output scale 16/256, zero point 127.</summary>
    public static void LogSoftmax(sbyte[] input, int inputOffset, int outer, int size, int inner,
        int[] expTable, long diffStep, int[] log2Table, sbyte[] output, int outputOffset)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = inputOffset + o * size * inner + n;
            int max = -128;
            for (int j = 0; j < size; j++) if (input[start + j * inner] > max) max = input[start + j * inner];
            long sum = 0;
            for (int j = 0; j < size; j++)
            {
                int d = max - input[start + j * inner];
                sum += (expTable[16 + (d >> 4)] * (long)expTable[d & 15] + (1L << 19)) >> 20;
            }
            int high = 0;
            while ((sum >> (high + 1)) != 0) high++;
            int mantissa = (int)((((sum - (1L << high)) << 8) + (1L << (high - 1))) >> high);
            long log2Sum = ((long)high << 16) + log2Table[mantissa];
            long lnSum = ((log2Sum - (20L << 16)) * 726817 + (1L << 15)) >> 16;
            for (int j = 0; j < size; j++)
            {
                long diff = (max - input[start + j * inner]) * diffStep;
                long value = 127 + (((diff > (512L << 16) ? -(512L << 16) : -diff) - lnSum + (1L << 15)) >> 16);
                output[outputOffset - inputOffset + start + j * inner] = (sbyte)(value < -128 ? -128 : value > 127 ? 127 : value);
            }
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(LogSoftmaxInt8) + "#Nano" };

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"LogSoftmax({Input.NanoArguments(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, {name}ExpTable, diffStep: {DiffStep}, {name}Log2Table, {Output.NanoArguments(code)});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Outer); w.Int(Size); w.Int(Inner); w.Ints(ExpTable); w.Long(DiffStep); w.Ints(Log2Table); w.Slice(Input); w.Slice(Output);
    }

    public static LogSoftmaxInt8 Read(PlanBinaryReader r, string source)
    {
        var kernel = new LogSoftmaxInt8(source, r.Int(), r.Int(), r.Int(), r.Ints(), r.Long(), r.Ints(), r.Slice(), r.Slice());
        if (kernel.ExpTable.Length != SoftmaxInt8.TableLength) throw new System.IO.InvalidDataException($"a LogSoftmaxInt8 exp table of {kernel.ExpTable.Length} entries (expected {SoftmaxInt8.TableLength})");
        return kernel;
    }

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"LogSoftmax({Input.Expression(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, {name}ExpTable, diffStep: {DiffStep}, {name}Log2Table, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}ExpTable", ExpTable, "round(2^20 · exp(−input scale · l)) for l in 0…15, then round(2^20 · exp(−input scale · 16h)) for h in 0…15");
        EmitArrays.Ints(code, $"{name}Log2Table", Log2Table, "log2(1 + m / 256) in Q16 for m = 0…256");
    }
}
