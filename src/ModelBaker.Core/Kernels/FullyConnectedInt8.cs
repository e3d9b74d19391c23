using System.Linq;
using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Compression;
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

    /// <summary>
    /// Weights symmetric per output unit in [−127, 127]; bias int32 at input scale × weight scale with the input zero
    /// point folded in; requantization multiplier input scale × weight scale / output scale as Q31 and shift.
    /// </summary>
    public static FullyConnectedInt8 From(FullyConnectedFloat fc, QuantizationContext q)
    {
        var input = q.Parameters(fc.Input);
        var output = q.Parameters(fc.Output);
        int units = fc.Units, depth = fc.Depth;
        var weights = new sbyte[units * depth];
        var bias = new int[units];
        var multipliers = new int[units];
        var shifts = new int[units];
        for (int n = 0; n < units; n++)
        {
            float maxAbs = 0;
            for (int k = 0; k < depth; k++) maxAbs = Math.Max(maxAbs, Math.Abs(fc.Weights[n * depth + k]));
            double weightScale = QuantizationParameters.WeightScale(maxAbs);
            int weightSum = 0;
            for (int k = 0; k < depth; k++)
            {
                double w = Math.Round(fc.Weights[n * depth + k] / weightScale);
                weights[n * depth + k] = (sbyte)Math.Max(-127, Math.Min(127, w));
                weightSum += weights[n * depth + k];
            }
            double accumulatorScale = input.Scale * weightScale;
            bias[n] = QuantizationParameters.SaturateInt32(Math.Round(fc.Bias[n] / accumulatorScale)) - input.ZeroPoint * weightSum;
            (multipliers[n], shifts[n]) = QuantizeMultiplier(accumulatorScale / output.Scale);
        }
        var (min, max) = QuantizationContext.ActivationRange(fc.ActivationMin, fc.ActivationMax, output);
        return new FullyConnectedInt8(fc.Source, q.Slice(fc.Input), q.Slice(fc.Output), fc.Rows, depth, fc.RowStride, fc.ColumnStride,
            weights, bias, multipliers, shifts, output.ZeroPoint, min, max);
    }

    public override int Parameters => Weights.Length;
    public override int ZeroParameters => Weights.Count(w => w == 0);

    public override KernelKind Kind => KernelKind.FullyConnectedInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Weights.Length + 4 * (Bias.Length + Multipliers.Length) + Shifts.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(FullyConnectedInt8), nameof(FixedPoint) };

    public override void Run(PlanArena arena) =>
        FullyConnected(arena.Int8s(Input), Rows, Depth, RowStride, ColumnStride,
            Weights, Bias, Multipliers, Shifts, OutputZeroPoint, ActivationMin, ActivationMax,
            arena.Int8s(Output));

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
                if (columnStride == 1)
                {
                    accumulator += Dot(input.Slice(m * rowStride, depth), unitWeights);
                }
                else
                {
                    int position = m * rowStride;
                    for (int k = 0; k < depth; k++, position += columnStride)
                        accumulator += input[position] * unitWeights[k];
                }
                int value = MultiplyByQuantizedMultiplier(accumulator, multipliers[n], shifts[n]) + outputZeroPoint;
                output[m * units + n] = (sbyte)(value < activationMin ? activationMin : value > activationMax ? activationMax : value);
            }
        }
    }

    /// <summary>
    /// Σ a[i] · b[i] in int32. Integer sums do not depend on their order, so the vectorised loop (compiled where
    /// .NET 8's intrinsics exist, i.e. in generated code) gives exactly the scalar loop's result.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int Dot(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        int sum = 0, i = 0;
#if NET8_0_OR_GREATER
        ref sbyte aStart = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref sbyte bStart = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported && a.Length >= 32)
        {
            // 32 products per step: widen to 16-bit, then vpmaddwd multiplies and adds neighbours into int32.
            var accumulator = System.Runtime.Intrinsics.Vector256<int>.Zero;
            for (; i <= a.Length - 32; i += 32)
            {
                var (aLow, aHigh) = System.Runtime.Intrinsics.Vector256.Widen(System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref aStart, (nuint)i));
                var (bLow, bHigh) = System.Runtime.Intrinsics.Vector256.Widen(System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref bStart, (nuint)i));
                accumulator += System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(aLow, bLow)
                    + System.Runtime.Intrinsics.X86.Avx2.MultiplyAddAdjacent(aHigh, bHigh);
            }
            sum = System.Runtime.Intrinsics.Vector256.Sum(accumulator);
        }
        else if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated && a.Length >= 16)
        {
            // Portable (Arm64 too): 16 products per step; int8 × int8 always fits in int16.
            var accumulator = System.Runtime.Intrinsics.Vector128<int>.Zero;
            for (; i <= a.Length - 16; i += 16)
            {
                var (aLow, aHigh) = System.Runtime.Intrinsics.Vector128.Widen(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref aStart, (nuint)i));
                var (bLow, bHigh) = System.Runtime.Intrinsics.Vector128.Widen(System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref bStart, (nuint)i));
                var (p0, p1) = System.Runtime.Intrinsics.Vector128.Widen(aLow * bLow);
                var (p2, p3) = System.Runtime.Intrinsics.Vector128.Widen(aHigh * bHigh);
                accumulator += (p0 + p1) + (p2 + p3);
            }
            sum = System.Runtime.Intrinsics.Vector128.Sum(accumulator);
        }
#endif
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
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
