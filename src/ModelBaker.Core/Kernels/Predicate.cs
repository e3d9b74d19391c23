using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>The operations of <see cref="Predicate"/>. Numbers are stored in plans: a new operation gets a new number.</summary>
public enum PredicateOperation
{
    Less = 0,
    LessOrEqual = 1,
    Greater = 2,
    GreaterOrEqual = 3,
    Equal = 4,
    /// <summary>And, Or and Xor take bool operands (Not is Xor with true).</summary>
    And = 5,
    Or = 6,
    Xor = 7,
}

/// <summary>
/// A bool tensor from two operands of one element type with numpy broadcasting: the comparisons (Less, LessOrEqual,
/// Greater, GreaterOrEqual, Equal; any comparison with NaN is false, as in IEEE and ONNX Runtime) and the logic
/// operations (And, Or, Xor on bools). Int8 plans compare float operands as their int8 values when both share one
/// quantization (quantization is monotonic, so the order is the same), and a float tensor with a float constant as its
/// int8 values with int32 thresholds decided at bake time (exact for the tensor's dequantized values), and two float
/// tensors of different quantizations as the first one's int8 values against a 256-entry table that gives, for each int8
/// value of the second, its threshold on the first one's grid (<see cref="ThresholdTable"/>); integer and bool operands
/// stay as they are.
/// </summary>
public sealed class Predicate : FloatKernel
{
    public Predicate(string source, PredicateOperation operation, int[] shape, TypedOperand a, TypedOperand b, ArenaSlice output,
        short[]? bThresholds = null)
        : base(source)
    {
        if (bThresholds != null && (bThresholds.Length != 256 || a.Type != ElementType.Int8 || b.Type != ElementType.Int8 || b.IsConstant))
            throw new ArgumentException("A threshold table maps each int8 value of a second int8 tensor: 256 entries.", nameof(bThresholds));
        if (a.Type != b.Type && !(a.Type == ElementType.Int8 && b.Type == ElementType.Int32 && b.IsConstant))
            throw new ArgumentException("Both operands of a predicate have one element type (or int8 values and int32 thresholds).");
        if (output.Type != ElementType.Bool) throw new ArgumentException("A predicate writes bools.", nameof(output));
        if (operation >= PredicateOperation.And && a.Type != ElementType.Bool) throw new ArgumentException("And, Or and Xor take bools.");
        Operation = operation;
        Shape = shape;
        A = a;
        B = b;
        Output = output;
        BThresholds = bThresholds;
    }

    public PredicateOperation Operation { get; }
    /// <summary>For two int8 tensors of different quantizations: B's int8 value + 128 → the threshold A is compared with.</summary>
    public short[]? BThresholds { get; }
    public int[] Shape { get; }
    public TypedOperand A { get; }
    public TypedOperand B { get; }
    public override ArenaSlice Output { get; }

    /// <summary>
    /// Float tensors of one scale and zero point compare as int8; a tensor and a constant compare as the tensor's int8
    /// values and integer thresholds. Two tensors of different quantizations compare A's int8 values with the threshold of
    /// B's value on A's grid (a table of 256), never by rounding one side to the other's grid, which would move the
    /// comparison.
    /// </summary>
    public override Kernel Quantize(QuantizationContext q)
    {
        if (A.Type != ElementType.Float32) return this;
        if (A.Slice != null && B.Slice != null)
        {
            var (pa, pb) = (q.Parameters(A.Slice), q.Parameters(B.Slice));
            return new Predicate(Source, Operation, Shape, new TypedOperand(q.Slice(A.Slice), null, A.Strides),
                new TypedOperand(q.Slice(B.Slice), null, B.Strides), Output, pa.Equals(pb) ? null : ThresholdTable(Operation, pa, pb));
        }
        // c op x is x op' c with the comparison mirrored.
        var (tensor, constant, operation) = A.Slice != null ? (A, B, Operation) : (B, A, Mirror(Operation));
        var p = q.Parameters(tensor.Slice!);
        var thresholds = ((float[])constant.Constant!).Select(c => Threshold(operation, c, p)).ToArray();
        return new Predicate(Source, operation, Shape, new TypedOperand(q.Slice(tensor.Slice!), null, tensor.Strides),
            new TypedOperand(null, thresholds, constant.Strides), Output);
    }

    private static PredicateOperation Mirror(PredicateOperation operation) => operation switch
    {
        PredicateOperation.Less => PredicateOperation.Greater,
        PredicateOperation.LessOrEqual => PredicateOperation.GreaterOrEqual,
        PredicateOperation.Greater => PredicateOperation.Less,
        PredicateOperation.GreaterOrEqual => PredicateOperation.LessOrEqual,
        _ => operation,
    };

