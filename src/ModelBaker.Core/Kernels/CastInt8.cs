using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// A Cast between float32 and an integer type or bool in an int8 plan, where the float side is a quantized int8 tensor:
/// integer-only, on .NET and nanoFramework. Every result is decided at bake time by the float Cast itself
/// (<see cref="Conversion"/>'s semantics on the dequantized value, and the input quantization of the float result), so
/// the step gives what dequantize → Cast → quantize gives — but for integers a float → integer Cast recovers, below —
/// with no float at run time:
/// <list type="bullet">
/// <item>float → any integer type or bool: a 256-entry table of the output type, indexed by the int8 code (a code whose
/// cell, on a grid finer than 1, holds an integer gives that integer: see <see cref="IntegerInCell"/>);</item>
/// <item>int8, uint8 or bool → float: a 256- (2-) entry table of int8 codes, indexed by the value (+ 128 for int8);</item>
/// <item>int16, uint16, int32, uint32 or int64 → float: 255 int64 thresholds (uint64: 255 uint64 ones, compared
/// unsigned), the smallest value reaching each int8 code above −128; the code is −128 plus the number of thresholds at
/// or below the value (a binary search).</item>
/// </list>
/// </summary>
public sealed class CastInt8 : Int8Kernel
{
    public CastInt8(string source, ArenaSlice input, ArenaSlice output, bool fromFloat, Array table) : base(source)
    {
        var expected = fromFloat ? output.Type : input.Type == ElementType.UInt64 ? ElementType.UInt64 : ByThresholds(input.Type) ? ElementType.Int64 : ElementType.Int8;
        int length = fromFloat ? 256 : ByThresholds(input.Type) ? 255 : input.Type == ElementType.Bool ? 2 : 256;
        if ((fromFloat ? input.Type : output.Type) != ElementType.Int8 || TypedArrays.TypeOf(table) != expected || table.Length != length)
            throw new ArgumentException($"A Cast {(fromFloat ? "from" : "to")} a quantized float tensor, {input.Type} to {output.Type}, takes {length} {expected} table entries.", nameof(table));
        Input = input;
        Output = output;
        FromFloat = fromFloat;
        Table = table;
    }

    /// <summary>Integer types wider than 8 bits become float codes by 255 thresholds (uint64's are unsigned, the others int64).</summary>
    private static bool ByThresholds(ElementType type) =>
        type is ElementType.Int16 or ElementType.UInt16 or ElementType.Int32 or ElementType.UInt32 or ElementType.Int64 or ElementType.UInt64;

