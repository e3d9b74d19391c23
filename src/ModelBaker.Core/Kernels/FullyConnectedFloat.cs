using System.Linq;
using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Plan;

using static ModelBaker.Core.Kernels.FloatGemm;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// output[m, n] = clamp(Σk input[m, k] · weights[n, k] + bias[n]): a Gemm or MatMul (+ bias Add, + Relu) in
/// float32, for <c>Precision="Float32"</c> plans (pruned weights, no quantization).
/// </summary>
public sealed class FullyConnectedFloat : FloatKernel, IWeightedKernel
{
    public FullyConnectedFloat(string source, ArenaSlice input, ArenaSlice output, int rows, int depth,
        int rowStride, int columnStride, float[] weights, float[] bias, float activationMin, float activationMax)
        : this(source, input, output, rows, depth, rowStride, columnStride, FloatWeights.Dense(weights, bias.Length, depth), bias, activationMin, activationMax)
    {
    }

    public FullyConnectedFloat(string source, ArenaSlice input, ArenaSlice output, int rows, int depth,
        int rowStride, int columnStride, FloatWeights weights, float[] bias, float activationMin, float activationMax) : base(source)
    {
        if (weights.Units != bias.Length || weights.Depth != depth) throw new ArgumentException("Weights or bias do not fit the layer.");
        Input = input;
        Output = output;
        Rows = rows;
        Depth = depth;
        RowStride = rowStride;
        ColumnStride = columnStride;
        StoredWeights = weights;
        Bias = bias;
        ActivationMin = activationMin;
        ActivationMax = activationMax;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Depth { get; }
    public int RowStride { get; }
    public int ColumnStride { get; }
    /// <summary>The weights, dense or one value per unit (a ConstantOfShape fill).</summary>
    public FloatWeights StoredWeights { get; }

    /// <summary>
    /// The dense weights as the kernel reads them (<see cref="PackUnits"/>), made from the current weights on every call:
    /// compression passes (pruning, clustering, distillation, reconstruction) change the weights in place.
    /// </summary>
    public float[] PackedWeights => PackUnits(Weights, Units, Depth);

    /// <summary>
    /// [units, depth] weights in the fully connected kernel's order: each full group of eight units interleaved by depth
    /// (group g's weight of unit g·8 + l at depth k at g·8·depth + k·8 + l), then the last units % 8 rows unchanged.
    /// A permutation: the same values, the same count.
    /// </summary>
    public static float[] PackUnits(float[] weights, int units, int depth)
    {
        var packed = new float[weights.Length];
        PackUnits(weights, units, depth, packed);
        return packed;
    }

    /// <summary><see cref="PackUnits(float[], int, int)"/> into <paramref name="packed"/> (at least units × depth long).</summary>
    public static void PackUnits(float[] weights, int units, int depth, float[] packed)
    {
        int grouped = units / 8 * 8;
        for (int g = 0; g < grouped; g += 8)
            for (int l = 0; l < 8; l++)
                for (int k = 0; k < depth; k++)
                    packed[g * depth + k * 8 + l] = weights[(g + l) * depth + k];
        Array.Copy(weights, grouped * depth, packed, grouped * depth, (units - grouped) * depth);
    }
    /// <summary>[units, depth], row-major (a fill written out).</summary>
    public float[] Weights => StoredWeights.Values;
    public float[] Bias { get; }
    public float ActivationMin { get; }
    public float ActivationMax { get; }
    public int Units => Bias.Length;
    public int WeightsPerUnit => Depth;
    public int Groups => 1;

    /// <summary>The input's rows (a transposed input read through its strides).</summary>
    public IEnumerable<float[]> Patches(float[] input, int group)
    {
        for (int m = 0; m < Rows; m++)
        {
            var row = new float[Depth];
            for (int k = 0; k < Depth; k++) row[k] = input[m * RowStride + k * ColumnStride];
            yield return row;
        }
    }

    /// <summary>Distinct non-zero weight values after weight clustering; 0 when the layer is not clustered.</summary>
    public int ClusteredValues { get; set; }
    public override int Clusters => ClusteredValues;

    /// <summary>clamp(clamp(x, a, b), lo, hi) = clamp(x, clamp(a, lo, hi), clamp(b, lo, hi)), even when the ranges do not overlap.</summary>
    public override FloatKernel? WithActivation(string source, ArenaSlice output, float min, float max) =>
        new FullyConnectedFloat(source, Input, output, Rows, Depth, RowStride, ColumnStride, StoredWeights, Bias,
            Math.Min(Math.Max(ActivationMin, min), max), Math.Min(Math.Max(ActivationMax, min), max)) { ClusteredValues = ClusteredValues };

    /// <summary>A constant per-unit addend (a bias Add after a MatMul) folds into the bias.</summary>
    public override FloatKernel? WithBias(string source, ArenaSlice output, int[] outputShape, Ir.Tensor addend)
    {
        if (output.Length != Output.Length) return null; // the Add broadcasts wider than this step's output
        if (!float.IsNegativeInfinity(ActivationMin) || !float.IsPositiveInfinity(ActivationMax)) return null; // the addend comes after the clamp
        var extra = PerUnitBias(addend, Rows, Units);
        if (extra == null) return null;
        var bias = new float[Units];
        for (int n = 0; n < Units; n++) bias[n] = Bias[n] + extra[n];
        return new FullyConnectedFloat(source, Input, output, Rows, Depth, RowStride, ColumnStride, StoredWeights, bias, ActivationMin, ActivationMax);
    }

    /// <summary>Followed by y = x · scale[n] + shift[n]: weights scaled per unit, bias mapped. Null after a clamp.</summary>
    public override FloatKernel? WithChannelAffine(string source, ArenaSlice output, int[] outputShape, float[] scale, float[] shift)
    {
        if (outputShape.Length != 2 || Units != scale.Length || !float.IsNegativeInfinity(ActivationMin) || !float.IsPositiveInfinity(ActivationMax)) return null;
        var bias = new float[Units];
        for (int n = 0; n < Units; n++) bias[n] = Bias[n] * scale[n] + shift[n];
        return new FullyConnectedFloat(source, Input, output, Rows, Depth, RowStride, ColumnStride, StoredWeights.ScaledPerUnit(scale), bias, ActivationMin, ActivationMax);
    }

    /// <summary>
    /// C's values as one per unit when C broadcasts to [rows, units] without varying along rows (or there is one row);
    /// null otherwise.
    /// </summary>
    public static float[]? PerUnitBias(Ir.Tensor c, int rows, int units)
    {
        int[] shape = c.Shape;
        bool perUnit = shape.Length == 0 || shape.Take(shape.Length - 1).All(d => d == 1) && (shape[shape.Length - 1] == units || shape[shape.Length - 1] == 1);
        bool wholeSingleRow = rows == 1 && c.Length == units;
        if (!perUnit && !wholeSingleRow) return null;
        var data = c.AsFloats();
        return data.Length == units ? data : Enumerable.Repeat(data[0], units).ToArray();
    }

    public override Kernel Quantize(Quantization.QuantizationContext context) => FullyConnectedInt8.From(this, context);

    public override int Parameters => StoredWeights.Count;
    public override int ZeroParameters => StoredWeights.Zeros;
    public override string Encoding => StoredWeights.UnitValues != null ? "uniform per unit" : "dense";

    public override KernelKind Kind => KernelKind.FullyConnectedFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => StoredWeights.Bytes + 4 * Bias.Length;
    public override IEnumerable<string> Helpers =>
        StoredWeights.UnitValues != null
            ? new[] { nameof(FullyConnectedFloat) + "#Uniform" }
            : new[] { nameof(FullyConnectedFloat), nameof(FloatGemm) }; // FloatGemm: the vector clamp

    /// <summary>Weights one value per unit run the uniform specialization, which never writes them out.</summary>
    public override void Run(PlanArena arena)
    {
        if (StoredWeights.UnitValues is { } unitWeights)
            UniformFullyConnected(arena.Floats(Input), Rows, Depth, RowStride, ColumnStride, unitWeights, Bias, ActivationMin, ActivationMax, arena.Floats(Output));
        else
        {
            // Packed from the current weights on every run (passes change them in place), into a pooled buffer.
            float[] packed = System.Buffers.ArrayPool<float>.Shared.Rent(Units * Depth);
            try
            {
                PackUnits(Weights, Units, Depth, packed);
                FullyConnected(arena.Floats(Input), Rows, Depth, RowStride, ColumnStride, packed.AsSpan(0, Units * Depth), Bias, ActivationMin, ActivationMax,
                    arena.Floats(Output));
            }
            finally
            {
                System.Buffers.ArrayPool<float>.Shared.Return(packed);
            }
        }
    }

    // <emit>
    /// <summary>Units whose weights the float fully connected kernel reads interleaved by depth (one vector per depth).</summary>
    private const int FloatUnitGroup = 8;

    /// <summary>
    /// Float fully connected layer: output = clamp(input · weightsᵀ + bias), each dot product summed from +0 in plain
    /// depth order (as the graph interpreter's Gemm and MatMul sum), then the bias, then the clamp. The weights come
    /// packed (ModelBaker's FullyConnectedFloat.PackUnits): each full group of eight units interleaved by depth, so that the group's weights
    /// at one depth are one load; the last units % 8 rows as stored. Vectors hold eight (or four) units, each lane one
    /// unit's sum in that same order, up to four groups at a time sharing the broadcast input value, so every path gives
    /// the same bits. A strided input row is first copied to the stack.
    /// </summary>
    public static void FullyConnected(ReadOnlySpan<float> input, int rows, int depth, int rowStride, int columnStride,
        ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float activationMin, float activationMax, Span<float> output)
    {
        int units = bias.Length, grouped = units / FloatUnitGroup * FloatUnitGroup;
        if (weights.Length < units * depth || output.Length < rows * units) throw new ArgumentException("The layer's spans are too short.");
        Span<float> copy = columnStride != 1 && depth <= 4096 ? stackalloc float[depth] : default;
        for (int m = 0; m < rows; m++)
        {
            ReadOnlySpan<float> row = copy; // a span of the stack first, so that it may hold either
            int stride = 1;
            if (columnStride != 1 && copy.Length == depth)
                for (int k = 0, position = m * rowStride; k < depth; k++, position += columnStride) copy[k] = input[position];
            else
            {
                row = input.Slice(m * rowStride);
                stride = columnStride;
            }
            int n = 0;
#if NET8_0_OR_GREATER
            if (stride == 1 && row.Length >= depth && System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)
            {
                int most = System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 4 : 2; // groups per pass: four (or two × two) accumulators
                for (int groups; n < grouped; n += groups * FloatUnitGroup)
                {
                    groups = Math.Min(most, (grouped - n) / FloatUnitGroup);
                    UnitsFloat(row, weights.Slice(n * depth, groups * FloatUnitGroup * depth), depth, groups, bias.Slice(n, groups * FloatUnitGroup),
                        activationMin, activationMax, output.Slice(m * units + n, groups * FloatUnitGroup));
                }
            }
#endif
            for (; n < units; n++)
            {
                // A unit of a full group reads every eighth weight of its group's block; the last units read their rows.
                int group = n / FloatUnitGroup * FloatUnitGroup;
                int first = n < grouped ? group * depth + n - group : n * depth, step = n < grouped ? FloatUnitGroup : 1;
                float sum = 0f;
                for (int k = 0, position = 0; k < depth; k++, position += stride) sum += row[position] * weights[first + k * step];
                output[m * units + n] = FloatClampUnit(sum + bias[n], activationMin, activationMax);
            }
        }
    }

    /// <summary>value &lt; min → min, else value &gt; max → max (NaN passes through).</summary>
    private static float FloatClampUnit(float value, float activationMin, float activationMax) =>
        value < activationMin ? activationMin : value > activationMax ? activationMax : value;

#if NET8_0_OR_GREATER
    /// <summary>
    /// <paramref name="groups"/> (1 to 4; 1 or 2 with 128-bit vectors) groups of eight units' outputs for the contiguous
    /// <paramref name="row"/>, from their packed weights: at each depth k, one load per group (two with 128-bit vectors)
    /// times the broadcast input value, added in depth order. Absent groups repeat the first group's weights and are
    /// never stored.
    /// </summary>
    private static void UnitsFloat(ReadOnlySpan<float> row, ReadOnlySpan<float> weights, int depth, int groups, ReadOnlySpan<float> bias,
        float activationMin, float activationMax, Span<float> output)
    {
        ref float x = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(row);
        ref float w0 = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        int block = FloatUnitGroup * depth;
        ref float w1 = ref groups > 1 ? ref System.Runtime.CompilerServices.Unsafe.Add(ref w0, block) : ref w0;
        ref float b = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(bias);
        ref float to = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output);
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            ref float w2 = ref groups > 2 ? ref System.Runtime.CompilerServices.Unsafe.Add(ref w0, 2 * block) : ref w0;
            ref float w3 = ref groups > 3 ? ref System.Runtime.CompilerServices.Unsafe.Add(ref w0, 3 * block) : ref w0;
            var s0 = System.Runtime.Intrinsics.Vector256<float>.Zero;
            var s1 = s0;
            var s2 = s0;
            var s3 = s0;
            for (int k = 0; k < depth; k++)
            {
                var value = System.Runtime.Intrinsics.Vector256.Create(System.Runtime.CompilerServices.Unsafe.Add(ref x, k));
                nuint at = (nuint)(k * FloatUnitGroup);
                s0 += value * System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w0, at);
                s1 += value * System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w1, at);
                s2 += value * System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w2, at);
                s3 += value * System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w3, at);
            }
            var min = System.Runtime.Intrinsics.Vector256.Create(activationMin);
            var max = System.Runtime.Intrinsics.Vector256.Create(activationMax);
            System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(s0 + System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref b, 0), min, max), ref to, 0);
            if (groups > 1) System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(s1 + System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref b, 8), min, max), ref to, 8);
            if (groups > 2) System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(s2 + System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref b, 16), min, max), ref to, 16);
            if (groups > 3) System.Runtime.Intrinsics.Vector256.StoreUnsafe(ClampFloat256(s3 + System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref b, 24), min, max), ref to, 24);
            return;
        }
        var a0 = System.Runtime.Intrinsics.Vector128<float>.Zero;
        var a1 = a0;
        var c0 = a0;
        var c1 = a0;
        for (int k = 0; k < depth; k++)
        {
            var value = System.Runtime.Intrinsics.Vector128.Create(System.Runtime.CompilerServices.Unsafe.Add(ref x, k));
            nuint at = (nuint)(k * FloatUnitGroup);
            a0 += value * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w0, at);
            a1 += value * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w0, at + 4);
            c0 += value * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w1, at);
            c1 += value * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w1, at + 4);
        }
        var min4 = System.Runtime.Intrinsics.Vector128.Create(activationMin);
        var max4 = System.Runtime.Intrinsics.Vector128.Create(activationMax);
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(a0 + System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref b, 0), min4, max4), ref to, 0);
        System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(a1 + System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref b, 4), min4, max4), ref to, 4);
        if (groups > 1)
        {
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(c0 + System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref b, 8), min4, max4), ref to, 8);
            System.Runtime.Intrinsics.Vector128.StoreUnsafe(ClampFloat128(c1 + System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref b, 12), min4, max4), ref to, 12);
        }
    }