    /// <summary>
    /// The integer t with (q op t) ⟺ (scale · (q − zero point) op c) for every int8 q: with u = c / scale + zero point,
    /// q &lt; c ⟺ q &lt; ⌈u⌉, q ≤ c ⟺ q ≤ ⌊u⌋, q &gt; c ⟺ q &gt; ⌊u⌋, q ≥ c ⟺ q ≥ ⌈u⌉, q = c ⟺ q = u when u is an
    /// integer (else never). u is clamped to ±1000 (infinities included), beyond any int8; NaN is never compared true.
    /// </summary>
    public static int Threshold(PredicateOperation operation, float c, QuantizationParameters p)
    {
        if (float.IsNaN(c)) return operation is PredicateOperation.Greater or PredicateOperation.GreaterOrEqual ? int.MaxValue : int.MinValue;
        double u = Math.Max(-1000, Math.Min(1000, c / p.Scale + p.ZeroPoint));
        return operation switch
        {
            PredicateOperation.Less or PredicateOperation.GreaterOrEqual => (int)Math.Ceiling(u),
            PredicateOperation.LessOrEqual or PredicateOperation.Greater => (int)Math.Floor(u),
            _ => u == Math.Floor(u) ? (int)u : int.MinValue,
        };
    }

    /// <summary>
    /// For each int8 value v of a tensor quantized by <paramref name="b"/>, the integer t with (q op t) ⟺
    /// (a.Scale · (q − a.ZeroPoint) op b.Scale · (v − b.ZeroPoint)) for every int8 q, the two dequantized values computed
    /// in double. t is first estimated by division and then settled by comparing those products, never by the division's
    /// rounding: an equality holds only where the two dequantized values are equal. Thresholds are
    /// clamped to [−129, 128], which keeps every comparison with an int8 q (−129: below all, 128: above all; an Equal with
    /// no int8 solution gets −129).
    /// </summary>
    public static short[] ThresholdTable(PredicateOperation operation, QuantizationParameters a, QuantizationParameters b)
    {
        var table = new short[256];
        for (int v = -128; v <= 127; v++)
        {
            double c = b.Scale * (v - b.ZeroPoint);
            double Real(long t) => a.Scale * (t - a.ZeroPoint);
            long estimate = (long)Math.Round(Math.Max(-1000, Math.Min(1000, c / a.Scale + a.ZeroPoint)));
            // The smallest t whose value is ≥ c (q < c ⟺ q < t; q ≥ c ⟺ q ≥ t) and the largest whose value is ≤ c.
            long lowest = Math.Max(-129, Math.Min(128, estimate));
            while (lowest > -129 && Real(lowest - 1) >= c) lowest--;
            while (lowest < 128 && Real(lowest) < c) lowest++;
            long highest = Math.Max(-129, Math.Min(128, estimate));
            while (highest < 128 && Real(highest + 1) <= c) highest++;
            while (highest > -129 && Real(highest) > c) highest--;
            long t = operation switch
            {
                PredicateOperation.Less or PredicateOperation.GreaterOrEqual => lowest,
                PredicateOperation.LessOrEqual or PredicateOperation.Greater => highest,
                _ => Real(lowest) == c ? lowest : -129,
            };
            table[v + 128] = (short)t;
        }
        return table;
    }

