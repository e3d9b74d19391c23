using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ONNX Cast at run time between float32, int8, uint8, int32, int64 and bool, with the semantics of ONNX Runtime on
/// x64 (C++ static_cast): float → integer truncates toward zero through int32 (int64 for int64), NaN and values out
/// of that range give its minimum, narrower integers keep the low bits; integer → narrower integer keeps the low
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

    /// <summary>Between int8, uint8, int32, int64 and bool (float tensors are int8 there: <see cref="CastInt8"/>).</summary>
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

    /// <summary>(byte[] is tested by exact type: the runtime lets a byte[] pass for an sbyte[] and the reverse.)</summary>
    /// <summary>The interpreter's entry: runs the emitted Cast overload for the arrays' element types.</summary>
    public static void CastElements(Array input, int inputOffset, Array output, int outputOffset, int length)
    {
        switch (input)
        {
            case float[] a: To(new ReadOnlySpan<float>(a, inputOffset, length), output, outputOffset); break;
            case byte[] a when input.GetType() == typeof(byte[]): To(new ReadOnlySpan<byte>(a, inputOffset, length), output, outputOffset); break;
            case sbyte[] a: To(new ReadOnlySpan<sbyte>(a, inputOffset, length), output, outputOffset); break;
            case int[] a: To(new ReadOnlySpan<int>(a, inputOffset, length), output, outputOffset); break;
            case long[] a: To(new ReadOnlySpan<long>(a, inputOffset, length), output, outputOffset); break;
            case bool[] a: To(new ReadOnlySpan<bool>(a, inputOffset, length), output, outputOffset); break;
        }
    }

    private static void To(ReadOnlySpan<float> x, Array output, int offset) { switch (output) { case byte[] o when output.GetType() == typeof(byte[]): Cast(x, o.AsSpan(offset, x.Length)); break; case sbyte[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case int[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case long[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case bool[] o: Cast(x, o.AsSpan(offset, x.Length)); break; default: throw Same(); } }
    private static void To(ReadOnlySpan<sbyte> x, Array output, int offset) { switch (output) { case float[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case byte[] o when output.GetType() == typeof(byte[]): Cast(x, o.AsSpan(offset, x.Length)); break; case int[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case long[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case bool[] o: Cast(x, o.AsSpan(offset, x.Length)); break; default: throw Same(); } }
    private static void To(ReadOnlySpan<byte> x, Array output, int offset) { switch (output) { case float[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case sbyte[] o when output.GetType() == typeof(sbyte[]): Cast(x, o.AsSpan(offset, x.Length)); break; case int[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case long[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case bool[] o: Cast(x, o.AsSpan(offset, x.Length)); break; default: throw Same(); } }
    private static void To(ReadOnlySpan<int> x, Array output, int offset) { switch (output) { case float[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case byte[] o when output.GetType() == typeof(byte[]): Cast(x, o.AsSpan(offset, x.Length)); break; case sbyte[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case long[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case bool[] o: Cast(x, o.AsSpan(offset, x.Length)); break; default: throw Same(); } }
    private static void To(ReadOnlySpan<long> x, Array output, int offset) { switch (output) { case float[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case byte[] o when output.GetType() == typeof(byte[]): Cast(x, o.AsSpan(offset, x.Length)); break; case sbyte[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case int[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case bool[] o: Cast(x, o.AsSpan(offset, x.Length)); break; default: throw Same(); } }
    private static void To(ReadOnlySpan<bool> x, Array output, int offset) { switch (output) { case float[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case byte[] o when output.GetType() == typeof(byte[]): Cast(x, o.AsSpan(offset, x.Length)); break; case sbyte[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case int[] o: Cast(x, o.AsSpan(offset, x.Length)); break; case long[] o: Cast(x, o.AsSpan(offset, x.Length)); break; default: throw Same(); } }
    private static InvalidOperationException Same() => new("A Cast to the same element type is an alias, not a step.");

    // <emit>
    /// <summary>float → int32 as x64 truncation does it: toward zero; NaN and out-of-range values give int.MinValue.</summary>
    public static int FloatToInt32(float x) => x >= -2147483648f && x < 2147483648f ? (int)x : int.MinValue;

    /// <summary>float → int64: toward zero; NaN and out-of-range values give long.MinValue.</summary>
    public static long FloatToInt64(float x) => x >= -9223372036854775808f && x < 9223372036854775808f ? (long)x : long.MinValue;

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
