using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ONNX Cast at run time between float32, int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool, with the
/// semantics of ONNX Runtime on x64 (C++ static_cast): float → integer truncates toward zero through int32 (int64 for
/// int64 and uint32; uint64 converts [2^63, 2^64) unsigned), NaN and values out of that range give its minimum, narrower
/// integers keep the low bits; integer → narrower integer keeps the low
/// bits; anything → bool is "≠ 0" (NaN is true); bool → number is 1 or 0. One overload per type pair. Make one with
/// <see cref="Of"/>: an int8 plan makes a cast with float32 on one side a <see cref="CastInt8"/> step.
/// </summary>
public class Conversion : FloatKernel
{
    /// <summary>The step casting <paramref name="input"/> into <paramref name="output"/>'s element type.</summary>
    public static Conversion Of(string source, ArenaSlice input, ArenaSlice output) => new(source, input, output);

    public Conversion(string source, ArenaSlice input, ArenaSlice output) : base(source)
    {
        Input = input;
        Output = output;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    /// <summary>
    /// Integer to integer casts run unchanged in int8 plans; one with float32 on a side is an integer <see cref="CastInt8"/>
    /// step.
    /// </summary>
    public override Kernel Quantize(QuantizationContext q) =>
        Input.Type != ElementType.Float32 && Output.Type != ElementType.Float32 ? this : CastInt8.From(this, q);

    /// <summary>Between the integer types and bool (float tensors are int8 there: <see cref="CastInt8"/>).</summary>
    public override IEnumerable<string>? NanoHelpers =>
        Input.Type != ElementType.Float32 && Output.Type != ElementType.Float32 ? new[] { nameof(Conversion) + "#Nano" } : null;

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"Cast({Input.NanoArguments(code)}, {Output.NanoArguments(code)}, length: {Input.Length});");

