using System.Linq;
using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Plan;

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
        new[] { StoredWeights.UnitValues != null ? nameof(FullyConnectedFloat) + "#Uniform" : nameof(FullyConnectedFloat) };

    /// <summary>Weights one value per unit run the uniform specialization, which never writes them out.</summary>
    public override void Run(PlanArena arena)
    {
        if (StoredWeights.UnitValues is { } unitWeights)
            UniformFullyConnected(arena.Floats(Input), Rows, Depth, RowStride, ColumnStride, unitWeights, Bias, ActivationMin, ActivationMax, arena.Floats(Output));
        else
            FullyConnected(arena.Floats(Input), Rows, Depth, RowStride, ColumnStride, Weights, Bias, ActivationMin, ActivationMax, arena.Floats(Output));
    }

    // <emit>
    /// <summary>
    /// Float fully connected layer: output = clamp(input · weightsᵀ + bias). Each dot product has one fixed order, which
    /// every path follows so that they agree bit for bit: eight partial sums from +0, partial j adding the products of
    /// depth k ≡ j (mod 8) over the whole multiples of eight, reduced as ((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7));
    /// then the remaining products in order, then the bias, then the clamp. Vectors hold the eight partials (one 256-bit
    /// or two 128-bit vectors) for four units at a time; a strided input row is first copied to the stack.
    /// </summary>
    public static void FullyConnected(ReadOnlySpan<float> input, int rows, int depth, int rowStride, int columnStride,
        ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, float activationMin, float activationMax, Span<float> output)
    {
        int units = bias.Length;
        if (weights.Length < units * depth || output.Length < rows * units) throw new ArgumentException("The layer's spans are too short.");
        Span<float> copy = columnStride != 1 && depth <= 4096 ? stackalloc float[depth] : default;
        Span<float> partial = stackalloc float[8];
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
                for (; n + 4 <= units; n += 4)
                    DotFloat4(row, weights.Slice(n * depth, 4 * depth), depth, bias.Slice(n, 4), activationMin, activationMax, output.Slice(m * units + n, 4));
            }
#endif
            for (; n < units; n++)
            {
                ReadOnlySpan<float> unitWeights = weights.Slice(n * depth, depth);
                partial.Clear();
                int whole = depth / 8 * 8, k = 0, position = 0;
                for (; k < whole; k++, position += stride) partial[k & 7] += row[position] * unitWeights[k];
                float sum = ((partial[0] + partial[4]) + (partial[2] + partial[6])) + ((partial[1] + partial[5]) + (partial[3] + partial[7]));
                for (; k < depth; k++, position += stride) sum += row[position] * unitWeights[k];
                output[m * units + n] = FloatClampUnit(sum + bias[n], activationMin, activationMax);
            }
        }
    }

    /// <summary>value &lt; min → min, else value &gt; max → max (NaN passes through).</summary>
    private static float FloatClampUnit(float value, float activationMin, float activationMax) =>
        value < activationMin ? activationMin : value > activationMax ? activationMax : value;

#if NET8_0_OR_GREATER
    /// <summary>Four units' dot products with the contiguous <paramref name="row"/>, in the order of <see cref="FullyConnected"/>.</summary>
    private static void DotFloat4(ReadOnlySpan<float> row, ReadOnlySpan<float> weights, int depth, ReadOnlySpan<float> bias,
        float activationMin, float activationMax, Span<float> output)
    {
        ref float x = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(row);
        ref float w = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);
        int whole = depth / 8 * 8;
        System.Runtime.Intrinsics.Vector128<float> q0, q1, q2, q3;
        if (System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
        {
            var zero = System.Runtime.Intrinsics.Vector256<float>.Zero;
            System.Runtime.Intrinsics.Vector256<float> s0 = zero, s1 = zero, s2 = zero, s3 = zero;
            for (int k = 0; k < whole; k += 8)
            {
                var v = System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref x, (nuint)k);
                s0 += v * System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)k);
                s1 += v * System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)(depth + k));
                s2 += v * System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)(2 * depth + k));
                s3 += v * System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w, (nuint)(3 * depth + k));
            }
            q0 = System.Runtime.Intrinsics.Vector256.GetLower(s0) + System.Runtime.Intrinsics.Vector256.GetUpper(s0); q1 = System.Runtime.Intrinsics.Vector256.GetLower(s1) + System.Runtime.Intrinsics.Vector256.GetUpper(s1);
            q2 = System.Runtime.Intrinsics.Vector256.GetLower(s2) + System.Runtime.Intrinsics.Vector256.GetUpper(s2); q3 = System.Runtime.Intrinsics.Vector256.GetLower(s3) + System.Runtime.Intrinsics.Vector256.GetUpper(s3);
        }
        else
        {
            var zero = System.Runtime.Intrinsics.Vector128<float>.Zero;
            System.Runtime.Intrinsics.Vector128<float> l0 = zero, l1 = zero, l2 = zero, l3 = zero, h0 = zero, h1 = zero, h2 = zero, h3 = zero;
            for (int k = 0; k < whole; k += 8)
            {
                var vl = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref x, (nuint)k);
                var vh = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref x, (nuint)(k + 4));
                l0 += vl * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)k);
                h0 += vh * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)(k + 4));
                l1 += vl * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)(depth + k));
                h1 += vh * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)(depth + k + 4));
                l2 += vl * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)(2 * depth + k));
                h2 += vh * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)(2 * depth + k + 4));
                l3 += vl * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)(3 * depth + k));
                h3 += vh * System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref w, (nuint)(3 * depth + k + 4));
            }
            q0 = l0 + h0; q1 = l1 + h1; q2 = l2 + h2; q3 = l3 + h3;
        }
        output[0] = FinishDotFloat(q0, row, weights.Slice(0, depth), whole, bias[0], activationMin, activationMax);
        output[1] = FinishDotFloat(q1, row, weights.Slice(depth, depth), whole, bias[1], activationMin, activationMax);
        output[2] = FinishDotFloat(q2, row, weights.Slice(2 * depth, depth), whole, bias[2], activationMin, activationMax);
        output[3] = FinishDotFloat(q3, row, weights.Slice(3 * depth, depth), whole, bias[3], activationMin, activationMax);
    }

    /// <summary>Partials q_j = p_j + p_(j+4) reduced as (q0 + q2) + (q1 + q3), then the tail products, the bias and the clamp.</summary>
    private static float FinishDotFloat(System.Runtime.Intrinsics.Vector128<float> q, ReadOnlySpan<float> row, ReadOnlySpan<float> unitWeights, int whole,
        float bias, float activationMin, float activationMax)
    {
        float sum = (System.Runtime.Intrinsics.Vector128.GetElement(q, 0) + System.Runtime.Intrinsics.Vector128.GetElement(q, 2)) + (System.Runtime.Intrinsics.Vector128.GetElement(q, 1) + System.Runtime.Intrinsics.Vector128.GetElement(q, 3));
        for (int k = whole; k < unitWeights.Length; k++) sum += row[k] * unitWeights[k];
        return FloatClampUnit(sum + bias, activationMin, activationMax);
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
        StoredWeights.EmitData(code, name, $"[{Units} units × {Depth}]");
        EmitArrays.Floats(code, $"{name}Bias", Bias, "float bias");
    }
}