    /// <summary>The integer form of <paramref name="cast"/> (a float → integer or integer → float Cast), its float side quantized as calibrated.</summary>
    public static CastInt8 From(Conversion cast, QuantizationContext q)
    {
        if (cast.Input.Type == ElementType.Float32)
        {
            var x = q.Parameters(cast.Input);
            var table = Array.CreateInstance(TensorArrays.ClrType(cast.Output.Type), 256);
            var real = new float[1];
            for (int code = -128; code <= 127; code++)
            {
                real[0] = FixedPoint.Dequantize((sbyte)code, x.Scale, x.ZeroPoint);
                if (cast.Output.Type != ElementType.Bool) real[0] = IntegerInCell(real[0], x.Scale);
                var one = Array.CreateInstance(table.GetType().GetElementType()!, 1);
                Conversion.CastElements(real, 0, one, 0, 1);
                table.SetValue(one.GetValue(0), code + 128);
            }
            return new CastInt8(cast.Source, q.Slice(cast.Input), cast.Output, true, table);
        }
        var y = q.Parameters(cast.Output);
        sbyte Code(long value) => FixedPoint.Quantize((float)value, y.Scale, y.ZeroPoint);
        switch (cast.Input.Type)
        {
            case ElementType.Bool:
                return new CastInt8(cast.Source, cast.Input, q.Slice(cast.Output), false, new[] { Code(0), Code(1) });
            case ElementType.Int8 or ElementType.UInt8:
            {
                // Indexed by the int8 value + 128, or by the uint8 value itself.
                int first = cast.Input.Type == ElementType.Int8 ? -128 : 0;
                var codes = new sbyte[256];
                for (int v = first; v < first + 256; v++) codes[v - first] = Code(v);
                return new CastInt8(cast.Source, cast.Input, q.Slice(cast.Output), false, codes);
            }
            case ElementType.UInt64:
            {
                // As below, over [0, 2^64) and unsigned: (float)v of a uint64 is its unsigned value.
                var thresholds = new ulong[255];
                for (int k = 0; k < 255; k++)
                {
                    ulong low = 0, high = ulong.MaxValue;
                    while (low < high)
                    {
                        ulong middle = low + (high - low) / 2;
                        if (FixedPoint.Quantize((float)middle, y.Scale, y.ZeroPoint) > -128 + k) high = middle;
                        else low = middle + 1;
                    }
                    thresholds[k] = low;
                }
                return new CastInt8(cast.Source, cast.Input, q.Slice(cast.Output), false, thresholds);
            }
            default:
            {
                // Code((float)v) never decreases as v grows: threshold k is the smallest v whose code exceeds −128 + k.
                var thresholds = new long[255];
                for (int k = 0; k < 255; k++)
                {
                    long low = long.MinValue, high = long.MaxValue;
                    while (low < high)
                    {
                        long middle = (low >> 1) + (high >> 1) + (low & high & 1);
                        if (Code(middle) > -128 + k) high = middle;
                        else low = middle + 1;
                    }
                    thresholds[k] = low;
                }
                return new CastInt8(cast.Source, cast.Input, q.Slice(cast.Output), false, thresholds);
            }
        }
    }