    public override KernelKind Kind => KernelKind.Predicate;
    public override IEnumerable<ArenaSlice> Reads => new[] { A.Slice, B.Slice }.Where(s => s != null)!;
    public override int WeightBytes => A.ConstantBytes + B.ConstantBytes + 2 * (BThresholds?.Length ?? 0) + 4 * 3 * Shape.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(Predicate), nameof(Predicate) + "#Decide", nameof(BinaryInteger) };

    /// <summary>
    /// The element types an int8 plan gives a predicate: int8 (with int32 thresholds or a threshold table), uint8, int16,
    /// uint16, int32, uint32, int64, uint64 and bools. Float predicates have no nanoFramework flavour: the target is integer-only.
    /// </summary>
    public override IEnumerable<string>? NanoHelpers => A.Type != ElementType.Float32
        ? new[] { nameof(Predicate) + "#Nano", nameof(Predicate) + "#Decide", nameof(BinaryInteger) + "#NanoBroadcast" }
        : null;

    public override void Run(PlanArena arena)
    {
        int op = (int)Operation;
        var output = arena.Of<bool>(Output);
        switch (A.Type)
        {
            case ElementType.Float32: CompareElements(op, A.Data<float>(arena), A.Strides, B.Data<float>(arena), B.Strides, Shape, output); break;
            case ElementType.Int8 when BThresholds != null:
                CompareElements(op, A.Data<sbyte>(arena), A.Strides, B.Data<sbyte>(arena), B.Strides, BThresholds, Shape, output);
                break;
            case ElementType.Int8 when B.Type == ElementType.Int32:
                CompareElements(op, A.Data<sbyte>(arena), A.Strides, B.Data<int>(arena), B.Strides, Shape, output);
                break;
            case ElementType.Int8: CompareElements(op, A.Data<sbyte>(arena), A.Strides, B.Data<sbyte>(arena), B.Strides, Shape, output); break;
            case ElementType.UInt8: CompareElements(op, A.Data<byte>(arena), A.Strides, B.Data<byte>(arena), B.Strides, Shape, output); break;
            case ElementType.Int32: CompareElements(op, A.Data<int>(arena), A.Strides, B.Data<int>(arena), B.Strides, Shape, output); break;
            case ElementType.Int64: CompareElements(op, A.Data<long>(arena), A.Strides, B.Data<long>(arena), B.Strides, Shape, output); break;
            case ElementType.Int16: CompareElements(op, A.Data<short>(arena), A.Strides, B.Data<short>(arena), B.Strides, Shape, output); break;
            case ElementType.UInt16: CompareElements(op, A.Data<ushort>(arena), A.Strides, B.Data<ushort>(arena), B.Strides, Shape, output); break;
            case ElementType.UInt32: CompareElements(op, A.Data<uint>(arena), A.Strides, B.Data<uint>(arena), B.Strides, Shape, output); break;
            case ElementType.UInt64: CompareElements(op, A.Data<ulong>(arena), A.Strides, B.Data<ulong>(arena), B.Strides, Shape, output); break;
            default: CompareElements(op, A.Data<bool>(arena), A.Strides, B.Data<bool>(arena), B.Strides, Shape, output); break;
        }
    }

    // <emit>
    /// <summary>Comparison of floats with broadcasting (strides are 0 along broadcast dimensions).</summary>
    public static void CompareElements(int operation, ReadOnlySpan<float> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<float> b,
        ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<bool> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            float x = a[BroadcastIndex(i, shape, aStrides)], y = b[BroadcastIndex(i, shape, bStrides)];
            output[i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of int8 values (integer tensors, or floats quantized with one scale).</summary>
    public static void CompareElements(int operation, ReadOnlySpan<sbyte> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<sbyte> b,
        ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<bool> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            int x = a[BroadcastIndex(i, shape, aStrides)], y = b[BroadcastIndex(i, shape, bStrides)];
            output[i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of int8 values with int32 thresholds (a float tensor quantized, and a constant).</summary>
    public static void CompareElements(int operation, ReadOnlySpan<sbyte> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<int> b,
        ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<bool> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            int x = a[BroadcastIndex(i, shape, aStrides)], y = b[BroadcastIndex(i, shape, bStrides)];
            output[i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>
    /// Comparison of int8 values of two quantizations: each value of b is read as its threshold on a's grid
    /// (<paramref name="bThresholds"/>[b + 128], decided at bake time).
    /// </summary>
    public static void CompareElements(int operation, ReadOnlySpan<sbyte> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<sbyte> b,
        ReadOnlySpan<int> bStrides, ReadOnlySpan<short> bThresholds, ReadOnlySpan<int> shape, Span<bool> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            int x = a[BroadcastIndex(i, shape, aStrides)], y = bThresholds[b[BroadcastIndex(i, shape, bStrides)] + 128];
            output[i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of uint8 values.</summary>
    public static void CompareElements(int operation, ReadOnlySpan<byte> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<byte> b,
        ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<bool> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            int x = a[BroadcastIndex(i, shape, aStrides)], y = b[BroadcastIndex(i, shape, bStrides)];
            output[i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of int32 values.</summary>
    public static void CompareElements(int operation, ReadOnlySpan<int> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<int> b,
        ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<bool> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            int x = a[BroadcastIndex(i, shape, aStrides)], y = b[BroadcastIndex(i, shape, bStrides)];
            output[i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of int64 values.</summary>
    public static void CompareElements(int operation, ReadOnlySpan<long> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<long> b,
        ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<bool> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            long x = a[BroadcastIndex(i, shape, aStrides)], y = b[BroadcastIndex(i, shape, bStrides)];
            output[i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of int16 values.</summary>
    public static void CompareElements(int operation, ReadOnlySpan<short> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<short> b,
        ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<bool> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            int x = a[BroadcastIndex(i, shape, aStrides)], y = b[BroadcastIndex(i, shape, bStrides)];
            output[i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of uint16 values.</summary>
    public static void CompareElements(int operation, ReadOnlySpan<ushort> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<ushort> b,
        ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<bool> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            int x = a[BroadcastIndex(i, shape, aStrides)], y = b[BroadcastIndex(i, shape, bStrides)];
            output[i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of uint32 values (unsigned order).</summary>
    public static void CompareElements(int operation, ReadOnlySpan<uint> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<uint> b,
        ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<bool> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            uint x = a[BroadcastIndex(i, shape, aStrides)], y = b[BroadcastIndex(i, shape, bStrides)];
            output[i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of uint64 values (unsigned order: 2^63 is above 2^63 − 1).</summary>
    public static void CompareElements(int operation, ReadOnlySpan<ulong> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<ulong> b,
        ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<bool> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            ulong x = a[BroadcastIndex(i, shape, aStrides)], y = b[BroadcastIndex(i, shape, bStrides)];
            output[i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison (false &lt; true) or logic of bools: 5 And, 6 Or, 7 Xor.</summary>
    public static void CompareElements(int operation, ReadOnlySpan<bool> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<bool> b,
        ReadOnlySpan<int> bStrides, ReadOnlySpan<int> shape, Span<bool> output)
    {
        for (int i = 0; i < output.Length; i++)
        {
            bool x = a[BroadcastIndex(i, shape, aStrides)], y = b[BroadcastIndex(i, shape, bStrides)];
            output[i] = Logic(operation, x, y);
        }
    }
    // </emit>

    // <emit Decide>
    /// <summary>
    /// A comparison from the order of x and y: 0 Less, 1 LessOrEqual, 2 Greater, 3 GreaterOrEqual, 4 Equal. With NaN
    /// all three are false, so every comparison is. Shared by the .NET and nanoFramework flavours.
    /// </summary>
    public static bool Decide(int operation, bool less, bool equal, bool greater)
    {
        switch (operation)
        {
            case 0: return less;
            case 1: return less || equal;
            case 2: return greater;
            case 3: return greater || equal;
            default: return equal;
        }
    }

    /// <summary>A comparison (false &lt; true) or logic operation of two bools: 5 And, 6 Or, 7 Xor.</summary>
    public static bool Logic(int operation, bool x, bool y) =>
        operation == 5 ? x && y : operation == 6 ? x || y : operation == 7 ? x != y : Decide(operation, !x && y, x == y, x && !y);
    // </emit>

    // <emit Nano>
    // nanoFramework flavour (arrays, offsets, no generics): a method per pair of operand types; Decide and Logic decide.

    /// <summary>Comparison of int8 values (integer tensors, or floats quantized with one scale), on arrays.</summary>
    public static void CompareInt8(int operation, sbyte[] a, int aOffset, int[] aStrides, sbyte[] b, int bOffset, int[] bStrides,
        int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int x = a[aOffset + BroadcastIndex(i, shape, aStrides)], y = b[bOffset + BroadcastIndex(i, shape, bStrides)];
            output[outputOffset + i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of int8 values with int32 thresholds (a float tensor quantized, and a constant), on arrays.</summary>
    public static void CompareInt8Thresholds(int operation, sbyte[] a, int aOffset, int[] aStrides, int[] b, int bOffset, int[] bStrides,
        int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int x = a[aOffset + BroadcastIndex(i, shape, aStrides)], y = b[bOffset + BroadcastIndex(i, shape, bStrides)];
            output[outputOffset + i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of int8 values of two quantizations through b's threshold table, on arrays.</summary>
    public static void CompareInt8Table(int operation, sbyte[] a, int aOffset, int[] aStrides, sbyte[] b, int bOffset, int[] bStrides,
        short[] bThresholds, int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int x = a[aOffset + BroadcastIndex(i, shape, aStrides)], y = bThresholds[b[bOffset + BroadcastIndex(i, shape, bStrides)] + 128];
            output[outputOffset + i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of uint8 values, on arrays.</summary>
    public static void CompareUInt8(int operation, byte[] a, int aOffset, int[] aStrides, byte[] b, int bOffset, int[] bStrides,
        int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int x = a[aOffset + BroadcastIndex(i, shape, aStrides)], y = b[bOffset + BroadcastIndex(i, shape, bStrides)];
            output[outputOffset + i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of int32 values, on arrays.</summary>
    public static void CompareInt32(int operation, int[] a, int aOffset, int[] aStrides, int[] b, int bOffset, int[] bStrides,
        int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int x = a[aOffset + BroadcastIndex(i, shape, aStrides)], y = b[bOffset + BroadcastIndex(i, shape, bStrides)];
            output[outputOffset + i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of int64 values, on arrays.</summary>
    public static void CompareInt64(int operation, long[] a, int aOffset, int[] aStrides, long[] b, int bOffset, int[] bStrides,
        int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            long x = a[aOffset + BroadcastIndex(i, shape, aStrides)], y = b[bOffset + BroadcastIndex(i, shape, bStrides)];
            output[outputOffset + i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of int16 values, on arrays.</summary>
    public static void CompareInt16(int operation, short[] a, int aOffset, int[] aStrides, short[] b, int bOffset, int[] bStrides,
        int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int x = a[aOffset + BroadcastIndex(i, shape, aStrides)], y = b[bOffset + BroadcastIndex(i, shape, bStrides)];
            output[outputOffset + i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of uint16 values, on arrays.</summary>
    public static void CompareUInt16(int operation, ushort[] a, int aOffset, int[] aStrides, ushort[] b, int bOffset, int[] bStrides,
        int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            int x = a[aOffset + BroadcastIndex(i, shape, aStrides)], y = b[bOffset + BroadcastIndex(i, shape, bStrides)];
            output[outputOffset + i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of uint32 values (unsigned order), on arrays.</summary>
    public static void CompareUInt32(int operation, uint[] a, int aOffset, int[] aStrides, uint[] b, int bOffset, int[] bStrides,
        int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            uint x = a[aOffset + BroadcastIndex(i, shape, aStrides)], y = b[bOffset + BroadcastIndex(i, shape, bStrides)];
            output[outputOffset + i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison of uint64 values (unsigned order), on arrays.</summary>
    public static void CompareUInt64(int operation, ulong[] a, int aOffset, int[] aStrides, ulong[] b, int bOffset, int[] bStrides,
        int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
        {
            ulong x = a[aOffset + BroadcastIndex(i, shape, aStrides)], y = b[bOffset + BroadcastIndex(i, shape, bStrides)];
            output[outputOffset + i] = Decide(operation, x < y, x == y, x > y);
        }
    }

    /// <summary>Comparison or logic of bools, on arrays.</summary>
    public static void CompareBool(int operation, bool[] a, int aOffset, int[] aStrides, bool[] b, int bOffset, int[] bStrides,
        int[] shape, bool[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = Logic(operation, a[aOffset + BroadcastIndex(i, shape, aStrides)], b[bOffset + BroadcastIndex(i, shape, bStrides)]);
    }
    // </emit>

    private static int BroadcastIndex(int i, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides) => BinaryInteger.BroadcastIndex(i, shape, strides);

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Operation);
        w.Ints(Shape);
        A.Write(w);
        B.Write(w);
        w.Slice(Output);
        w.Ints(BThresholds?.Select(t => (int)t).ToArray() ?? Array.Empty<int>());
    }

    public static Predicate Read(PlanBinaryReader r, string source)
    {
        var (operation, shape, a, b, output, thresholds) = ((PredicateOperation)r.Byte(), r.Ints(), TypedOperand.Read(r), TypedOperand.Read(r), r.Slice(), r.Ints());
        return new(source, operation, shape, a, b, output, thresholds.Length == 0 ? null : thresholds.Select(t => (short)t).ToArray());
    }

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"CompareElements({(int)Operation} /* {Operation} */, {A.Expression(code, name + "A")}, {name}AStrides, {B.Expression(code, name + "B")}, {name}BStrides, " +
                  $"{(BThresholds != null ? name + "BThresholds, " : "")}{name}Shape, {Output.Expression(code)});");

    private string NanoMethod => "Compare" + Arenas.MethodSuffix(A.Type) + (BThresholds != null ? "Table" : B.Type != A.Type ? "Thresholds" : "");

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"{NanoMethod}({(int)Operation} /* {Operation} */, {A.NanoArguments(code, name + "A")}, {name}AStrides, {B.NanoArguments(code, name + "B")}, {name}BStrides, " +
                  $"{(BThresholds != null ? name + "BThresholds, " : "")}{name}Shape, {Output.NanoArguments(code)}, outputLength: {Output.Length});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Shape", Shape, "output shape");
        A.EmitData(code, $"{name}A", "the first operand");
        B.EmitData(code, $"{name}B", "the second operand");
        if (BThresholds != null) EmitArrays.Shorts(code, $"{name}BThresholds", BThresholds, "the second operand's int8 value + 128 → its threshold on the first one's grid");
    }
}
