using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// int8 or uint8 values brought into a 4- or 2-bit integer type's range, which ModelBaker computes in int8 (int4, int2) or
/// uint8 (uint4, uint2) (docs/architecture.md, "Narrow floats and integers"): a Cast keeps the low bits (sign-extended for
/// int4 and int2, as ONNX Runtime wraps), a QuantizeLinear saturates to the range. The same in int8 plans (integers are
/// unchanged there) and on nanoFramework.
/// </summary>
public sealed class IntegerNarrowing : FloatKernel
{
    public IntegerNarrowing(string source, ArenaSlice input, ArenaSlice output, int bits, bool saturate) : base(source)
    {
        if (input.Type != output.Type || input.Type is not (ElementType.Int8 or ElementType.UInt8) || input.Length != output.Length)
            throw new ArgumentException("Narrowing reads and writes int8 or uint8 tensors of one type and length.", nameof(output));
        if (bits is not (2 or 4)) throw new ArgumentOutOfRangeException(nameof(bits), bits, "Narrow integers have 4 or 2 bits.");
        Input = input;
        Output = output;
        Bits = bits;
        Saturate = saturate;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    /// <summary>Bits of the narrow type: 4 or 2 (signed when the tensors are int8).</summary>
    public int Bits { get; }
    /// <summary>Clamp to the range (QuantizeLinear) instead of keeping the low bits (Cast).</summary>
    public bool Saturate { get; }

    /// <summary>Integers are unchanged in int8 plans.</summary>
    public override Kernel Quantize(QuantizationContext context) => this;

    public override KernelKind Kind => KernelKind.IntegerNarrowing;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(IntegerNarrowing) };
    public override IEnumerable<string>? NanoHelpers => new[] { nameof(IntegerNarrowing) + "#Nano" };
    public override ArenaSlice? InPlaceInput => Input;

    public override void Run(PlanArena arena)
    {
        if (Input.Type == ElementType.Int8) NarrowIntegers(arena.Int8s(Input), arena.Int8s(Output), Bits, Saturate);
        else NarrowIntegers(arena.Of<byte>(Input), arena.Of<byte>(Output), Bits, Saturate);
    }

    // <emit>
    /// <summary>Each int8 value as a signed integer of <paramref name="bits"/> bits: its low bits sign-extended, or clamped.</summary>
    public static void NarrowIntegers(ReadOnlySpan<sbyte> input, Span<sbyte> output, int bits, bool saturate)
    {
        int shift = 8 - bits, max = (1 << (bits - 1)) - 1, min = -max - 1;
        for (int i = 0; i < input.Length; i++)
        {
            int x = input[i];
            output[i] = saturate ? (sbyte)(x < min ? min : x > max ? max : x) : (sbyte)((sbyte)(x << shift) >> shift);
        }
    }

    /// <summary>Each uint8 value as an unsigned integer of <paramref name="bits"/> bits: its low bits, or clamped.</summary>
    public static void NarrowIntegers(ReadOnlySpan<byte> input, Span<byte> output, int bits, bool saturate)
    {
        int max = (1 << bits) - 1;
        for (int i = 0; i < input.Length; i++)
        {
            int x = input[i];
            output[i] = (byte)(saturate ? (x > max ? max : x) : x & max);
        }
    }
    // </emit>

    // <emit Nano>
    // nanoFramework flavour: the same on arrays.
    public static void NarrowIntegers(sbyte[] input, int inputOffset, sbyte[] output, int outputOffset, int length, int bits, bool saturate)
    {
        int shift = 8 - bits, max = (1 << (bits - 1)) - 1, min = -max - 1;
        for (int i = 0; i < length; i++)
        {
            int x = input[inputOffset + i];
            output[outputOffset + i] = saturate ? (sbyte)(x < min ? min : x > max ? max : x) : (sbyte)((sbyte)(x << shift) >> shift);
        }
    }

    public static void NarrowIntegers(byte[] input, int inputOffset, byte[] output, int outputOffset, int length, int bits, bool saturate)
    {
        int max = (1 << bits) - 1;
        for (int i = 0; i < length; i++)
        {
            int x = input[inputOffset + i];
            output[outputOffset + i] = (byte)(saturate ? (x > max ? max : x) : x & max);
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Byte((byte)Bits); w.Byte(Saturate ? (byte)1 : (byte)0);
    }

    public static IntegerNarrowing Read(PlanBinaryReader r, string source) => new(source, r.Slice(), r.Slice(), r.Byte(), r.Byte() == 1);

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"NarrowIntegers({Input.Expression(code)}, {Output.Expression(code)}, bits: {Bits}, saturate: {(Saturate ? "true" : "false")});");

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"NarrowIntegers({Input.NanoArguments(code)}, {Output.NanoArguments(code)}, length: {Input.Length}, bits: {Bits}, " +
            $"saturate: {(Saturate ? "true" : "false")});");

    public override void EmitData(CodeWriter code, string name) { }
}