    /// <summary>
    /// The value a float → integer Cast reads for a code whose dequantized value is <paramref name="value"/>: the integer
    /// inside the code's cell (within half a step) when the grid is finer than 1 and the cell holds one, else the value.
    /// Integer-valued floats — category codes in a model input, a Floor's or Round's output — quantize to the code nearest
    /// them, whose dequantized value lies up to half a step below as often as above; truncating that would turn 3 into 2
    /// half of the time. A real value inside such a cell truncates to k or k − 1, so reading k is as likely right for it.
    /// </summary>
    internal static float IntegerInCell(float value, double scale)
    {
        double nearest = Math.Round(value);
        return scale < 1 && Math.Abs(value - nearest) <= scale / 2 ? (float)nearest : value;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    /// <summary>The input is the quantized float side (float → integer); else the output is (integer → float).</summary>
    public bool FromFloat { get; }
    /// <summary>Output values by int8 code + 128, int8 codes by input value (+ 128 for int8), or 255 thresholds.</summary>
    public Array Table { get; }

    public override KernelKind Kind => KernelKind.CastInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Table.Length * Arenas.Size(TypedArrays.TypeOf(Table));
    public override IEnumerable<string> Helpers => new[] { nameof(CastInt8) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(CastInt8) + "#Nano" };

    public override void Run(PlanArena arena)
    {
        // By the slices' types, not by array patterns: the runtime lets a byte[] pass for an sbyte[], an int[] for a uint[] …
        if (FromFloat)
        {
            switch (Output.Type)
            {
                case ElementType.Int8: CastFromInt8(arena.Int8s(Input), (sbyte[])Table, arena.Of<sbyte>(Output)); break;
                case ElementType.UInt8: CastFromInt8(arena.Int8s(Input), (byte[])Table, arena.Of<byte>(Output)); break;
                case ElementType.Int16: CastFromInt8(arena.Int8s(Input), (short[])Table, arena.Of<short>(Output)); break;
                case ElementType.UInt16: CastFromInt8(arena.Int8s(Input), (ushort[])Table, arena.Of<ushort>(Output)); break;
                case ElementType.Int32: CastFromInt8(arena.Int8s(Input), (int[])Table, arena.Of<int>(Output)); break;
                case ElementType.UInt32: CastFromInt8(arena.Int8s(Input), (uint[])Table, arena.Of<uint>(Output)); break;
                case ElementType.Int64: CastFromInt8(arena.Int8s(Input), (long[])Table, arena.Of<long>(Output)); break;
                case ElementType.UInt64: CastFromInt8(arena.Int8s(Input), (ulong[])Table, arena.Of<ulong>(Output)); break;
                case ElementType.Bool: CastFromInt8(arena.Int8s(Input), (bool[])Table, arena.Of<bool>(Output)); break;
            }
            return;
        }
        var codes = arena.Int8s(Output);
        switch (Input.Type)
        {
            case ElementType.Bool: CastToInt8(arena.Of<bool>(Input), (sbyte[])Table, codes); break;
            case ElementType.UInt8: CastToInt8(arena.Of<byte>(Input), (sbyte[])Table, codes); break;
            case ElementType.Int8: CastToInt8(arena.Int8s(Input), (sbyte[])Table, codes); break;
            case ElementType.Int16: CastToInt8(arena.Of<short>(Input), (long[])Table, codes); break;
            case ElementType.UInt16: CastToInt8(arena.Of<ushort>(Input), (long[])Table, codes); break;
            case ElementType.Int32: CastToInt8(arena.Of<int>(Input), (long[])Table, codes); break;
            case ElementType.UInt32: CastToInt8(arena.Of<uint>(Input), (long[])Table, codes); break;
            case ElementType.Int64: CastToInt8(arena.Of<long>(Input), (long[])Table, codes); break;
            case ElementType.UInt64: CastToInt8(arena.Of<ulong>(Input), (ulong[])Table, codes); break;
        }
    }

    // <emit>
    /// <summary>Quantized float → integer or bool: each int8 code's result, decided at bake time.</summary>
    public static void CastFromInt8<T>(ReadOnlySpan<sbyte> input, ReadOnlySpan<T> table, Span<T> output)
    {
        for (int i = 0; i < input.Length; i++) output[i] = table[input[i] + 128];
    }

    /// <summary>An int8 integer tensor → quantized float: each value's int8 code.</summary>
    public static void CastToInt8(ReadOnlySpan<sbyte> input, ReadOnlySpan<sbyte> codes, Span<sbyte> output)
    {
        for (int i = 0; i < input.Length; i++) output[i] = codes[input[i] + 128];
    }

    /// <summary>A uint8 tensor → quantized float: each value's int8 code, indexed by the value.</summary>
    public static void CastToInt8(ReadOnlySpan<byte> input, ReadOnlySpan<sbyte> codes, Span<sbyte> output)
    {
        for (int i = 0; i < input.Length; i++) output[i] = codes[input[i]];
    }

    /// <summary>Bool → quantized float: the codes of 0 and 1.</summary>
    public static void CastToInt8(ReadOnlySpan<bool> input, ReadOnlySpan<sbyte> codes, Span<sbyte> output)
    {
        for (int i = 0; i < input.Length; i++) output[i] = codes[input[i] ? 1 : 0];
    }

    /// <summary>An integer → quantized float: −128 plus the number of the 255 ascending thresholds at or below the value.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static sbyte ThresholdCode(long value, ReadOnlySpan<long> thresholds)
    {
        int low = 0, high = 255; // thresholds[0 .. low) ≤ value < thresholds[high ..)
        while (low < high)
        {
            int middle = (low + high) >> 1;
            if (thresholds[middle] <= value) low = middle + 1;
            else high = middle;
        }
        return (sbyte)(low - 128);
    }

    /// <summary>The same in unsigned order, for uint64 (values and thresholds of 2^63 and above).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static sbyte ThresholdCode(ulong value, ReadOnlySpan<ulong> thresholds)
    {
        int low = 0, high = 255;
        while (low < high)
        {
            int middle = (low + high) >> 1;
            if (thresholds[middle] <= value) low = middle + 1;
            else high = middle;
        }
        return (sbyte)(low - 128);
    }

    public static void CastToInt8(ReadOnlySpan<short> input, ReadOnlySpan<long> thresholds, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = ThresholdCode(input[i], thresholds); }
    public static void CastToInt8(ReadOnlySpan<ushort> input, ReadOnlySpan<long> thresholds, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = ThresholdCode(input[i], thresholds); }
    public static void CastToInt8(ReadOnlySpan<int> input, ReadOnlySpan<long> thresholds, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = ThresholdCode(input[i], thresholds); }
    public static void CastToInt8(ReadOnlySpan<uint> input, ReadOnlySpan<long> thresholds, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = ThresholdCode(input[i], thresholds); }
    public static void CastToInt8(ReadOnlySpan<long> input, ReadOnlySpan<long> thresholds, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = ThresholdCode(input[i], thresholds); }
    public static void CastToInt8(ReadOnlySpan<ulong> input, ReadOnlySpan<ulong> thresholds, Span<sbyte> output) { for (int i = 0; i < input.Length; i++) output[i] = ThresholdCode(input[i], thresholds); }
    // </emit>

    // <emit Nano>
    // nanoFramework flavour (arrays, offsets, no generics): a method per pair of array types.

    /// <summary>Quantized float → int8 integers, on arrays.</summary>
    public static void CastFromInt8(sbyte[] input, int inputOffset, sbyte[] table, sbyte[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++) output[outputOffset + i] = table[input[inputOffset + i] + 128];
    }

    /// <summary>Quantized float → uint8, on arrays.</summary>
    public static void CastFromInt8(sbyte[] input, int inputOffset, byte[] table, byte[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++) output[outputOffset + i] = table[input[inputOffset + i] + 128];
    }

    /// <summary>Quantized float → int32, on arrays.</summary>
    public static void CastFromInt8(sbyte[] input, int inputOffset, int[] table, int[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++) output[outputOffset + i] = table[input[inputOffset + i] + 128];
    }

    /// <summary>Quantized float → int64, on arrays.</summary>
    public static void CastFromInt8(sbyte[] input, int inputOffset, long[] table, long[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++) output[outputOffset + i] = table[input[inputOffset + i] + 128];
    }

    /// <summary>Quantized float → bool, on arrays.</summary>
    public static void CastFromInt8(sbyte[] input, int inputOffset, bool[] table, bool[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++) output[outputOffset + i] = table[input[inputOffset + i] + 128];
    }

    /// <summary>An int8 integer tensor → quantized float, on arrays.</summary>
    public static void CastToInt8(sbyte[] input, int inputOffset, sbyte[] codes, sbyte[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++) output[outputOffset + i] = codes[input[inputOffset + i] + 128];
    }

    /// <summary>A uint8 tensor → quantized float, on arrays (indexed by the value).</summary>
    public static void CastToInt8(byte[] input, int inputOffset, sbyte[] codes, sbyte[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++) output[outputOffset + i] = codes[input[inputOffset + i]];
    }

    /// <summary>Bool → quantized float, on arrays.</summary>
    public static void CastToInt8(bool[] input, int inputOffset, sbyte[] codes, sbyte[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++) output[outputOffset + i] = codes[input[inputOffset + i] ? 1 : 0];
    }

    /// <summary>int32 → quantized float by thresholds, on arrays.</summary>
    public static void CastToInt8(int[] input, int inputOffset, long[] thresholds, sbyte[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++)
        {
            long value = input[inputOffset + i];
            int low = 0, high = 255;
            while (low < high)
            {
                int middle = (low + high) >> 1;
                if (thresholds[middle] <= value) low = middle + 1;
                else high = middle;
            }
            output[outputOffset + i] = (sbyte)(low - 128);
        }
    }

    /// <summary>int16 → quantized float by thresholds, on arrays.</summary>
    public static void CastToInt8(short[] input, int inputOffset, long[] thresholds, sbyte[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++)
        {
            long value = input[inputOffset + i];
            int low = 0, high = 255;
            while (low < high)
            {
                int middle = (low + high) >> 1;
                if (thresholds[middle] <= value) low = middle + 1;
                else high = middle;
            }
            output[outputOffset + i] = (sbyte)(low - 128);
        }
    }

    /// <summary>uint16 → quantized float by thresholds, on arrays.</summary>
    public static void CastToInt8(ushort[] input, int inputOffset, long[] thresholds, sbyte[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++)
        {
            long value = input[inputOffset + i];
            int low = 0, high = 255;
            while (low < high)
            {
                int middle = (low + high) >> 1;
                if (thresholds[middle] <= value) low = middle + 1;
                else high = middle;
            }
            output[outputOffset + i] = (sbyte)(low - 128);
        }
    }

    /// <summary>uint32 → quantized float by thresholds, on arrays.</summary>
    public static void CastToInt8(uint[] input, int inputOffset, long[] thresholds, sbyte[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++)
        {
            long value = input[inputOffset + i];
            int low = 0, high = 255;
            while (low < high)
            {
                int middle = (low + high) >> 1;
                if (thresholds[middle] <= value) low = middle + 1;
                else high = middle;
            }
            output[outputOffset + i] = (sbyte)(low - 128);
        }
    }

    /// <summary>uint64 (unsigned thresholds) → quantized float by thresholds, on arrays.</summary>
    public static void CastToInt8(ulong[] input, int inputOffset, ulong[] thresholds, sbyte[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++)
        {
            ulong value = input[inputOffset + i];
            int low = 0, high = 255;
            while (low < high)
            {
                int middle = (low + high) >> 1;
                if (thresholds[middle] <= value) low = middle + 1;
                else high = middle;
            }
            output[outputOffset + i] = (sbyte)(low - 128);
        }
    }

    /// <summary>Quantized float → int16, on arrays.</summary>
    public static void CastFromInt8(sbyte[] input, int inputOffset, short[] table, short[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++) output[outputOffset + i] = table[input[inputOffset + i] + 128];
    }

    /// <summary>Quantized float → uint16, on arrays.</summary>
    public static void CastFromInt8(sbyte[] input, int inputOffset, ushort[] table, ushort[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++) output[outputOffset + i] = table[input[inputOffset + i] + 128];
    }

    /// <summary>Quantized float → uint32, on arrays.</summary>
    public static void CastFromInt8(sbyte[] input, int inputOffset, uint[] table, uint[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++) output[outputOffset + i] = table[input[inputOffset + i] + 128];
    }

    /// <summary>Quantized float → uint64, on arrays.</summary>
    public static void CastFromInt8(sbyte[] input, int inputOffset, ulong[] table, ulong[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++) output[outputOffset + i] = table[input[inputOffset + i] + 128];
    }

    /// <summary>int64 → quantized float by thresholds, on arrays.</summary>
    public static void CastToInt8(long[] input, int inputOffset, long[] thresholds, sbyte[] output, int outputOffset, int length)
    {
        for (int i = 0; i < length; i++)
        {
            long value = input[inputOffset + i];
            int low = 0, high = 255;
            while (low < high)
            {
                int middle = (low + high) >> 1;
                if (thresholds[middle] <= value) low = middle + 1;
                else high = middle;
            }
            output[outputOffset + i] = (sbyte)(low - 128);
        }
    }
    // </emit>

    private string Method => FromFloat ? "CastFromInt8" : "CastToInt8";

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Byte(FromFloat ? (byte)1 : (byte)0); TypedArrays.Write(w, Table);
    }

    public static CastInt8 Read(PlanBinaryReader r, string source) => new(source, r.Slice(), r.Slice(), r.Byte() != 0, TypedArrays.Read(r));

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"{Method}({Input.Expression(code)}, {name}Table, {Output.Expression(code)});");

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"{Method}({Input.NanoArguments(code)}, {name}Table, {Output.NanoArguments(code)}, length: {Input.Length});");

    public override void EmitData(CodeWriter code, string name) =>
        TypedArrays.Emit(code, $"{name}Table", Table,
            FromFloat ? "the cast of each int8 code's real value, by code + 128"
            : Table.Length == 255 ? "the smallest value reaching each int8 code above −128"
            : Input.Type == ElementType.UInt8 ? "each uint8 value's int8 code, by value" : "each value's int8 code");
}
