using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ai.onnx.ml's SOFTMAX_ZERO post transform on int8 scores, [rows, columns]: a score whose value is zero (|x| ≤ 10⁻⁷, as
/// ONNX Runtime tests it: the int8 values in [<see cref="ZeroLow"/>, <see cref="ZeroHigh"/>]) stays 0 and is left out of
/// the sum; the others are a softmax among themselves, with <see cref="SoftmaxInt8"/>'s split exp table and arithmetic
/// (softmax is unchanged by the shift, so the largest non-zero score is the reference). Output scale 1/256, zero point −128,
/// as SoftmaxInt8. A row of zeros, 0/0 (NaN) in float, gives zeros.
/// </summary>
public sealed class SoftmaxZeroInt8 : Int8Kernel
{
    public SoftmaxZeroInt8(string source, int rows, int columns, int zeroLow, int zeroHigh, int[] expTable, ArenaSlice input, ArenaSlice output)
        : base(source)
    {
        if (expTable.Length != SoftmaxInt8.TableLength) throw new ArgumentException($"An exp table of {SoftmaxInt8.TableLength} entries.", nameof(expTable));
        Rows = rows;
        Columns = columns;
        ZeroLow = zeroLow;
        ZeroHigh = zeroHigh;
        ExpTable = expTable;
        Input = input;
        Output = output;
    }

    public int Rows { get; }
    public int Columns { get; }
    /// <summary>The int8 scores whose value ONNX Runtime counts as zero: ZeroLow…ZeroHigh (empty when ZeroLow &gt; ZeroHigh).</summary>
    public int ZeroLow { get; }
    public int ZeroHigh { get; }
    /// <summary>As <see cref="SoftmaxInt8.ExpTable"/>.</summary>
    public int[] ExpTable { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    public static SoftmaxZeroInt8 From(ScoreTransformFloat transform, QuantizationContext q)
    {
        var input = q.Parameters(transform.Input);
        q.Fix(transform.Output, new QuantizationParameters(SoftmaxInt8.OutputScale, SoftmaxInt8.OutputZeroPoint));
        int low = 128, high = -129;
        for (int v = -128; v <= 127; v++)
        {
            float x = FixedPoint.Dequantize((sbyte)v, input.Scale, input.ZeroPoint);
            if (x <= 0.0000001f && x >= -0.0000001f) { low = Math.Min(low, v); high = Math.Max(high, v); }
        }
        return new SoftmaxZeroInt8(transform.Source, transform.Rows, transform.Columns, low, high, SoftmaxInt8.Tabulate(input.Scale),
            q.Slice(transform.Input), q.Slice(transform.Output));
    }

    public override KernelKind Kind => KernelKind.SoftmaxZeroInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * ExpTable.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(SoftmaxZeroInt8) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(SoftmaxZeroInt8) + "#Nano" };

    public override void Run(PlanArena arena) =>
        SoftmaxZero(arena.Int8s(Input), Rows, Columns, ZeroLow, ZeroHigh, ExpTable, arena.Int8s(Output));

    // <emit>
    /// <summary>Int8 softmax of each row's non-zero scores (outside zeroLow…zeroHigh); zeros stay 0. Output scale 1/256, zero point −128.</summary>
    public static void SoftmaxZero(ReadOnlySpan<sbyte> input, int rows, int columns, int zeroLow, int zeroHigh, ReadOnlySpan<int> expTable,
        Span<sbyte> output)
    {
        for (int r = 0; r < rows; r++)
        {
            int start = r * columns, max = -129;
            for (int j = start; j < start + columns; j++)
                if ((input[j] < zeroLow || input[j] > zeroHigh) && input[j] > max) max = input[j];
            long sum = 0;
            for (int j = start; j < start + columns; j++)
            {
                if (input[j] >= zeroLow && input[j] <= zeroHigh) continue;
                int d = max - input[j];
                sum += (expTable[16 + (d >> 4)] * (long)expTable[d & 15] + (1L << 19)) >> 20;
            }
            for (int j = start; j < start + columns; j++)
            {
                long value = -128;
                if (input[j] < zeroLow || input[j] > zeroHigh)
                {
                    int d = max - input[j];
                    value = ((((expTable[16 + (d >> 4)] * (long)expTable[d & 15] + (1L << 19)) >> 20) * 256L + sum / 2) / sum) - 128;
                }
                output[j] = (sbyte)(value > 127 ? 127 : value);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Int8 softmax of each row's non-zero scores, on arrays; zeros stay 0. Output scale 1/256, zero point −128.</summary>
    public static void SoftmaxZero(sbyte[] input, int inputOffset, int rows, int columns, int zeroLow, int zeroHigh, int[] expTable,
        sbyte[] output, int outputOffset)
    {
        for (int r = 0; r < rows; r++)
        {
            int start = inputOffset + r * columns, max = -129;
            for (int j = start; j < start + columns; j++)
                if ((input[j] < zeroLow || input[j] > zeroHigh) && input[j] > max) max = input[j];
            long sum = 0;
            for (int j = start; j < start + columns; j++)
            {
                if (input[j] >= zeroLow && input[j] <= zeroHigh) continue;
                int d = max - input[j];
                sum += (expTable[16 + (d >> 4)] * (long)expTable[d & 15] + (1L << 19)) >> 20;
            }
            for (int j = start; j < start + columns; j++)
            {
                long value = -128;
                if (input[j] < zeroLow || input[j] > zeroHigh)
                {
                    int d = max - input[j];
                    value = ((((expTable[16 + (d >> 4)] * (long)expTable[d & 15] + (1L << 19)) >> 20) * 256L + sum / 2) / sum) - 128;
                }
                output[outputOffset - inputOffset + j] = (sbyte)(value > 127 ? 127 : value);
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Rows); w.Int(Columns); w.Int(ZeroLow); w.Int(ZeroHigh); w.Ints(ExpTable); w.Slice(Input); w.Slice(Output);
    }

    public static SoftmaxZeroInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Int(), r.Int(), r.Int(), r.Int(), r.Ints(), r.Slice(), r.Slice());

    private string Arguments => $"rows: {Rows}, columns: {Columns}, zeroLow: {ZeroLow}, zeroHigh: {ZeroHigh}";

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"SoftmaxZero({Input.Expression(code)}, {Arguments}, {name}ExpTable, {Output.Expression(code)});");

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"SoftmaxZero({Input.NanoArguments(code)}, {Arguments}, {name}ExpTable, {Output.NanoArguments(code)});");

    public override void EmitData(CodeWriter code, string name) =>
        EmitArrays.Ints(code, $"{name}ExpTable", ExpTable, "round(2^20 · exp(−input scale · l)) for l in 0…15, then round(2^20 · exp(−input scale · 16h)) for h in 0…15");
}
