using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Element-wise Add, Sub, Mul, Div, Max, Min or PRelu on integer tensors (int8, uint8, int16, uint16, int32, uint32,
/// int64, uint64 — indices, shapes, or integer models), with numpy's semantics: computed in 64 bits and wrapped to the
/// element type (uint8 200 + 100 = 44, uint16 65535 + 1 = 0), division truncating toward zero as ONNX Runtime does, and
/// x / 0 = 0 (numpy would warn; ONNX leaves it undefined, ModelBaker defines it so the result is deterministic).
/// uint64 does not fit a long: it is computed unsigned (<see cref="UnsignedApply"/>), so 2^63 is above 2^63 − 1.
/// Integer tensors are not quantized: an int8 plan runs this step as it is.
/// </summary>
public sealed class BinaryInteger : FloatKernel
{
    public BinaryInteger(string source, BinaryOperation operation, ElementType type, int[] shape, Operand<long> a, Operand<long> b,
        ArenaSlice output) : base(source)
    {
        if (!IsSupported(type)) throw new ArgumentOutOfRangeException(nameof(type), type, "Integer element-wise steps take int8, uint8, int16, uint16, int32, uint32, int64 or uint64.");
        Operation = operation;
        Type = type;
        Shape = shape;
        A = a;
        B = b;
        Output = output;
    }

    public static bool IsSupported(ElementType type) =>
        type is ElementType.Int8 or ElementType.UInt8 or ElementType.Int32 or ElementType.Int64
            or ElementType.Int16 or ElementType.UInt16 or ElementType.UInt32 or ElementType.UInt64;

    public BinaryOperation Operation { get; }
    /// <summary>Element type of both inputs and the output.</summary>
    public ElementType Type { get; }
    public int[] Shape { get; }
    /// <summary>Operands; constant data is kept as int64 and narrowed to <see cref="Type"/> where it is used.</summary>
    public Operand<long> A { get; }
    public Operand<long> B { get; }
    public override ArenaSlice Output { get; }

    /// <summary>Integer tensors stay integer in int8 plans.</summary>
    public override Kernel Quantize(QuantizationContext context) => this;

    public override KernelKind Kind => KernelKind.BinaryInteger;
    public override IEnumerable<ArenaSlice> Reads => new[] { A.Slice, B.Slice }.Where(s => s != null)!;
    public override int WeightBytes =>
        Arenas.Size(Type) * ((A.Constant?.Length ?? 0) + (B.Constant?.Length ?? 0)) + 4 * 3 * Shape.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(BinaryInteger), nameof(BinaryInteger) + "#Apply" };

    /// <summary>Every type it takes: nanoFramework has an array of each.</summary>
    public override IEnumerable<string> NanoHelpers =>
        new[] { nameof(BinaryInteger) + "#Nano", nameof(BinaryInteger) + "#Apply", nameof(BinaryInteger) + "#NanoBroadcast" };

    /// <summary>Wraps an int64 result to <paramref name="type"/> as a cast in C# does (two's complement).</summary>
    public static long Wrap(long value, ElementType type) => type switch
    {
        ElementType.Int8 => unchecked((sbyte)value),
        ElementType.UInt8 => unchecked((byte)value),
        ElementType.Int32 => unchecked((int)value),
        ElementType.Int16 => unchecked((short)value),
        ElementType.UInt16 => unchecked((ushort)value),
        ElementType.UInt32 => unchecked((uint)value),
        _ => value,
    };

    /// <summary>One element of <paramref name="type"/> as the step computes it, on the IR's int64 (uint64 as its bits).</summary>
    public static long Apply(int operation, long x, long y, ElementType type) => type == ElementType.UInt64
        ? unchecked((long)UnsignedApply(operation, unchecked((ulong)x), unchecked((ulong)y)))
        : Wrap(IntegerApply(operation, x, y), type);

    public override void Run(PlanArena arena)
    {
        int op = (int)Operation;
        switch (Type)
        {
            case ElementType.Int8:
                IntegerBinary(op, Data<sbyte>(A, arena, v => unchecked((sbyte)v)), A.Strides, Data<sbyte>(B, arena, v => unchecked((sbyte)v)), B.Strides, Shape, arena.Of<sbyte>(Output));
                break;
            case ElementType.UInt8:
                IntegerBinary(op, Data<byte>(A, arena, v => unchecked((byte)v)), A.Strides, Data<byte>(B, arena, v => unchecked((byte)v)), B.Strides, Shape, arena.Of<byte>(Output));
                break;
            case ElementType.Int32:
                IntegerBinary(op, Data<int>(A, arena, v => unchecked((int)v)), A.Strides, Data<int>(B, arena, v => unchecked((int)v)), B.Strides, Shape, arena.Of<int>(Output));
                break;
            case ElementType.Int16:
                IntegerBinary(op, Data<short>(A, arena, v => unchecked((short)v)), A.Strides, Data<short>(B, arena, v => unchecked((short)v)), B.Strides, Shape, arena.Of<short>(Output));
                break;
            case ElementType.UInt16:
                IntegerBinary(op, Data<ushort>(A, arena, v => unchecked((ushort)v)), A.Strides, Data<ushort>(B, arena, v => unchecked((ushort)v)), B.Strides, Shape, arena.Of<ushort>(Output));
                break;
            case ElementType.UInt32:
                IntegerBinary(op, Data<uint>(A, arena, v => unchecked((uint)v)), A.Strides, Data<uint>(B, arena, v => unchecked((uint)v)), B.Strides, Shape, arena.Of<uint>(Output));
                break;
            case ElementType.UInt64:
                IntegerBinary(op, Data<ulong>(A, arena, v => unchecked((ulong)v)), A.Strides, Data<ulong>(B, arena, v => unchecked((ulong)v)), B.Strides, Shape, arena.Of<ulong>(Output));
                break;
            default:
                IntegerBinary(op, Data<long>(A, arena, v => v), A.Strides, Data<long>(B, arena, v => v), B.Strides, Shape, arena.Of<long>(Output));
                break;
        }
    }

    private static ReadOnlySpan<T> Data<T>(Operand<long> operand, PlanArena arena, Func<long, T> narrow) =>
        operand.Constant != null ? operand.Constant.Select(narrow).ToArray() : arena.Of<T>(operand.Slice!);

    // Flavour-neutral (no spans): both the .NET and the nanoFramework methods compute each element with these.
    // <emit Apply>
    /// <summary>
    /// One integer element: 0 Add, 1 Sub, 2 Mul, 3 Div (truncating; x / 0 = 0), 4 Max, 5 Min, 6 PRelu, 7 Mod (the
    /// divisor's sign; x mod 0 = 0), 8 FMod (the dividend's sign; x fmod 0 = 0), 9 Pow (wrapping; a negative exponent
    /// gives the truncated real power: 0 unless x is 1 or −1).
    /// </summary>
    public static long IntegerApply(int operation, long x, long y)
    {
        switch (operation)
        {
            case 0: return unchecked(x + y);
            case 1: return unchecked(x - y);
            case 2: return unchecked(x * y);
            case 3: return y == 0 ? 0 : y == -1 ? unchecked(-x) : x / y;
            case 4: return x > y ? x : y;
            case 5: return x < y ? x : y;
            case 6: return x >= 0 ? x : unchecked(x * y);
            case 7: { long r = y == 0 || y == -1 ? 0 : x % y; return r != 0 && (r < 0) != (y < 0) ? r + y : r; }
            case 8: return y == 0 || y == -1 ? 0 : x % y;
            default: return IntegerPower(x, y);
        }
    }

    /// <summary>x to the power y by repeated squaring, wrapping like numpy.</summary>
    public static long IntegerPower(long x, long y)
    {
        if (y < 0) return x == 1 ? 1 : x == -1 ? ((y & 1) == 0 ? 1 : -1) : 0;
        long result = 1;
        for (; y > 0; y >>= 1, x = unchecked(x * x))
            if ((y & 1) != 0) result = unchecked(result * x);
        return result;
    }

    /// <summary>
    /// One uint64 element, unsigned where order matters: Div and Mod/FMod are unsigned (x / 0 = 0, x mod 0 = 0), Max
    /// and Min compare unsigned, PRelu is the identity (nothing is negative), Pow wraps; Add, Sub and Mul wrap as ever.
    /// </summary>
    public static ulong UnsignedApply(int operation, ulong x, ulong y)
    {
        switch (operation)
        {
            case 0: return unchecked(x + y);
            case 1: return unchecked(x - y);
            case 2: return unchecked(x * y);
            case 3: return y == 0 ? 0 : x / y;
            case 4: return x > y ? x : y;
            case 5: return x < y ? x : y;
            case 6: return x;
            case 7:
            case 8: return y == 0 ? 0 : x % y;
            default:
            {
                ulong result = 1;
                for (; y > 0; y >>= 1, x = unchecked(x * x))
                    if ((y & 1) != 0) result = unchecked(result * x);
                return result;
            }
        }
    }
    // </emit>

    // <emit>
    /// <summary>The flat index broadcasting reads for output element <paramref name="i"/> (strides 0 along broadcast dimensions).</summary>
    public static int BroadcastIndex(int i, ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        int index = 0;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index += i % shape[d] * strides[d];
            i /= shape[d];
        }
        return index;
    }

    /// <summary>Integer element-wise operation on int8 tensors, wrapping like numpy.</summary>
    public static void IntegerBinary(int operation, ReadOnlySpan<sbyte> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<sbyte> b, ReadOnlySpan<int> bStrides,
        ReadOnlySpan<int> shape, Span<sbyte> output)
    {
        for (int i = 0; i < output.Length; i++)
            output[i] = unchecked((sbyte)IntegerApply(operation, a[BroadcastIndex(i, shape, aStrides)], b[BroadcastIndex(i, shape, bStrides)]));
    }

    /// <summary>Integer element-wise operation on uint8 tensors, wrapping like numpy.</summary>
    public static void IntegerBinary(int operation, ReadOnlySpan<byte> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<byte> b, ReadOnlySpan<int> bStrides,
        ReadOnlySpan<int> shape, Span<byte> output)
    {
        for (int i = 0; i < output.Length; i++)
            output[i] = unchecked((byte)IntegerApply(operation, a[BroadcastIndex(i, shape, aStrides)], b[BroadcastIndex(i, shape, bStrides)]));
    }

    /// <summary>Integer element-wise operation on int32 tensors, wrapping like numpy.</summary>
    public static void IntegerBinary(int operation, ReadOnlySpan<int> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<int> b, ReadOnlySpan<int> bStrides,
        ReadOnlySpan<int> shape, Span<int> output)
    {
        for (int i = 0; i < output.Length; i++)
            output[i] = unchecked((int)IntegerApply(operation, a[BroadcastIndex(i, shape, aStrides)], b[BroadcastIndex(i, shape, bStrides)]));
    }

    /// <summary>Integer element-wise operation on int16 tensors, wrapping like numpy.</summary>
    public static void IntegerBinary(int operation, ReadOnlySpan<short> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<short> b, ReadOnlySpan<int> bStrides,
        ReadOnlySpan<int> shape, Span<short> output)
    {
        for (int i = 0; i < output.Length; i++)
            output[i] = unchecked((short)IntegerApply(operation, a[BroadcastIndex(i, shape, aStrides)], b[BroadcastIndex(i, shape, bStrides)]));
    }

    /// <summary>Integer element-wise operation on uint16 tensors, wrapping like numpy.</summary>
    public static void IntegerBinary(int operation, ReadOnlySpan<ushort> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<ushort> b, ReadOnlySpan<int> bStrides,
        ReadOnlySpan<int> shape, Span<ushort> output)
    {
        for (int i = 0; i < output.Length; i++)
            output[i] = unchecked((ushort)IntegerApply(operation, a[BroadcastIndex(i, shape, aStrides)], b[BroadcastIndex(i, shape, bStrides)]));
    }

    /// <summary>Integer element-wise operation on uint32 tensors, wrapping like numpy.</summary>
    public static void IntegerBinary(int operation, ReadOnlySpan<uint> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<uint> b, ReadOnlySpan<int> bStrides,
        ReadOnlySpan<int> shape, Span<uint> output)
    {
        for (int i = 0; i < output.Length; i++)
            output[i] = unchecked((uint)IntegerApply(operation, a[BroadcastIndex(i, shape, aStrides)], b[BroadcastIndex(i, shape, bStrides)]));
    }

    /// <summary>Integer element-wise operation on uint64 tensors, unsigned (<see cref="UnsignedApply"/>).</summary>
    public static void IntegerBinary(int operation, ReadOnlySpan<ulong> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<ulong> b, ReadOnlySpan<int> bStrides,
        ReadOnlySpan<int> shape, Span<ulong> output)
    {
        for (int i = 0; i < output.Length; i++)
            output[i] = UnsignedApply(operation, a[BroadcastIndex(i, shape, aStrides)], b[BroadcastIndex(i, shape, bStrides)]);
    }

    /// <summary>Integer element-wise operation on int64 tensors, wrapping like numpy.</summary>
    public static void IntegerBinary(int operation, ReadOnlySpan<long> a, ReadOnlySpan<int> aStrides, ReadOnlySpan<long> b, ReadOnlySpan<int> bStrides,
        ReadOnlySpan<int> shape, Span<long> output)
    {
        for (int i = 0; i < output.Length; i++)
            output[i] = IntegerApply(operation, a[BroadcastIndex(i, shape, aStrides)], b[BroadcastIndex(i, shape, bStrides)]);
    }
    // </emit>

    // <emit Nano>
    // nanoFramework flavour (arrays, offsets, no generics): a method per element type; IntegerApply computes.

    /// <summary>Integer element-wise operation on int8 tensors, on arrays.</summary>
    public static void IntegerBinary(int operation, sbyte[] a, int aOffset, int[] aStrides, sbyte[] b, int bOffset, int[] bStrides,
        int[] shape, sbyte[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = unchecked((sbyte)IntegerApply(operation, a[aOffset + BroadcastIndex(i, shape, aStrides)], b[bOffset + BroadcastIndex(i, shape, bStrides)]));
    }

    /// <summary>Integer element-wise operation on uint8 tensors, on arrays (wrapping modulo 256: 250 + 10 = 4).</summary>
    public static void IntegerBinary(int operation, byte[] a, int aOffset, int[] aStrides, byte[] b, int bOffset, int[] bStrides,
        int[] shape, byte[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = unchecked((byte)IntegerApply(operation, a[aOffset + BroadcastIndex(i, shape, aStrides)], b[bOffset + BroadcastIndex(i, shape, bStrides)]));
    }

    /// <summary>Integer element-wise operation on int32 tensors, on arrays.</summary>
    public static void IntegerBinary(int operation, int[] a, int aOffset, int[] aStrides, int[] b, int bOffset, int[] bStrides,
        int[] shape, int[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = unchecked((int)IntegerApply(operation, a[aOffset + BroadcastIndex(i, shape, aStrides)], b[bOffset + BroadcastIndex(i, shape, bStrides)]));
    }

    /// <summary>Integer element-wise operation on int16 tensors, on arrays.</summary>
    public static void IntegerBinary(int operation, short[] a, int aOffset, int[] aStrides, short[] b, int bOffset, int[] bStrides,
        int[] shape, short[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = unchecked((short)IntegerApply(operation, a[aOffset + BroadcastIndex(i, shape, aStrides)], b[bOffset + BroadcastIndex(i, shape, bStrides)]));
    }

    /// <summary>Integer element-wise operation on uint16 tensors, on arrays.</summary>
    public static void IntegerBinary(int operation, ushort[] a, int aOffset, int[] aStrides, ushort[] b, int bOffset, int[] bStrides,
        int[] shape, ushort[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = unchecked((ushort)IntegerApply(operation, a[aOffset + BroadcastIndex(i, shape, aStrides)], b[bOffset + BroadcastIndex(i, shape, bStrides)]));
    }

    /// <summary>Integer element-wise operation on uint32 tensors, on arrays.</summary>
    public static void IntegerBinary(int operation, uint[] a, int aOffset, int[] aStrides, uint[] b, int bOffset, int[] bStrides,
        int[] shape, uint[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = unchecked((uint)IntegerApply(operation, a[aOffset + BroadcastIndex(i, shape, aStrides)], b[bOffset + BroadcastIndex(i, shape, bStrides)]));
    }

    /// <summary>Integer element-wise operation on uint64 tensors, unsigned, on arrays.</summary>
    public static void IntegerBinary(int operation, ulong[] a, int aOffset, int[] aStrides, ulong[] b, int bOffset, int[] bStrides,
        int[] shape, ulong[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = UnsignedApply(operation, a[aOffset + BroadcastIndex(i, shape, aStrides)], b[bOffset + BroadcastIndex(i, shape, bStrides)]);
    }

    /// <summary>Integer element-wise operation on int64 tensors, on arrays.</summary>
    public static void IntegerBinary(int operation, long[] a, int aOffset, int[] aStrides, long[] b, int bOffset, int[] bStrides,
        int[] shape, long[] output, int outputOffset, int outputLength)
    {
        for (int i = 0; i < outputLength; i++)
            output[outputOffset + i] = IntegerApply(operation, a[aOffset + BroadcastIndex(i, shape, aStrides)], b[bOffset + BroadcastIndex(i, shape, bStrides)]);
    }
    // </emit>

    // <emit NanoBroadcast>
    /// <summary>
    /// BroadcastIndex on arrays, for the nanoFramework flavour of the broadcasting steps (predicates, Where, gathers):
    /// the flat index read for output element <paramref name="i"/> (strides 0 along broadcast dimensions).
    /// </summary>
    public static int BroadcastIndex(int i, int[] shape, int[] strides)
    {
        int index = 0;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index += i % shape[d] * strides[d];
            i /= shape[d];
        }
        return index;
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Operation);
        w.Byte((byte)Type);
        w.Ints(Shape);
        WriteOperand(w, A);
        WriteOperand(w, B);
        w.Slice(Output);
    }

    private static void WriteOperand(PlanBinaryWriter w, Operand<long> operand)
    {
        w.Byte(operand.IsConstant ? (byte)1 : (byte)0);
        if (operand.IsConstant)
        {
            w.Int(operand.Constant!.Length);
            foreach (long v in operand.Constant) w.Long(v);
        }
        else
        {
            w.Slice(operand.Slice!);
        }
        w.Ints(operand.Strides);
    }

    public static BinaryInteger Read(PlanBinaryReader r, string source) =>
        new(source, (BinaryOperation)r.Byte(), (ElementType)r.Byte(), r.Ints(), ReadOperand(r), ReadOperand(r), r.Slice());

    private static Operand<long> ReadOperand(PlanBinaryReader r)
    {
        if (r.Byte() == 0) return new Operand<long>(r.Slice(), null, r.Ints());
        int count = r.Int();
        if (count < 0 || count > int.MaxValue / 8) throw new System.IO.InvalidDataException($"Constant of {count} elements in an integer step.");
        var values = new long[count];
        for (int i = 0; i < count; i++) values[i] = r.Long();
        return new Operand<long>(null, values, r.Ints());
    }

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"IntegerBinary({(int)Operation} /* {Operation} */, {Expression(code, A, name + "A")}, {name}AStrides, {Expression(code, B, name + "B")}, {name}BStrides, {name}Shape, {Output.Expression(code)});");

    private static string Expression(CodeWriter code, Operand<long> operand, string constantName) =>
        operand.IsConstant ? constantName : operand.Slice!.Expression(code);

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"IntegerBinary({(int)Operation} /* {Operation} */, {NanoArguments(code, A, name + "A")}, {name}AStrides, {NanoArguments(code, B, name + "B")}, {name}BStrides, " +
                  $"{name}Shape, {Output.NanoArguments(code)}, outputLength: {Output.Length});");

    private static string NanoArguments(CodeWriter code, Operand<long> operand, string constantName) =>
        operand.IsConstant ? constantName + ", 0" : operand.Slice!.NanoArguments(code);

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Shape", Shape, "output shape");
        EmitArrays.Ints(code, $"{name}AStrides", A.Strides, "strides of the first input over the output shape");
        EmitArrays.Ints(code, $"{name}BStrides", B.Strides, "strides of the second input over the output shape");
        if (A.IsConstant) EmitConstant(code, $"{name}A", A.Constant!, "constant first input");
        if (B.IsConstant) EmitConstant(code, $"{name}B", B.Constant!, "constant second input");
    }

    private void EmitConstant(CodeWriter code, string name, long[] values, string comment)
    {
        switch (Type)
        {
            case ElementType.Int8: EmitArrays.SBytes(code, name, values.Select(v => unchecked((sbyte)v)).ToArray(), comment); break;
            case ElementType.UInt8: EmitArrays.Bytes(code, name, values.Select(v => unchecked((byte)v)).ToArray(), comment); break;
            case ElementType.Int32: EmitArrays.Ints(code, name, values.Select(v => unchecked((int)v)).ToArray(), comment); break;
            case ElementType.Int16: EmitArrays.Shorts(code, name, values.Select(v => unchecked((short)v)).ToArray(), comment); break;
            case ElementType.UInt16: EmitArrays.UShorts(code, name, values.Select(v => unchecked((ushort)v)).ToArray(), comment); break;
            case ElementType.UInt32: TypedArrays.Emit(code, name, values.Select(v => unchecked((uint)v)).ToArray(), comment); break;
            case ElementType.UInt64: TypedArrays.Emit(code, name, values.Select(v => unchecked((ulong)v)).ToArray(), comment); break;
            default: EmitArrays.Longs(code, name, values, comment); break;
        }
    }
}