#endif
    // </emit>

    // <emit Uniform>
    /// <summary>
    /// Float fully connected layer whose unit n has every weight equal to unitWeights[n] (a ConstantOfShape fill):
    /// output[m, n] = clamp(Σk input[m, k] · unitWeights[n] + bias[n]), with the row sum computed once per row.
    /// </summary>
    public static void UniformFullyConnected(ReadOnlySpan<float> input, int rows, int depth, int rowStride, int columnStride,
        ReadOnlySpan<float> unitWeights, ReadOnlySpan<float> bias, float activationMin, float activationMax, Span<float> output)
    {
        int units = bias.Length;
        for (int m = 0; m < rows; m++)
        {
            float sum = 0f;
            int position = m * rowStride;
            for (int k = 0; k < depth; k++, position += columnStride) sum += input[position];
            for (int n = 0; n < units; n++)
            {
                float value = sum * unitWeights[n] + bias[n];
                output[m * units + n] = value < activationMin ? activationMin : value > activationMax ? activationMax : value;
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Rows); w.Int(Depth); w.Int(RowStride); w.Int(ColumnStride);
        StoredWeights.Write(w); w.Floats(Bias); w.Float(ActivationMin); w.Float(ActivationMax);
    }

    public static FullyConnectedFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Int(), r.Int(), FloatWeights.Read(r), r.Floats(), r.Float(), r.Float());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"{(StoredWeights.UnitValues != null ? "UniformFullyConnected" : "FullyConnected")}({Input.Expression(code)}, rows: {Rows}, depth: {Depth}, rowStride: {RowStride}, columnStride: {ColumnStride},")
            .Line($"    {name}{(StoredWeights.UnitValues != null ? "UnitWeights" : "Weights")}, {name}Bias, activationMin: {CodeWriter.Float(ActivationMin)}, activationMax: {CodeWriter.Float(ActivationMax)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        // Dense weights go out as the kernel reads them (PackUnits); a uniform fill as its per-unit values.
        if (StoredWeights.UnitValues != null)
            StoredWeights.EmitData(code, name, $"[{Units} units × {Depth}]");
        else
            EmitArrays.Floats(code, name + "Weights", PackedWeights, Units < 8
                ? $"[{Units} units × {Depth}] float weights, one row per output unit"
                : $"[{Units} units × {Depth}] float weights, each group of eight units interleaved by depth, the last {Units % 8} units one row each");
        EmitArrays.Floats(code, $"{name}Bias", Bias, "float bias");
    }
}
