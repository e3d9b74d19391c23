using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// output[m, n] = clamp(requantize(bias[n] + Σk input[m, k] · weights[n, k]) + outputZeroPoint): a Gemm or
/// MatMul (+ bias Add, + Relu) with int8 weights, one scale per output unit.
/// The input zero point is folded into the bias at bake time (bias[n] −= inputZeroPoint · Σk weights[n, k]),
/// so the inner loop is a plain int8 dot product.
/// </summary>
public sealed class FullyConnectedInt8 : Int8Kernel
{
    public FullyConnectedInt8(string source, ArenaSlice input, ArenaSlice output, int rows, int depth,
        int rowStride, int columnStride, sbyte[] weights, int[] bias, int[] multipliers, int[] shifts,
        int outputZeroPoint, int activationMin, int activationMax) : base(source)
    {
        Input = input;
        Output = output;
        Rows = rows;
        Depth = depth;
        RowStride = rowStride;
        ColumnStride = columnStride;
        Weights = weights;
        Bias = bias;
        Multipliers = multipliers;
        Shifts = shifts;
        OutputZeroPoint = outputZeroPoint;
        ActivationMin = activationMin;
        ActivationMax = activationMax;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Depth { get; }
    /// <summary>Element k of row m is input[m · RowStride + k · ColumnStride] (a transposed input has ColumnStride ≠ 1).</summary>
    public int RowStride { get; }
    public int ColumnStride { get; }
    /// <summary>[units, depth], row-major: one row per output unit.</summary>
    public sbyte[] Weights { get; }
    public int[] Bias { get; }
    public int[] Multipliers { get; }
    public int[] Shifts { get; }
    public int OutputZeroPoint { get; }
    public int ActivationMin { get; }
    public int ActivationMax { get; }
    public int Units => Bias.Length;

    public override KernelKind Kind => KernelKind.FullyConnectedInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Weights.Length + 4 * (Bias.Length + Multipliers.Length) + Shifts.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(FullyConnectedInt8), nameof(FixedPoint) };

    public override void Run(sbyte[] arena) =>
        FullyConnected(new ReadOnlySpan<sbyte>(arena, Input.Offset, Input.Length), Rows, Depth, RowStride, ColumnStride,
            Weights, Bias, Multipliers, Shifts, OutputZeroPoint, ActivationMin, ActivationMax,
            new Span<sbyte>(arena, Output.Offset, Output.Length));

    // <emit>
    /// <summary>Int8 fully connected layer with per-unit requantization (see the ModelBaker docs).</summary>
    public static void FullyConnected(ReadOnlySpan<sbyte> input, int rows, int depth, int rowStride, int columnStride,
        ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> bias, ReadOnlySpan<int> multipliers, ReadOnlySpan<int> shifts,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int units = bias.Length;
        for (int m = 0; m < rows; m++)
        {
            for (int n = 0; n < units; n++)
            {
                ReadOnlySpan<sbyte> unitWeights = weights.Slice(n * depth, depth);
                int accumulator = bias[n];
                int position = m * rowStride;
                for (int k = 0; k < depth; k++, position += columnStride)
                    accumulator += input[position] * unitWeights[k];
                int value = MultiplyByQuantizedMultiplier(accumulator, multipliers[n], shifts[n]) + outputZeroPoint;
                output[m * units + n] = (sbyte)(value < activationMin ? activationMin : value > activationMax ? activationMax : value);
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Rows); w.Int(Depth); w.Int(RowStride); w.Int(ColumnStride);
        w.SBytes(Weights); w.Ints(Bias); w.Ints(Multipliers); w.Ints(Shifts);
        w.Int(OutputZeroPoint); w.Int(ActivationMin); w.Int(ActivationMax);
    }

    public static FullyConnectedInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Int(), r.Int(),
            r.SBytes(), r.Ints(), r.Ints(), r.Ints(), r.Int(), r.Int(), r.Int());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"FullyConnected({Input.Expression()}, rows: {Rows}, depth: {Depth}, rowStride: {RowStride}, columnStride: {ColumnStride},")
            .Line($"    {name}Weights, {name}Bias, {name}Multipliers, {name}Shifts,")
            .Line($"    outputZeroPoint: {OutputZeroPoint}, activationMin: {ActivationMin}, activationMax: {ActivationMax}, {Output.Expression()});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.SBytes(code, $"{name}Weights", Weights, $"[{Units} units × {Depth}] int8 weights, one row per output unit");
        EmitArrays.Ints(code, $"{name}Bias", Bias, "int32 bias (scale = input scale × weight scale), input zero point folded in");
        EmitArrays.Ints(code, $"{name}Multipliers", Multipliers, "Q31 requantization multipliers, one per unit");
        EmitArrays.Ints(code, $"{name}Shifts", Shifts, "power-of-two requantization shifts, one per unit");
    }
}