    public override KernelKind Kind => KernelKind.Conversion;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(Conversion) };

    public override void Run(PlanArena arena)
    {
        CastElements(arena.Array(Input.Type), Input.Offset, arena.Array(Output.Type), Output.Offset, Input.Length);
    }

    /// <summary>
    /// The interpreter's entry: runs the emitted Cast overload for the arrays' element types (told apart by exact type: the
    /// runtime lets a byte[] pass for an sbyte[], an int[] for a uint[] and so on).
    /// </summary>
    public static void CastElements(Array input, int inputOffset, Array output, int outputOffset, int length)
    {
        switch (TypedArrays.TypeOf(input))
        {
            case ElementType.Float32: To(new ReadOnlySpan<float>((float[])input, inputOffset, length), output, outputOffset); break;
            case ElementType.Int8: To(new ReadOnlySpan<sbyte>((sbyte[])input, inputOffset, length), output, outputOffset); break;
            case ElementType.UInt8: To(new ReadOnlySpan<byte>((byte[])input, inputOffset, length), output, outputOffset); break;
            case ElementType.Int16: To(new ReadOnlySpan<short>((short[])input, inputOffset, length), output, outputOffset); break;
            case ElementType.UInt16: To(new ReadOnlySpan<ushort>((ushort[])input, inputOffset, length), output, outputOffset); break;
            case ElementType.Int32: To(new ReadOnlySpan<int>((int[])input, inputOffset, length), output, outputOffset); break;
            case ElementType.UInt32: To(new ReadOnlySpan<uint>((uint[])input, inputOffset, length), output, outputOffset); break;
            case ElementType.Int64: To(new ReadOnlySpan<long>((long[])input, inputOffset, length), output, outputOffset); break;
            case ElementType.UInt64: To(new ReadOnlySpan<ulong>((ulong[])input, inputOffset, length), output, outputOffset); break;
            case ElementType.Bool: To(new ReadOnlySpan<bool>((bool[])input, inputOffset, length), output, outputOffset); break;
        }
    }

    private static void To(ReadOnlySpan<float> x, Array output, int offset)
    {
        switch (TypedArrays.TypeOf(output))
        {
            case ElementType.Int8: Cast(x, ((sbyte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt8: Cast(x, ((byte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int16: Cast(x, ((short[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt16: Cast(x, ((ushort[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int32: Cast(x, ((int[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt32: Cast(x, ((uint[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int64: Cast(x, ((long[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt64: Cast(x, ((ulong[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Bool: Cast(x, ((bool[])output).AsSpan(offset, x.Length)); break;
            default: throw Same();
        }
    }

    private static void To(ReadOnlySpan<sbyte> x, Array output, int offset)
    {
        switch (TypedArrays.TypeOf(output))
        {
            case ElementType.Float32: Cast(x, ((float[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt8: Cast(x, ((byte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int16: Cast(x, ((short[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt16: Cast(x, ((ushort[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int32: Cast(x, ((int[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt32: Cast(x, ((uint[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int64: Cast(x, ((long[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt64: Cast(x, ((ulong[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Bool: Cast(x, ((bool[])output).AsSpan(offset, x.Length)); break;
            default: throw Same();
        }
    }

    private static void To(ReadOnlySpan<byte> x, Array output, int offset)
    {
        switch (TypedArrays.TypeOf(output))
        {
            case ElementType.Float32: Cast(x, ((float[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int8: Cast(x, ((sbyte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int16: Cast(x, ((short[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt16: Cast(x, ((ushort[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int32: Cast(x, ((int[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt32: Cast(x, ((uint[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int64: Cast(x, ((long[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt64: Cast(x, ((ulong[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Bool: Cast(x, ((bool[])output).AsSpan(offset, x.Length)); break;
            default: throw Same();
        }
    }

    private static void To(ReadOnlySpan<short> x, Array output, int offset)
    {
        switch (TypedArrays.TypeOf(output))
        {
            case ElementType.Float32: Cast(x, ((float[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int8: Cast(x, ((sbyte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt8: Cast(x, ((byte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt16: Cast(x, ((ushort[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int32: Cast(x, ((int[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt32: Cast(x, ((uint[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int64: Cast(x, ((long[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt64: Cast(x, ((ulong[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Bool: Cast(x, ((bool[])output).AsSpan(offset, x.Length)); break;
            default: throw Same();
        }
    }

    private static void To(ReadOnlySpan<ushort> x, Array output, int offset)
    {
        switch (TypedArrays.TypeOf(output))
        {
            case ElementType.Float32: Cast(x, ((float[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int8: Cast(x, ((sbyte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt8: Cast(x, ((byte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int16: Cast(x, ((short[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int32: Cast(x, ((int[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt32: Cast(x, ((uint[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int64: Cast(x, ((long[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt64: Cast(x, ((ulong[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Bool: Cast(x, ((bool[])output).AsSpan(offset, x.Length)); break;
            default: throw Same();
        }
    }

    private static void To(ReadOnlySpan<int> x, Array output, int offset)
    {
        switch (TypedArrays.TypeOf(output))
        {
            case ElementType.Float32: Cast(x, ((float[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int8: Cast(x, ((sbyte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt8: Cast(x, ((byte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int16: Cast(x, ((short[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt16: Cast(x, ((ushort[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt32: Cast(x, ((uint[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int64: Cast(x, ((long[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt64: Cast(x, ((ulong[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Bool: Cast(x, ((bool[])output).AsSpan(offset, x.Length)); break;
            default: throw Same();
        }
    }

    private static void To(ReadOnlySpan<uint> x, Array output, int offset)
    {
        switch (TypedArrays.TypeOf(output))
        {
            case ElementType.Float32: Cast(x, ((float[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int8: Cast(x, ((sbyte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt8: Cast(x, ((byte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int16: Cast(x, ((short[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt16: Cast(x, ((ushort[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int32: Cast(x, ((int[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int64: Cast(x, ((long[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt64: Cast(x, ((ulong[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Bool: Cast(x, ((bool[])output).AsSpan(offset, x.Length)); break;
            default: throw Same();
        }
    }

    private static void To(ReadOnlySpan<long> x, Array output, int offset)
    {
        switch (TypedArrays.TypeOf(output))
        {
            case ElementType.Float32: Cast(x, ((float[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int8: Cast(x, ((sbyte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt8: Cast(x, ((byte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int16: Cast(x, ((short[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt16: Cast(x, ((ushort[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int32: Cast(x, ((int[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt32: Cast(x, ((uint[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt64: Cast(x, ((ulong[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Bool: Cast(x, ((bool[])output).AsSpan(offset, x.Length)); break;
            default: throw Same();
        }
    }

    private static void To(ReadOnlySpan<ulong> x, Array output, int offset)
    {
        switch (TypedArrays.TypeOf(output))
        {
            case ElementType.Float32: Cast(x, ((float[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int8: Cast(x, ((sbyte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt8: Cast(x, ((byte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int16: Cast(x, ((short[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt16: Cast(x, ((ushort[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int32: Cast(x, ((int[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt32: Cast(x, ((uint[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int64: Cast(x, ((long[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Bool: Cast(x, ((bool[])output).AsSpan(offset, x.Length)); break;
            default: throw Same();
        }
    }

    private static void To(ReadOnlySpan<bool> x, Array output, int offset)
    {
        switch (TypedArrays.TypeOf(output))
        {
            case ElementType.Float32: Cast(x, ((float[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int8: Cast(x, ((sbyte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt8: Cast(x, ((byte[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int16: Cast(x, ((short[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt16: Cast(x, ((ushort[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int32: Cast(x, ((int[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt32: Cast(x, ((uint[])output).AsSpan(offset, x.Length)); break;
            case ElementType.Int64: Cast(x, ((long[])output).AsSpan(offset, x.Length)); break;
            case ElementType.UInt64: Cast(x, ((ulong[])output).AsSpan(offset, x.Length)); break;
            default: throw Same();
        }
    }

    private static InvalidOperationException Same() => new("A Cast to the same element type is an alias, not a step.");

    // <emit>
    /// <summary>float → int32 as x64 truncation does it: toward zero; NaN and out-of-range values give int.MinValue.</summary>
    public static int FloatToInt32(float x) => x >= -2147483648f && x < 2147483648f ? (int)x : int.MinValue;

    /// <summary>float → int64: toward zero; NaN and out-of-range values give long.MinValue.</summary>
    public static long FloatToInt64(float x) => x >= -9223372036854775808f && x < 9223372036854775808f ? (long)x : long.MinValue;

    /// <summary>float → uint64: values in [2^63, 2^64) convert unsigned; the rest as <see cref="FloatToInt64"/>, wrapped.</summary>
    public static ulong FloatToUInt64(float x) => x >= 9223372036854775808f && x < 18446744073709551616f ? (ulong)x : unchecked((ulong)FloatToInt64(x));

    public static void Cast(ReadOnlySpan<float> input, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((sbyte)FloatToInt32(input[i])); }
    public static void Cast(ReadOnlySpan<float> input, Span<byte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((byte)FloatToInt32(input[i])); }
    public static void Cast(ReadOnlySpan<float> input, Span<int> output) { for (int i = 0; i < input.Length; i++) output[i] = FloatToInt32(input[i]); }
    public static void Cast(ReadOnlySpan<float> input, Span<long> output) { for (int i = 0; i < input.Length; i++) output[i] = FloatToInt64(input[i]); }
    public static void Cast(ReadOnlySpan<float> input, Span<bool> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] != 0; }
    public static void Cast(ReadOnlySpan<sbyte> input, Span<float> output) { for (int i = 0; i < input.Length; i++) output[i] = (float)input[i]; }
    public static void Cast(ReadOnlySpan<sbyte> input, Span<byte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((byte)input[i]); }
    public static void Cast(ReadOnlySpan<sbyte> input, Span<int> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((int)input[i]); }
    public static void Cast(ReadOnlySpan<sbyte> input, Span<long> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((long)input[i]); }
    public static void Cast(ReadOnlySpan<sbyte> input, Span<bool> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] != 0; }
    public static void Cast(ReadOnlySpan<byte> input, Span<float> output) { for (int i = 0; i < input.Length; i++) output[i] = (float)input[i]; }
    public static void Cast(ReadOnlySpan<byte> input, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((sbyte)input[i]); }
    public static void Cast(ReadOnlySpan<byte> input, Span<int> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((int)input[i]); }
    public static void Cast(ReadOnlySpan<byte> input, Span<long> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((long)input[i]); }
    public static void Cast(ReadOnlySpan<byte> input, Span<bool> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] != 0; }
    public static void Cast(ReadOnlySpan<int> input, Span<float> output) { for (int i = 0; i < input.Length; i++) output[i] = (float)input[i]; }
    public static void Cast(ReadOnlySpan<int> input, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((sbyte)input[i]); }
    public static void Cast(ReadOnlySpan<int> input, Span<byte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((byte)input[i]); }
    public static void Cast(ReadOnlySpan<int> input, Span<long> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((long)input[i]); }
    public static void Cast(ReadOnlySpan<int> input, Span<bool> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] != 0; }
    public static void Cast(ReadOnlySpan<long> input, Span<float> output) { for (int i = 0; i < input.Length; i++) output[i] = (float)input[i]; }
    public static void Cast(ReadOnlySpan<long> input, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((sbyte)input[i]); }
    public static void Cast(ReadOnlySpan<long> input, Span<byte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((byte)input[i]); }
    public static void Cast(ReadOnlySpan<long> input, Span<int> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((int)input[i]); }
    public static void Cast(ReadOnlySpan<long> input, Span<bool> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] != 0; }
    public static void Cast(ReadOnlySpan<bool> input, Span<float> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] ? 1f : 0f; }
    public static void Cast(ReadOnlySpan<bool> input, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] ? (sbyte)1 : (sbyte)0; }
    public static void Cast(ReadOnlySpan<bool> input, Span<byte> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] ? (byte)1 : (byte)0; }
    public static void Cast(ReadOnlySpan<bool> input, Span<int> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] ? (int)1 : (int)0; }
    public static void Cast(ReadOnlySpan<bool> input, Span<long> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] ? (long)1 : (long)0; }
    public static void Cast(ReadOnlySpan<float> input, Span<short> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((short)FloatToInt32(input[i])); }
    public static void Cast(ReadOnlySpan<float> input, Span<ushort> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ushort)FloatToInt32(input[i])); }
    public static void Cast(ReadOnlySpan<float> input, Span<uint> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((uint)FloatToInt64(input[i])); }
    public static void Cast(ReadOnlySpan<float> input, Span<ulong> output) { for (int i = 0; i < input.Length; i++) output[i] = FloatToUInt64(input[i]); }
    public static void Cast(ReadOnlySpan<sbyte> input, Span<short> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((short)input[i]); }
    public static void Cast(ReadOnlySpan<sbyte> input, Span<ushort> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ushort)input[i]); }
    public static void Cast(ReadOnlySpan<sbyte> input, Span<uint> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((uint)input[i]); }
    public static void Cast(ReadOnlySpan<sbyte> input, Span<ulong> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ulong)input[i]); }
    public static void Cast(ReadOnlySpan<byte> input, Span<short> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((short)input[i]); }
    public static void Cast(ReadOnlySpan<byte> input, Span<ushort> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ushort)input[i]); }
    public static void Cast(ReadOnlySpan<byte> input, Span<uint> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((uint)input[i]); }
    public static void Cast(ReadOnlySpan<byte> input, Span<ulong> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ulong)input[i]); }
    public static void Cast(ReadOnlySpan<short> input, Span<float> output) { for (int i = 0; i < input.Length; i++) output[i] = (float)input[i]; }
    public static void Cast(ReadOnlySpan<short> input, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((sbyte)input[i]); }
    public static void Cast(ReadOnlySpan<short> input, Span<byte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((byte)input[i]); }
    public static void Cast(ReadOnlySpan<short> input, Span<ushort> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ushort)input[i]); }
    public static void Cast(ReadOnlySpan<short> input, Span<int> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((int)input[i]); }
    public static void Cast(ReadOnlySpan<short> input, Span<uint> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((uint)input[i]); }
    public static void Cast(ReadOnlySpan<short> input, Span<long> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((long)input[i]); }
    public static void Cast(ReadOnlySpan<short> input, Span<ulong> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ulong)input[i]); }
    public static void Cast(ReadOnlySpan<short> input, Span<bool> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] != 0; }
    public static void Cast(ReadOnlySpan<ushort> input, Span<float> output) { for (int i = 0; i < input.Length; i++) output[i] = (float)input[i]; }
    public static void Cast(ReadOnlySpan<ushort> input, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((sbyte)input[i]); }
    public static void Cast(ReadOnlySpan<ushort> input, Span<byte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((byte)input[i]); }
    public static void Cast(ReadOnlySpan<ushort> input, Span<short> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((short)input[i]); }
    public static void Cast(ReadOnlySpan<ushort> input, Span<int> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((int)input[i]); }
    public static void Cast(ReadOnlySpan<ushort> input, Span<uint> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((uint)input[i]); }
    public static void Cast(ReadOnlySpan<ushort> input, Span<long> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((long)input[i]); }
    public static void Cast(ReadOnlySpan<ushort> input, Span<ulong> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ulong)input[i]); }
    public static void Cast(ReadOnlySpan<ushort> input, Span<bool> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] != 0; }
    public static void Cast(ReadOnlySpan<int> input, Span<short> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((short)input[i]); }
    public static void Cast(ReadOnlySpan<int> input, Span<ushort> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ushort)input[i]); }
    public static void Cast(ReadOnlySpan<int> input, Span<uint> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((uint)input[i]); }
    public static void Cast(ReadOnlySpan<int> input, Span<ulong> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ulong)input[i]); }
    public static void Cast(ReadOnlySpan<uint> input, Span<float> output) { for (int i = 0; i < input.Length; i++) output[i] = (float)input[i]; }
    public static void Cast(ReadOnlySpan<uint> input, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((sbyte)input[i]); }
    public static void Cast(ReadOnlySpan<uint> input, Span<byte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((byte)input[i]); }
    public static void Cast(ReadOnlySpan<uint> input, Span<short> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((short)input[i]); }
    public static void Cast(ReadOnlySpan<uint> input, Span<ushort> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ushort)input[i]); }
    public static void Cast(ReadOnlySpan<uint> input, Span<int> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((int)input[i]); }
    public static void Cast(ReadOnlySpan<uint> input, Span<long> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((long)input[i]); }
    public static void Cast(ReadOnlySpan<uint> input, Span<ulong> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ulong)input[i]); }
    public static void Cast(ReadOnlySpan<uint> input, Span<bool> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] != 0; }
    public static void Cast(ReadOnlySpan<long> input, Span<short> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((short)input[i]); }
    public static void Cast(ReadOnlySpan<long> input, Span<ushort> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ushort)input[i]); }
    public static void Cast(ReadOnlySpan<long> input, Span<uint> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((uint)input[i]); }
    public static void Cast(ReadOnlySpan<long> input, Span<ulong> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ulong)input[i]); }
    public static void Cast(ReadOnlySpan<ulong> input, Span<float> output) { for (int i = 0; i < input.Length; i++) output[i] = (float)input[i]; }
    public static void Cast(ReadOnlySpan<ulong> input, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((sbyte)input[i]); }
    public static void Cast(ReadOnlySpan<ulong> input, Span<byte> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((byte)input[i]); }
    public static void Cast(ReadOnlySpan<ulong> input, Span<short> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((short)input[i]); }
    public static void Cast(ReadOnlySpan<ulong> input, Span<ushort> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((ushort)input[i]); }
    public static void Cast(ReadOnlySpan<ulong> input, Span<int> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((int)input[i]); }
    public static void Cast(ReadOnlySpan<ulong> input, Span<uint> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((uint)input[i]); }
    public static void Cast(ReadOnlySpan<ulong> input, Span<long> output) { for (int i = 0; i < input.Length; i++) output[i] = unchecked((long)input[i]); }
    public static void Cast(ReadOnlySpan<ulong> input, Span<bool> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] != 0; }
    public static void Cast(ReadOnlySpan<bool> input, Span<short> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] ? (short)1 : (short)0; }
    public static void Cast(ReadOnlySpan<bool> input, Span<ushort> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] ? (ushort)1 : (ushort)0; }
    public static void Cast(ReadOnlySpan<bool> input, Span<uint> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] ? (uint)1 : (uint)0; }
    public static void Cast(ReadOnlySpan<bool> input, Span<ulong> output) { for (int i = 0; i < input.Length; i++) output[i] = input[i] ? (ulong)1 : (ulong)0; }
    // </emit>

    // <emit Nano>
    // nanoFramework flavour: the integer-to-integer casts on arrays, wrapping as the .NET ones (float tensors are int8 there: CastInt8).
    public static void Cast(sbyte[] input, int inputOffset, int[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i]; }
    public static void Cast(sbyte[] input, int inputOffset, long[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i]; }
    public static void Cast(sbyte[] input, int inputOffset, bool[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] != 0; }
    public static void Cast(sbyte[] input, int inputOffset, byte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((byte)input[inputOffset + i]); }
    public static void Cast(byte[] input, int inputOffset, sbyte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((sbyte)input[inputOffset + i]); }
    public static void Cast(byte[] input, int inputOffset, int[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i]; }
    public static void Cast(byte[] input, int inputOffset, long[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i]; }
    public static void Cast(byte[] input, int inputOffset, bool[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] != 0; }
    public static void Cast(int[] input, int inputOffset, byte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((byte)input[inputOffset + i]); }
    public static void Cast(long[] input, int inputOffset, byte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((byte)input[inputOffset + i]); }
    public static void Cast(bool[] input, int inputOffset, byte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] ? (byte)1 : (byte)0; }
    public static void Cast(int[] input, int inputOffset, sbyte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((sbyte)input[inputOffset + i]); }
    public static void Cast(int[] input, int inputOffset, long[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i]; }
    public static void Cast(int[] input, int inputOffset, bool[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] != 0; }
    public static void Cast(long[] input, int inputOffset, sbyte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((sbyte)input[inputOffset + i]); }
    public static void Cast(long[] input, int inputOffset, int[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((int)input[inputOffset + i]); }
    public static void Cast(long[] input, int inputOffset, bool[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] != 0; }
    public static void Cast(bool[] input, int inputOffset, sbyte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] ? (sbyte)1 : (sbyte)0; }
    public static void Cast(bool[] input, int inputOffset, int[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] ? 1 : 0; }
    public static void Cast(bool[] input, int inputOffset, long[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] ? 1L : 0L; }
    public static void Cast(sbyte[] input, int inputOffset, short[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((short)input[inputOffset + i]); }
    public static void Cast(sbyte[] input, int inputOffset, ushort[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ushort)input[inputOffset + i]); }
    public static void Cast(sbyte[] input, int inputOffset, uint[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((uint)input[inputOffset + i]); }
    public static void Cast(sbyte[] input, int inputOffset, ulong[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ulong)input[inputOffset + i]); }
    public static void Cast(byte[] input, int inputOffset, short[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((short)input[inputOffset + i]); }
    public static void Cast(byte[] input, int inputOffset, ushort[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ushort)input[inputOffset + i]); }
    public static void Cast(byte[] input, int inputOffset, uint[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((uint)input[inputOffset + i]); }
    public static void Cast(byte[] input, int inputOffset, ulong[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ulong)input[inputOffset + i]); }
    public static void Cast(short[] input, int inputOffset, sbyte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((sbyte)input[inputOffset + i]); }
    public static void Cast(short[] input, int inputOffset, byte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((byte)input[inputOffset + i]); }
    public static void Cast(short[] input, int inputOffset, ushort[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ushort)input[inputOffset + i]); }
    public static void Cast(short[] input, int inputOffset, int[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((int)input[inputOffset + i]); }
    public static void Cast(short[] input, int inputOffset, uint[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((uint)input[inputOffset + i]); }
    public static void Cast(short[] input, int inputOffset, long[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((long)input[inputOffset + i]); }
    public static void Cast(short[] input, int inputOffset, ulong[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ulong)input[inputOffset + i]); }
    public static void Cast(short[] input, int inputOffset, bool[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] != 0; }
    public static void Cast(ushort[] input, int inputOffset, sbyte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((sbyte)input[inputOffset + i]); }
    public static void Cast(ushort[] input, int inputOffset, byte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((byte)input[inputOffset + i]); }
    public static void Cast(ushort[] input, int inputOffset, short[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((short)input[inputOffset + i]); }
    public static void Cast(ushort[] input, int inputOffset, int[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((int)input[inputOffset + i]); }
    public static void Cast(ushort[] input, int inputOffset, uint[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((uint)input[inputOffset + i]); }
    public static void Cast(ushort[] input, int inputOffset, long[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((long)input[inputOffset + i]); }
    public static void Cast(ushort[] input, int inputOffset, ulong[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ulong)input[inputOffset + i]); }
    public static void Cast(ushort[] input, int inputOffset, bool[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] != 0; }
    public static void Cast(int[] input, int inputOffset, short[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((short)input[inputOffset + i]); }
    public static void Cast(int[] input, int inputOffset, ushort[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ushort)input[inputOffset + i]); }
    public static void Cast(int[] input, int inputOffset, uint[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((uint)input[inputOffset + i]); }
    public static void Cast(int[] input, int inputOffset, ulong[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ulong)input[inputOffset + i]); }
    public static void Cast(uint[] input, int inputOffset, sbyte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((sbyte)input[inputOffset + i]); }
    public static void Cast(uint[] input, int inputOffset, byte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((byte)input[inputOffset + i]); }
    public static void Cast(uint[] input, int inputOffset, short[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((short)input[inputOffset + i]); }
    public static void Cast(uint[] input, int inputOffset, ushort[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ushort)input[inputOffset + i]); }
    public static void Cast(uint[] input, int inputOffset, int[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((int)input[inputOffset + i]); }
    public static void Cast(uint[] input, int inputOffset, long[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((long)input[inputOffset + i]); }
    public static void Cast(uint[] input, int inputOffset, ulong[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ulong)input[inputOffset + i]); }
    public static void Cast(uint[] input, int inputOffset, bool[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] != 0; }
    public static void Cast(long[] input, int inputOffset, short[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((short)input[inputOffset + i]); }
    public static void Cast(long[] input, int inputOffset, ushort[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ushort)input[inputOffset + i]); }
    public static void Cast(long[] input, int inputOffset, uint[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((uint)input[inputOffset + i]); }
    public static void Cast(long[] input, int inputOffset, ulong[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ulong)input[inputOffset + i]); }
    public static void Cast(ulong[] input, int inputOffset, sbyte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((sbyte)input[inputOffset + i]); }
    public static void Cast(ulong[] input, int inputOffset, byte[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((byte)input[inputOffset + i]); }
    public static void Cast(ulong[] input, int inputOffset, short[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((short)input[inputOffset + i]); }
    public static void Cast(ulong[] input, int inputOffset, ushort[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((ushort)input[inputOffset + i]); }
    public static void Cast(ulong[] input, int inputOffset, int[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((int)input[inputOffset + i]); }
    public static void Cast(ulong[] input, int inputOffset, uint[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((uint)input[inputOffset + i]); }
    public static void Cast(ulong[] input, int inputOffset, long[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = unchecked((long)input[inputOffset + i]); }
    public static void Cast(ulong[] input, int inputOffset, bool[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] != 0; }
    public static void Cast(bool[] input, int inputOffset, short[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] ? (short)1 : (short)0; }
    public static void Cast(bool[] input, int inputOffset, ushort[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] ? (ushort)1 : (ushort)0; }
    public static void Cast(bool[] input, int inputOffset, uint[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] ? (uint)1 : (uint)0; }
    public static void Cast(bool[] input, int inputOffset, ulong[] output, int outputOffset, int length) { for (int i = 0; i < length; i++) output[outputOffset + i] = input[inputOffset + i] ? (ulong)1 : (ulong)0; }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
    }

    public static Conversion Read(PlanBinaryReader r, string source) => new(source, r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Cast({Input.Expression(code)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
