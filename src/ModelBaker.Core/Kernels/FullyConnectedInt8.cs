using System.Linq;
using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;
using ModelBaker.Core.Quantization;

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
        int rowStride, int columnStride, EncodedWeights weights, OutputStage outputStage) : base(source)
    {
        Input = input;
        Output = output;
        Rows = rows;
        Depth = depth;
        RowStride = rowStride;
        ColumnStride = columnStride;
        Encoded = weights;
        Weights = weights.Decode();
        OutputStage = outputStage;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Depth { get; }
    /// <summary>Element k of row m is input[m · RowStride + k · ColumnStride] (a transposed input has ColumnStride ≠ 1).</summary>
    public int RowStride { get; }
    public int ColumnStride { get; }
    /// <summary>The weights as stored: dense, sparse or clustered, whichever is smallest.</summary>
    public EncodedWeights Encoded { get; }
    /// <summary>[units, depth], row-major: one row per output unit (decoded).</summary>
    public sbyte[] Weights { get; }
    public OutputStage OutputStage { get; }
    public int Units => OutputStage.Bias.Length;

    /// <summary>The layer quantized by <see cref="LayerQuantizer"/> (the TensorFlow Lite Micro scheme).</summary>
    public static FullyConnectedInt8 From(FullyConnectedFloat fc, QuantizationContext q)
    {
        var output = q.Parameters(fc.Output);
        var layer = LayerQuantizer.Quantize(fc, fc.ClusteredValues, q.ModelWeightScalesOf(fc.Source, fc.Units), q.Parameters(fc.Input), output);
        var (min, max) = QuantizationContext.ActivationRange(fc.ActivationMin, fc.ActivationMax, output);
        return new FullyConnectedInt8(fc.Source, q.Slice(fc.Input), q.Slice(fc.Output), fc.Rows, fc.Depth, fc.RowStride, fc.ColumnStride,
            layer.Weights, new OutputStage(layer.Bias, layer.Multipliers, layer.Shifts, output.ZeroPoint, min, max));
    }

    public override int Parameters => Weights.Length;
    public override int ZeroParameters => Weights.Count(w => w == 0);
    public override string Encoding => Encoded.Name;
    public override int Clusters => Encoded.ClusterCount;

    public override KernelKind Kind => KernelKind.FullyConnectedInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Encoded.Bytes + OutputStage.Bytes;
    public override IEnumerable<string> Helpers => new[] { Encoded.Encoding switch
    {
        WeightEncoding.Dense => nameof(FullyConnectedInt8),
        WeightEncoding.Bitmask => nameof(FullyConnectedInt8) + "#Bitmask",
        WeightEncoding.IndexDelta => nameof(FullyConnectedInt8) + "#IndexDelta",
        WeightEncoding.ClusteredIndexDelta => nameof(FullyConnectedInt8) + "#ClusteredIndexDelta",
        _ => nameof(FullyConnectedInt8) + "#Clustered",
    }, nameof(FixedPoint) };

    /// <summary>Runs the very helper generated code calls for this encoding.</summary>
    public override void Run(PlanArena arena)
    {
        var (e, o) = (Encoded, OutputStage);
        var input = arena.Int8s(Input);
        var output = arena.Int8s(Output);
        switch (e.Encoding)
        {
            case WeightEncoding.Dense:
                FullyConnected(input, Rows, Depth, RowStride, ColumnStride, e.Values, o.Bias, o.StoredMultipliers, o.StoredShifts,
                    o.ZeroPoint, o.ActivationMin, o.ActivationMax, output);
                break;
            case WeightEncoding.Bitmask:
                FullyConnectedBitmask(input, Rows, Depth, RowStride, ColumnStride, e.Mask, e.Values, o.Bias, o.StoredMultipliers, o.StoredShifts,
                    o.ZeroPoint, o.ActivationMin, o.ActivationMax, output);
                break;
            case WeightEncoding.IndexDelta:
                FullyConnectedIndexDelta(input, Rows, Depth, RowStride, ColumnStride, e.Counts, e.Deltas, e.Values, o.Bias, o.StoredMultipliers, o.StoredShifts,
                    o.ZeroPoint, o.ActivationMin, o.ActivationMax, output);
                break;
            case WeightEncoding.ClusteredIndexDelta:
                FullyConnectedClusteredIndexDelta(input, Rows, Depth, RowStride, ColumnStride, e.Codebook, e.Codes, o.Bias, o.StoredMultipliers, o.StoredShifts,
                    o.ZeroPoint, o.ActivationMin, o.ActivationMax, output);
                break;
            default:
                FullyConnectedClustered(input, Rows, Depth, RowStride, ColumnStride, e.Mask, e.Codebook, e.Codes, e.Bits, o.Bias, o.StoredMultipliers, o.StoredShifts,
                    o.ZeroPoint, o.ActivationMin, o.ActivationMax, output);
                break;
        }
    }

    // <emit>
    /// <summary>Int8 fully connected layer with per-unit requantization (see the ModelBaker docs).</summary>
    public static void FullyConnected(ReadOnlySpan<sbyte> input, int rows, int depth, int rowStride, int columnStride,
        ReadOnlySpan<sbyte> weights, ReadOnlySpan<int> bias, ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts,
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
                output[m * units + n] = Requantize(accumulator, multipliers[multipliers.Length == 1 ? 0 : n] << 16, shifts[shifts.Length == 1 ? 0 : n], outputZeroPoint, activationMin, activationMax);
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

    // <emit Bitmask>
    /// <summary>Int8 fully connected layer whose weights are stored as a bitmask of non-zeros plus the non-zero values.</summary>
    public static void FullyConnectedBitmask(ReadOnlySpan<sbyte> input, int rows, int depth, int rowStride, int columnStride,
        ReadOnlySpan<byte> mask, ReadOnlySpan<sbyte> values, ReadOnlySpan<int> bias, ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts,
        int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int units = bias.Length, maskBytes = (depth + 7) / 8;
        for (int m = 0; m < rows; m++)
        {
            int next = 0; // the next non-zero value, consumed unit by unit
            for (int n = 0; n < units; n++)
            {
                int accumulator = bias[n], b = 0;
                ReadOnlySpan<byte> unitMask = mask.Slice(n * maskBytes, maskBytes);
#if NET8_0_OR_GREATER
                if (columnStride == 1 && System.Runtime.Intrinsics.X86.Avx512Vbmi2.IsSupported && depth >= 64)
                {
                    // Sixty-four weights a step: AVX-512 VBMI2 expands the packed non-zero values straight into their
                    // lanes under the bitmask (turned into a byte mask by a shuffle and a test).
                    ref sbyte inputRow = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(input.Slice(m * rowStride));
                    ref sbyte packed = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
                    ref byte bits = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(unitMask);
                    var laneByte = System.Runtime.Intrinsics.Vector512.Create(BitmaskLaneByte);
                    var laneBit = System.Runtime.Intrinsics.Vector512.Create(BitmaskLaneBit);
                    var sum512 = System.Runtime.Intrinsics.Vector512<int>.Zero;
                    // The 64-byte load of packed values must stay inside them: the last ones go the narrower ways.
                    for (; b + 7 < depth / 8 && next + 64 <= values.Length; b += 8)
                    {
                        ulong set = System.Runtime.CompilerServices.Unsafe.ReadUnaligned<ulong>(ref System.Runtime.CompilerServices.Unsafe.Add(ref bits, b));
                        var spread = System.Runtime.Intrinsics.X86.Avx512BW.Shuffle(
                            System.Runtime.Intrinsics.Vector512.AsByte(System.Runtime.Intrinsics.Vector512.Create(set)), laneByte);
                        var selected = System.Runtime.Intrinsics.Vector512.Equals(spread & laneBit, laneBit);
                        var weights64 = System.Runtime.Intrinsics.X86.Avx512Vbmi2.Expand(System.Runtime.Intrinsics.Vector512<sbyte>.Zero,
                            System.Runtime.Intrinsics.Vector512.AsSByte(selected), System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref packed, (nuint)next));
                        var inputs64 = System.Runtime.Intrinsics.Vector512.LoadUnsafe(ref inputRow, (nuint)(b * 8));
                        sum512 += System.Runtime.Intrinsics.X86.Avx512BW.MultiplyAddAdjacent(
                                      System.Runtime.Intrinsics.Vector512.WidenLower(inputs64), System.Runtime.Intrinsics.Vector512.WidenLower(weights64))
                                  + System.Runtime.Intrinsics.X86.Avx512BW.MultiplyAddAdjacent(
                                      System.Runtime.Intrinsics.Vector512.WidenUpper(inputs64), System.Runtime.Intrinsics.Vector512.WidenUpper(weights64));
                        next += System.Numerics.BitOperations.PopCount(set);
                    }
                    accumulator += System.Runtime.Intrinsics.Vector512.Sum(sum512);
                }
                if (columnStride == 1 && System.Runtime.Intrinsics.X86.Ssse3.IsSupported)
                {
                    // Sixteen weights a step: each mask byte picks a shuffle that spreads its packed non-zero values over
                    // their lanes (zero lanes elsewhere); the second byte's indices are moved up by 8 (0x80 + 8 still
                    // means "zero"), so one shuffle spreads all sixteen. Then widen and multiply-add as the dense kernel.
                    ref sbyte inputRow = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(input.Slice(m * rowStride));
                    ref byte packed = ref System.Runtime.CompilerServices.Unsafe.As<sbyte, byte>(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values));
                    ref byte table = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(BitmaskExpansion);
                    ref byte bits = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(unitMask);
                    var sum = System.Runtime.Intrinsics.Vector128<int>.Zero;
                    // The two 8-byte loads of packed values must stay inside them: the last ones go one by one.
                    for (; b + 1 < depth / 8 && next + 16 <= values.Length; b += 2)
                    {
                        int low = System.Runtime.CompilerServices.Unsafe.Add(ref bits, b), high = System.Runtime.CompilerServices.Unsafe.Add(ref bits, b + 1);
                        int lowCount = System.Numerics.BitOperations.PopCount((uint)low);
                        var packed16 = System.Runtime.Intrinsics.Vector128.Create(
                            System.Runtime.CompilerServices.Unsafe.ReadUnaligned<long>(ref System.Runtime.CompilerServices.Unsafe.Add(ref packed, next)),
                            System.Runtime.CompilerServices.Unsafe.ReadUnaligned<long>(ref System.Runtime.CompilerServices.Unsafe.Add(ref packed, next + lowCount)));
                        var lanes16 = System.Runtime.Intrinsics.Vector128.Create(
                            System.Runtime.CompilerServices.Unsafe.ReadUnaligned<long>(ref System.Runtime.CompilerServices.Unsafe.Add(ref table, low * 8)),
                            System.Runtime.CompilerServices.Unsafe.ReadUnaligned<long>(ref System.Runtime.CompilerServices.Unsafe.Add(ref table, high * 8)) + 0x0808080808080808L);
                        var weights16 = System.Runtime.Intrinsics.X86.Ssse3.Shuffle(System.Runtime.Intrinsics.Vector128.AsSByte(packed16), System.Runtime.Intrinsics.Vector128.AsSByte(lanes16));
                        var inputs16 = System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref inputRow, (nuint)(b * 8));
                        sum += System.Runtime.Intrinsics.X86.Sse2.MultiplyAddAdjacent(System.Runtime.Intrinsics.Vector128.WidenLower(inputs16), System.Runtime.Intrinsics.Vector128.WidenLower(weights16))
                             + System.Runtime.Intrinsics.X86.Sse2.MultiplyAddAdjacent(System.Runtime.Intrinsics.Vector128.WidenUpper(inputs16), System.Runtime.Intrinsics.Vector128.WidenUpper(weights16));
                        next += lowCount + System.Numerics.BitOperations.PopCount((uint)high);
                    }
                    accumulator += System.Runtime.Intrinsics.Vector128.Sum(sum);
                }
#endif
                for (; b < maskBytes; b++)
                {
                    int set = unitMask[b];
                    while (set != 0)
                    {
                        int bit = 0;
                        while ((set & (1 << bit)) == 0) bit++;
                        set &= set - 1; // clear the lowest set bit
                        accumulator += input[m * rowStride + (b * 8 + bit) * columnStride] * values[next++];
                    }
                }
                output[m * units + n] = Requantize(accumulator, multipliers[multipliers.Length == 1 ? 0 : n] << 16, shifts[shifts.Length == 1 ? 0 : n], outputZeroPoint, activationMin, activationMax);
            }
        }
    }

    /// <summary>For the AVX-512 path: lane i of 64 reads mask byte i / 8 (the shuffle works within 16-byte quarters).</summary>
    private static ReadOnlySpan<byte> BitmaskLaneByte => new byte[]
    {
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,
        4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7,
    };

    /// <summary>For the AVX-512 path: lane i of 64 tests bit i % 8 of its mask byte.</summary>
    private static ReadOnlySpan<byte> BitmaskLaneBit => new byte[]
    {
        1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
        1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
    };

    /// <summary>
    /// For each mask byte, the shuffle that moves packed non-zero values to their lanes: entry 8·mask + lane is the
    /// value's index among the packed ones, or 0x80 (a zero lane) where the mask bit is clear.
    /// </summary>
    private static ReadOnlySpan<byte> BitmaskExpansion => new byte[]
    {
        128, 128, 128, 128, 128, 128, 128, 128, 0, 128, 128, 128, 128, 128, 128, 128, 128, 0, 128, 128, 128, 128, 128, 128, 0, 1, 128, 128, 128, 128, 128, 128,
        128, 128, 0, 128, 128, 128, 128, 128, 0, 128, 1, 128, 128, 128, 128, 128, 128, 0, 1, 128, 128, 128, 128, 128, 0, 1, 2, 128, 128, 128, 128, 128,
        128, 128, 128, 0, 128, 128, 128, 128, 0, 128, 128, 1, 128, 128, 128, 128, 128, 0, 128, 1, 128, 128, 128, 128, 0, 1, 128, 2, 128, 128, 128, 128,
        128, 128, 0, 1, 128, 128, 128, 128, 0, 128, 1, 2, 128, 128, 128, 128, 128, 0, 1, 2, 128, 128, 128, 128, 0, 1, 2, 3, 128, 128, 128, 128,
        128, 128, 128, 128, 0, 128, 128, 128, 0, 128, 128, 128, 1, 128, 128, 128, 128, 0, 128, 128, 1, 128, 128, 128, 0, 1, 128, 128, 2, 128, 128, 128,
        128, 128, 0, 128, 1, 128, 128, 128, 0, 128, 1, 128, 2, 128, 128, 128, 128, 0, 1, 128, 2, 128, 128, 128, 0, 1, 2, 128, 3, 128, 128, 128,
        128, 128, 128, 0, 1, 128, 128, 128, 0, 128, 128, 1, 2, 128, 128, 128, 128, 0, 128, 1, 2, 128, 128, 128, 0, 1, 128, 2, 3, 128, 128, 128,
        128, 128, 0, 1, 2, 128, 128, 128, 0, 128, 1, 2, 3, 128, 128, 128, 128, 0, 1, 2, 3, 128, 128, 128, 0, 1, 2, 3, 4, 128, 128, 128,
        128, 128, 128, 128, 128, 0, 128, 128, 0, 128, 128, 128, 128, 1, 128, 128, 128, 0, 128, 128, 128, 1, 128, 128, 0, 1, 128, 128, 128, 2, 128, 128,
        128, 128, 0, 128, 128, 1, 128, 128, 0, 128, 1, 128, 128, 2, 128, 128, 128, 0, 1, 128, 128, 2, 128, 128, 0, 1, 2, 128, 128, 3, 128, 128,
        128, 128, 128, 0, 128, 1, 128, 128, 0, 128, 128, 1, 128, 2, 128, 128, 128, 0, 128, 1, 128, 2, 128, 128, 0, 1, 128, 2, 128, 3, 128, 128,
        128, 128, 0, 1, 128, 2, 128, 128, 0, 128, 1, 2, 128, 3, 128, 128, 128, 0, 1, 2, 128, 3, 128, 128, 0, 1, 2, 3, 128, 4, 128, 128,
        128, 128, 128, 128, 0, 1, 128, 128, 0, 128, 128, 128, 1, 2, 128, 128, 128, 0, 128, 128, 1, 2, 128, 128, 0, 1, 128, 128, 2, 3, 128, 128,
        128, 128, 0, 128, 1, 2, 128, 128, 0, 128, 1, 128, 2, 3, 128, 128, 128, 0, 1, 128, 2, 3, 128, 128, 0, 1, 2, 128, 3, 4, 128, 128,
        128, 128, 128, 0, 1, 2, 128, 128, 0, 128, 128, 1, 2, 3, 128, 128, 128, 0, 128, 1, 2, 3, 128, 128, 0, 1, 128, 2, 3, 4, 128, 128,
        128, 128, 0, 1, 2, 3, 128, 128, 0, 128, 1, 2, 3, 4, 128, 128, 128, 0, 1, 2, 3, 4, 128, 128, 0, 1, 2, 3, 4, 5, 128, 128,
        128, 128, 128, 128, 128, 128, 0, 128, 0, 128, 128, 128, 128, 128, 1, 128, 128, 0, 128, 128, 128, 128, 1, 128, 0, 1, 128, 128, 128, 128, 2, 128,
        128, 128, 0, 128, 128, 128, 1, 128, 0, 128, 1, 128, 128, 128, 2, 128, 128, 0, 1, 128, 128, 128, 2, 128, 0, 1, 2, 128, 128, 128, 3, 128,
        128, 128, 128, 0, 128, 128, 1, 128, 0, 128, 128, 1, 128, 128, 2, 128, 128, 0, 128, 1, 128, 128, 2, 128, 0, 1, 128, 2, 128, 128, 3, 128,
        128, 128, 0, 1, 128, 128, 2, 128, 0, 128, 1, 2, 128, 128, 3, 128, 128, 0, 1, 2, 128, 128, 3, 128, 0, 1, 2, 3, 128, 128, 4, 128,
        128, 128, 128, 128, 0, 128, 1, 128, 0, 128, 128, 128, 1, 128, 2, 128, 128, 0, 128, 128, 1, 128, 2, 128, 0, 1, 128, 128, 2, 128, 3, 128,
        128, 128, 0, 128, 1, 128, 2, 128, 0, 128, 1, 128, 2, 128, 3, 128, 128, 0, 1, 128, 2, 128, 3, 128, 0, 1, 2, 128, 3, 128, 4, 128,
        128, 128, 128, 0, 1, 128, 2, 128, 0, 128, 128, 1, 2, 128, 3, 128, 128, 0, 128, 1, 2, 128, 3, 128, 0, 1, 128, 2, 3, 128, 4, 128,
        128, 128, 0, 1, 2, 128, 3, 128, 0, 128, 1, 2, 3, 128, 4, 128, 128, 0, 1, 2, 3, 128, 4, 128, 0, 1, 2, 3, 4, 128, 5, 128,
        128, 128, 128, 128, 128, 0, 1, 128, 0, 128, 128, 128, 128, 1, 2, 128, 128, 0, 128, 128, 128, 1, 2, 128, 0, 1, 128, 128, 128, 2, 3, 128,
        128, 128, 0, 128, 128, 1, 2, 128, 0, 128, 1, 128, 128, 2, 3, 128, 128, 0, 1, 128, 128, 2, 3, 128, 0, 1, 2, 128, 128, 3, 4, 128,
        128, 128, 128, 0, 128, 1, 2, 128, 0, 128, 128, 1, 128, 2, 3, 128, 128, 0, 128, 1, 128, 2, 3, 128, 0, 1, 128, 2, 128, 3, 4, 128,
        128, 128, 0, 1, 128, 2, 3, 128, 0, 128, 1, 2, 128, 3, 4, 128, 128, 0, 1, 2, 128, 3, 4, 128, 0, 1, 2, 3, 128, 4, 5, 128,
        128, 128, 128, 128, 0, 1, 2, 128, 0, 128, 128, 128, 1, 2, 3, 128, 128, 0, 128, 128, 1, 2, 3, 128, 0, 1, 128, 128, 2, 3, 4, 128,
        128, 128, 0, 128, 1, 2, 3, 128, 0, 128, 1, 128, 2, 3, 4, 128, 128, 0, 1, 128, 2, 3, 4, 128, 0, 1, 2, 128, 3, 4, 5, 128,
        128, 128, 128, 0, 1, 2, 3, 128, 0, 128, 128, 1, 2, 3, 4, 128, 128, 0, 128, 1, 2, 3, 4, 128, 0, 1, 128, 2, 3, 4, 5, 128,
        128, 128, 0, 1, 2, 3, 4, 128, 0, 128, 1, 2, 3, 4, 5, 128, 128, 0, 1, 2, 3, 4, 5, 128, 0, 1, 2, 3, 4, 5, 6, 128,
        128, 128, 128, 128, 128, 128, 128, 0, 0, 128, 128, 128, 128, 128, 128, 1, 128, 0, 128, 128, 128, 128, 128, 1, 0, 1, 128, 128, 128, 128, 128, 2,
        128, 128, 0, 128, 128, 128, 128, 1, 0, 128, 1, 128, 128, 128, 128, 2, 128, 0, 1, 128, 128, 128, 128, 2, 0, 1, 2, 128, 128, 128, 128, 3,
        128, 128, 128, 0, 128, 128, 128, 1, 0, 128, 128, 1, 128, 128, 128, 2, 128, 0, 128, 1, 128, 128, 128, 2, 0, 1, 128, 2, 128, 128, 128, 3,
        128, 128, 0, 1, 128, 128, 128, 2, 0, 128, 1, 2, 128, 128, 128, 3, 128, 0, 1, 2, 128, 128, 128, 3, 0, 1, 2, 3, 128, 128, 128, 4,
        128, 128, 128, 128, 0, 128, 128, 1, 0, 128, 128, 128, 1, 128, 128, 2, 128, 0, 128, 128, 1, 128, 128, 2, 0, 1, 128, 128, 2, 128, 128, 3,
        128, 128, 0, 128, 1, 128, 128, 2, 0, 128, 1, 128, 2, 128, 128, 3, 128, 0, 1, 128, 2, 128, 128, 3, 0, 1, 2, 128, 3, 128, 128, 4,
        128, 128, 128, 0, 1, 128, 128, 2, 0, 128, 128, 1, 2, 128, 128, 3, 128, 0, 128, 1, 2, 128, 128, 3, 0, 1, 128, 2, 3, 128, 128, 4,
        128, 128, 0, 1, 2, 128, 128, 3, 0, 128, 1, 2, 3, 128, 128, 4, 128, 0, 1, 2, 3, 128, 128, 4, 0, 1, 2, 3, 4, 128, 128, 5,
        128, 128, 128, 128, 128, 0, 128, 1, 0, 128, 128, 128, 128, 1, 128, 2, 128, 0, 128, 128, 128, 1, 128, 2, 0, 1, 128, 128, 128, 2, 128, 3,
        128, 128, 0, 128, 128, 1, 128, 2, 0, 128, 1, 128, 128, 2, 128, 3, 128, 0, 1, 128, 128, 2, 128, 3, 0, 1, 2, 128, 128, 3, 128, 4,
        128, 128, 128, 0, 128, 1, 128, 2, 0, 128, 128, 1, 128, 2, 128, 3, 128, 0, 128, 1, 128, 2, 128, 3, 0, 1, 128, 2, 128, 3, 128, 4,
        128, 128, 0, 1, 128, 2, 128, 3, 0, 128, 1, 2, 128, 3, 128, 4, 128, 0, 1, 2, 128, 3, 128, 4, 0, 1, 2, 3, 128, 4, 128, 5,
        128, 128, 128, 128, 0, 1, 128, 2, 0, 128, 128, 128, 1, 2, 128, 3, 128, 0, 128, 128, 1, 2, 128, 3, 0, 1, 128, 128, 2, 3, 128, 4,
        128, 128, 0, 128, 1, 2, 128, 3, 0, 128, 1, 128, 2, 3, 128, 4, 128, 0, 1, 128, 2, 3, 128, 4, 0, 1, 2, 128, 3, 4, 128, 5,
        128, 128, 128, 0, 1, 2, 128, 3, 0, 128, 128, 1, 2, 3, 128, 4, 128, 0, 128, 1, 2, 3, 128, 4, 0, 1, 128, 2, 3, 4, 128, 5,
        128, 128, 0, 1, 2, 3, 128, 4, 0, 128, 1, 2, 3, 4, 128, 5, 128, 0, 1, 2, 3, 4, 128, 5, 0, 1, 2, 3, 4, 5, 128, 6,
        128, 128, 128, 128, 128, 128, 0, 1, 0, 128, 128, 128, 128, 128, 1, 2, 128, 0, 128, 128, 128, 128, 1, 2, 0, 1, 128, 128, 128, 128, 2, 3,
        128, 128, 0, 128, 128, 128, 1, 2, 0, 128, 1, 128, 128, 128, 2, 3, 128, 0, 1, 128, 128, 128, 2, 3, 0, 1, 2, 128, 128, 128, 3, 4,
        128, 128, 128, 0, 128, 128, 1, 2, 0, 128, 128, 1, 128, 128, 2, 3, 128, 0, 128, 1, 128, 128, 2, 3, 0, 1, 128, 2, 128, 128, 3, 4,
        128, 128, 0, 1, 128, 128, 2, 3, 0, 128, 1, 2, 128, 128, 3, 4, 128, 0, 1, 2, 128, 128, 3, 4, 0, 1, 2, 3, 128, 128, 4, 5,
        128, 128, 128, 128, 0, 128, 1, 2, 0, 128, 128, 128, 1, 128, 2, 3, 128, 0, 128, 128, 1, 128, 2, 3, 0, 1, 128, 128, 2, 128, 3, 4,
        128, 128, 0, 128, 1, 128, 2, 3, 0, 128, 1, 128, 2, 128, 3, 4, 128, 0, 1, 128, 2, 128, 3, 4, 0, 1, 2, 128, 3, 128, 4, 5,
        128, 128, 128, 0, 1, 128, 2, 3, 0, 128, 128, 1, 2, 128, 3, 4, 128, 0, 128, 1, 2, 128, 3, 4, 0, 1, 128, 2, 3, 128, 4, 5,
        128, 128, 0, 1, 2, 128, 3, 4, 0, 128, 1, 2, 3, 128, 4, 5, 128, 0, 1, 2, 3, 128, 4, 5, 0, 1, 2, 3, 4, 128, 5, 6,
        128, 128, 128, 128, 128, 0, 1, 2, 0, 128, 128, 128, 128, 1, 2, 3, 128, 0, 128, 128, 128, 1, 2, 3, 0, 1, 128, 128, 128, 2, 3, 4,
        128, 128, 0, 128, 128, 1, 2, 3, 0, 128, 1, 128, 128, 2, 3, 4, 128, 0, 1, 128, 128, 2, 3, 4, 0, 1, 2, 128, 128, 3, 4, 5,
        128, 128, 128, 0, 128, 1, 2, 3, 0, 128, 128, 1, 128, 2, 3, 4, 128, 0, 128, 1, 128, 2, 3, 4, 0, 1, 128, 2, 128, 3, 4, 5,
        128, 128, 0, 1, 128, 2, 3, 4, 0, 128, 1, 2, 128, 3, 4, 5, 128, 0, 1, 2, 128, 3, 4, 5, 0, 1, 2, 3, 128, 4, 5, 6,
        128, 128, 128, 128, 0, 1, 2, 3, 0, 128, 128, 128, 1, 2, 3, 4, 128, 0, 128, 128, 1, 2, 3, 4, 0, 1, 128, 128, 2, 3, 4, 5,
        128, 128, 0, 128, 1, 2, 3, 4, 0, 128, 1, 128, 2, 3, 4, 5, 128, 0, 1, 128, 2, 3, 4, 5, 0, 1, 2, 128, 3, 4, 5, 6,
        128, 128, 128, 0, 1, 2, 3, 4, 0, 128, 128, 1, 2, 3, 4, 5, 128, 0, 128, 1, 2, 3, 4, 5, 0, 1, 128, 2, 3, 4, 5, 6,
        128, 128, 0, 1, 2, 3, 4, 5, 0, 128, 1, 2, 3, 4, 5, 6, 128, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 7,
    };
    // </emit>

    // <emit IndexDelta>
    /// <summary>Int8 fully connected layer whose weights are stored as (distance from the previous non-zero, value) pairs.</summary>
    public static void FullyConnectedIndexDelta(ReadOnlySpan<sbyte> input, int rows, int depth, int rowStride, int columnStride,
        ReadOnlySpan<ushort> counts, ReadOnlySpan<byte> deltas, ReadOnlySpan<sbyte> values, ReadOnlySpan<int> bias, ReadOnlySpan<short> multipliers,
        ReadOnlySpan<sbyte> shifts, int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int units = bias.Length;
        for (int m = 0; m < rows; m++)
        {
            int entry = 0;
            for (int n = 0; n < units; n++)
            {
                int accumulator = bias[n], k = -1;
                for (int c = 0; c < counts[n]; c++, entry++)
                {
                    k += deltas[entry];
                    accumulator += input[m * rowStride + k * columnStride] * values[entry];
                }
                output[m * units + n] = Requantize(accumulator, multipliers[multipliers.Length == 1 ? 0 : n] << 16, shifts[shifts.Length == 1 ? 0 : n], outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    // <emit Clustered>
    /// <summary>
    /// Int8 fully connected layer whose weights are codes into a small codebook, packed <paramref name="bits"/> bits each;
    /// with a non-empty <paramref name="mask"/> only the non-zero weights have codes.
    /// </summary>
    public static void FullyConnectedClustered(ReadOnlySpan<sbyte> input, int rows, int depth, int rowStride, int columnStride,
        ReadOnlySpan<byte> mask, ReadOnlySpan<sbyte> codebook, ReadOnlySpan<byte> codes, int bits, ReadOnlySpan<int> bias,
        ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts, int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int units = bias.Length, maskBytes = (depth + 7) / 8, codeMask = (1 << bits) - 1;
        bool sparse = mask.Length > 0;
        for (int m = 0; m < rows; m++)
        {
            int position = 0; // bit position of the next code
            for (int n = 0; n < units; n++)
            {
                int accumulator = bias[n];
                for (int k = 0; k < depth; k++)
                {
                    if (sparse && (mask[n * maskBytes + k / 8] & (1 << (k % 8))) == 0) continue;
                    int at = position >> 3;
                    int word = codes[at] | (at + 1 < codes.Length ? codes[at + 1] << 8 : 0);
                    int code = (word >> (position & 7)) & codeMask;
                    position += bits;
                    accumulator += input[m * rowStride + k * columnStride] * codebook[code];
                }
                output[m * units + n] = Requantize(accumulator, multipliers[multipliers.Length == 1 ? 0 : n] << 16, shifts[shifts.Length == 1 ? 0 : n], outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    // <emit ClusteredIndexDelta>
    /// <summary>
    /// Int8 fully connected layer stored as one byte per non-zero weight — zeros skipped (high 4 bits) and codebook index
    /// (low 4 bits) — over all units in order; 0xF0 + j skips 15·(j + 1) zeros. A unit ends where an entry would land past it.
    /// </summary>
    public static void FullyConnectedClusteredIndexDelta(ReadOnlySpan<sbyte> input, int rows, int depth, int rowStride, int columnStride,
        ReadOnlySpan<sbyte> codebook, ReadOnlySpan<byte> entries, ReadOnlySpan<int> bias,
        ReadOnlySpan<short> multipliers, ReadOnlySpan<sbyte> shifts, int outputZeroPoint, int activationMin, int activationMax, Span<sbyte> output)
    {
        int units = bias.Length;
        for (int m = 0; m < rows; m++)
        {
            int cursor = 0, position = 0; // next entry, next weight (over all units) an entry can place
            for (int n = 0; n < units; n++)
            {
                int accumulator = bias[n], first = n * depth, end = first + depth;
                for (; cursor < entries.Length; cursor++)
                {
                    int entry = entries[cursor];
                    if (entry >= 0xF0) { position += 15 * ((entry & 15) + 1); continue; }
                    int at = position + (entry >> 4);
                    if (at >= end) break; // the next unit's
                    accumulator += input[m * rowStride + (at - first) * columnStride] * codebook[entry & 15];
                    position = at + 1;
                }
                output[m * units + n] = Requantize(accumulator, multipliers[multipliers.Length == 1 ? 0 : n] << 16, shifts[shifts.Length == 1 ? 0 : n], outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    // The nanoFramework flavour of each encoding: arrays and offsets, scalar loops, C# 9.
    // <emit Nano>
    /// <summary>Int8 fully connected layer with per-unit requantization, on arrays.</summary>
    public static void FullyConnected(sbyte[] input, int inputOffset, int rows, int depth, int rowStride, int columnStride,
        sbyte[] weights, int[] bias, short[] multipliers, sbyte[] shifts,
        int outputZeroPoint, int activationMin, int activationMax, sbyte[] output, int outputOffset)
    {
        int units = bias.Length;
        for (int m = 0; m < rows; m++)
        {
            for (int n = 0; n < units; n++)
            {
                int accumulator = bias[n], position = inputOffset + m * rowStride, w = n * depth;
                for (int k = 0; k < depth; k++, position += columnStride)
                    accumulator += input[position] * weights[w + k];
                output[outputOffset + m * units + n] = Requantize(accumulator, multipliers[multipliers.Length == 1 ? 0 : n] << 16, shifts[shifts.Length == 1 ? 0 : n], outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    // <emit NanoBitmask>
    /// <summary>Int8 fully connected layer stored as a bitmask of non-zeros plus the non-zero values, on arrays.</summary>
    public static void FullyConnectedBitmask(sbyte[] input, int inputOffset, int rows, int depth, int rowStride, int columnStride,
        byte[] mask, sbyte[] values, int[] bias, short[] multipliers, sbyte[] shifts,
        int outputZeroPoint, int activationMin, int activationMax, sbyte[] output, int outputOffset)
    {
        int units = bias.Length, maskBytes = (depth + 7) / 8;
        for (int m = 0; m < rows; m++)
        {
            int next = 0, row = inputOffset + m * rowStride;
            for (int n = 0; n < units; n++)
            {
                int accumulator = bias[n];
                for (int b = 0; b < maskBytes; b++)
                {
                    int set = mask[n * maskBytes + b];
                    while (set != 0)
                    {
                        int bit = 0;
                        while ((set & (1 << bit)) == 0) bit++;
                        set &= set - 1; // clear the lowest set bit
                        accumulator += input[row + (b * 8 + bit) * columnStride] * values[next++];
                    }
                }
                output[outputOffset + m * units + n] = Requantize(accumulator, multipliers[multipliers.Length == 1 ? 0 : n] << 16, shifts[shifts.Length == 1 ? 0 : n], outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    // <emit NanoIndexDelta>
    /// <summary>Int8 fully connected layer stored as (distance from the previous non-zero, value) pairs, on arrays.</summary>
    public static void FullyConnectedIndexDelta(sbyte[] input, int inputOffset, int rows, int depth, int rowStride, int columnStride,
        ushort[] counts, byte[] deltas, sbyte[] values, int[] bias, short[] multipliers,
        sbyte[] shifts, int outputZeroPoint, int activationMin, int activationMax, sbyte[] output, int outputOffset)
    {
        int units = bias.Length;
        for (int m = 0; m < rows; m++)
        {
            int entry = 0, row = inputOffset + m * rowStride;
            for (int n = 0; n < units; n++)
            {
                int accumulator = bias[n], k = -1;
                for (int c = 0; c < counts[n]; c++, entry++)
                {
                    k += deltas[entry];
                    accumulator += input[row + k * columnStride] * values[entry];
                }
                output[outputOffset + m * units + n] = Requantize(accumulator, multipliers[multipliers.Length == 1 ? 0 : n] << 16, shifts[shifts.Length == 1 ? 0 : n], outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    // <emit NanoClustered>
    /// <summary>The mask argument of a clustered layer without one (every weight has a code).</summary>
    private static readonly byte[] NoMask = new byte[0];

    /// <summary>Int8 fully connected layer stored as packed codebook indices (with an optional bitmask), on arrays.</summary>
    public static void FullyConnectedClustered(sbyte[] input, int inputOffset, int rows, int depth, int rowStride, int columnStride,
        byte[] mask, sbyte[] codebook, byte[] codes, int bits, int[] bias,
        short[] multipliers, sbyte[] shifts, int outputZeroPoint, int activationMin, int activationMax, sbyte[] output, int outputOffset)
    {
        int units = bias.Length, maskBytes = (depth + 7) / 8, codeMask = (1 << bits) - 1;
        bool sparse = mask.Length > 0;
        for (int m = 0; m < rows; m++)
        {
            int position = 0, row = inputOffset + m * rowStride;
            for (int n = 0; n < units; n++)
            {
                int accumulator = bias[n];
                for (int k = 0; k < depth; k++)
                {
                    if (sparse && (mask[n * maskBytes + k / 8] & (1 << (k % 8))) == 0) continue;
                    int at = position >> 3;
                    int word = codes[at] | (at + 1 < codes.Length ? codes[at + 1] << 8 : 0);
                    int code = (word >> (position & 7)) & codeMask;
                    position += bits;
                    accumulator += input[row + k * columnStride] * codebook[code];
                }
                output[outputOffset + m * units + n] = Requantize(accumulator, multipliers[multipliers.Length == 1 ? 0 : n] << 16, shifts[shifts.Length == 1 ? 0 : n], outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    // <emit NanoClusteredIndexDelta>
    /// <summary>Int8 fully connected layer stored as (zeros skipped, code) bytes over all units, on arrays.</summary>
    public static void FullyConnectedClusteredIndexDelta(sbyte[] input, int inputOffset, int rows, int depth, int rowStride, int columnStride,
        sbyte[] codebook, byte[] entries, int[] bias,
        short[] multipliers, sbyte[] shifts, int outputZeroPoint, int activationMin, int activationMax, sbyte[] output, int outputOffset)
    {
        int units = bias.Length;
        for (int m = 0; m < rows; m++)
        {
            int cursor = 0, position = 0, row = inputOffset + m * rowStride;
            for (int n = 0; n < units; n++)
            {
                int accumulator = bias[n], first = n * depth, end = first + depth;
                for (; cursor < entries.Length; cursor++)
                {
                    int entry = entries[cursor];
                    if (entry >= 0xF0) { position += 15 * ((entry & 15) + 1); continue; }
                    int at = position + (entry >> 4);
                    if (at >= end) break; // the next unit's
                    accumulator += input[row + (at - first) * columnStride] * codebook[entry & 15];
                    position = at + 1;
                }
                output[outputOffset + m * units + n] = Requantize(accumulator, multipliers[multipliers.Length == 1 ? 0 : n] << 16, shifts[shifts.Length == 1 ? 0 : n], outputZeroPoint, activationMin, activationMax);
            }
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(FullyConnectedInt8) + Encoded.Encoding switch
    {
        WeightEncoding.Dense => "#Nano",
        WeightEncoding.Bitmask => "#NanoBitmask",
        WeightEncoding.IndexDelta => "#NanoIndexDelta",
        WeightEncoding.ClusteredIndexDelta => "#NanoClusteredIndexDelta",
        _ => "#NanoClustered",
    }, nameof(FixedPoint) };

    public override void EmitNanoCall(CodeWriter code, string name) => EmitCall(code, name, Input.NanoArguments(code), Output.NanoArguments(code), noMask: "NoMask");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Rows); w.Int(Depth); w.Int(RowStride); w.Int(ColumnStride);
        Encoded.Write(w); OutputStage.Write(w);
    }

    public static FullyConnectedInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Int(), r.Int(),
            EncodedWeights.Read(r), OutputStage.Read(r));

    public override void EmitCall(CodeWriter code, string name) => EmitCall(code, name, Input.Expression(code), Output.Expression(code), noMask: "mask: default");

    /// <summary>The call of this encoding's kernel, in either flavour (they differ in how arena slices are passed).</summary>
    private void EmitCall(CodeWriter code, string name, string input, string output, string noMask)
    {
        var (method, weights) = Encoded.Encoding switch
        {
            WeightEncoding.Dense => ("FullyConnected", $"{name}Weights"),
            WeightEncoding.Bitmask => ("FullyConnectedBitmask", $"{name}Mask, {name}Weights"),
            WeightEncoding.IndexDelta => ("FullyConnectedIndexDelta", $"{name}Counts, {name}Deltas, {name}Weights"),
            WeightEncoding.ClusteredBitmask => ("FullyConnectedClustered", $"{name}Mask, {name}Codebook, {name}Codes, bits: {Encoded.Bits}"),
            WeightEncoding.ClusteredIndexDelta => ("FullyConnectedClusteredIndexDelta", $"{name}Codebook, {name}Entries"),
            _ => ("FullyConnectedClustered", $"{noMask}, {name}Codebook, {name}Codes, bits: {Encoded.Bits}"),
        };
        code.Line($"{method}({input}, rows: {Rows}, depth: {Depth}, rowStride: {RowStride}, columnStride: {ColumnStride},")
            .Line($"    {weights}, {name}Bias, {name}Multipliers, {name}Shifts,")
            .Line($"    {OutputStage.Arguments}, {output});");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        Encoded.EmitData(code, name);
        OutputStage.EmitData(code, name, "unit");
    }
}
