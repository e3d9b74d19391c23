using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// ONNX MatMulInteger (and the accumulating half of QLinearMatMul): numpy.matmul of an int8 or uint8 A by constant
/// integer matrices B into int32, Σ (a − aZeroPoint) · b, where B already has its zero point (per tensor or per column)
/// subtracted. Output batch t multiplies the A matrix at element <see cref="AOffsets"/>[t] by the B matrix at
/// <see cref="BOffsets"/>[t] (broadcasting resolved at bake time). Sums wrap in 32 bits, as ONNX allows.
/// Integer tensors are not quantized: an int8 plan runs this step as it is.
/// </summary>
public sealed class IntegerMatMul : FloatKernel
{
    public IntegerMatMul(string source, ArenaSlice input, ArenaSlice output, int rows, int depth, int columns,
        int[] aOffsets, int[] bOffsets, int[] weights, int inputZeroPoint, ArenaSlice? inputZeroPointSlice = null) : base(source)
    {
        if (input.Type is not (ElementType.Int8 or ElementType.UInt8) || output.Type != ElementType.Int32)
            throw new ArgumentException("An integer matrix product reads int8 or uint8 and writes int32.");
        Input = input;
        Output = output;
        Rows = rows;
        Depth = depth;
        Columns = columns;
        AOffsets = aOffsets;
        BOffsets = bOffsets;
        Weights = weights;
        InputZeroPoint = inputZeroPoint;
        InputZeroPointSlice = inputZeroPointSlice;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Depth { get; }
    public int Columns { get; }
    public int[] AOffsets { get; }
    public int[] BOffsets { get; }
    /// <summary>B's matrices, each [depth, columns] row-major, zero point subtracted.</summary>
    public int[] Weights { get; }
    public int InputZeroPoint { get; }
    /// <summary>The input's zero point when an earlier step computes it (DynamicQuantizeLinear); null: <see cref="InputZeroPoint"/>.</summary>
    public ArenaSlice? InputZeroPointSlice { get; }

    public override Kernel Quantize(QuantizationContext context) => this;

    public override KernelKind Kind => KernelKind.IntegerMatMul;
    public override IEnumerable<ArenaSlice> Reads => InputZeroPointSlice is { } z ? new[] { Input, z } : new[] { Input };
    public override int WeightBytes => 4 * (Weights.Length + AOffsets.Length + BOffsets.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(IntegerMatMul) };

    public override void Run(PlanArena arena)
    {
        bool signed = Input.Type == ElementType.Int8;
        MatMulInteger(signed ? System.Runtime.InteropServices.MemoryMarshal.Cast<sbyte, byte>(arena.Int8s(Input)) : arena.Of<byte>(Input), signed,
            RunTimeZeroPoint.Read(arena, InputZeroPointSlice, InputZeroPoint), Weights, AOffsets, BOffsets, Rows, Depth, Columns, arena.Of<int>(Output));
    }

    // <emit>
    /// <summary>Integer matrix product of an int8 A into int32 (ONNX MatMulInteger).</summary>
    public static void MatMulInteger(ReadOnlySpan<sbyte> a, int aZeroPoint, ReadOnlySpan<int> b, ReadOnlySpan<int> aOffsets,
        ReadOnlySpan<int> bOffsets, int rows, int depth, int columns, Span<int> output) =>
        MatMulInteger(System.Runtime.InteropServices.MemoryMarshal.Cast<sbyte, byte>(a), true, aZeroPoint, b, aOffsets, bOffsets, rows, depth, columns, output);

    /// <summary>Integer matrix product of a uint8 A into int32 (ONNX MatMulInteger).</summary>
    public static void MatMulInteger(ReadOnlySpan<byte> a, int aZeroPoint, ReadOnlySpan<int> b, ReadOnlySpan<int> aOffsets,
        ReadOnlySpan<int> bOffsets, int rows, int depth, int columns, Span<int> output) =>
        MatMulInteger(a, false, aZeroPoint, b, aOffsets, bOffsets, rows, depth, columns, output);

    /// <summary>Both types: an int8 A is read through its bytes and sign-extended.</summary>
    public static void MatMulInteger(ReadOnlySpan<byte> a, bool signed, int aZeroPoint, ReadOnlySpan<int> b, ReadOnlySpan<int> aOffsets,
        ReadOnlySpan<int> bOffsets, int rows, int depth, int columns, Span<int> output)
    {
        for (int t = 0; t < aOffsets.Length; t++)
        {
            int aBase = aOffsets[t], bBase = bOffsets[t], yBase = t * rows * columns;
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < columns; j++)
                {
                    int accumulator = 0;
                    for (int k = 0; k < depth; k++)
                    {
                        byte raw = a[aBase + i * depth + k];
                        accumulator += ((signed ? (int)unchecked((sbyte)raw) : raw) - aZeroPoint) * b[bBase + k * columns + j];
                    }
                    output[yBase + i * columns + j] = accumulator;
                }
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Rows); w.Int(Depth); w.Int(Columns);
        w.Ints(AOffsets); w.Ints(BOffsets); w.Ints(Weights); w.Int(InputZeroPoint); w.OptionalSlice(InputZeroPointSlice);
    }

    public static IntegerMatMul Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Int(), r.Ints(), r.Ints(), r.Ints(), r.Int(), r.OptionalSlice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"MatMulInteger({Input.Expression(code)}, aZeroPoint: {RunTimeZeroPoint.Expression(code, InputZeroPointSlice, InputZeroPoint)}, {name}Weights, {name}AOffsets, {name}BOffsets,")
            .Line($"    rows: {Rows}, depth: {Depth}, columns: {Columns}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Weights", Weights, $"B: {BOffsets.Length} batch(es) of [{Depth} × {Columns}] integer weights, zero point subtracted");
        EmitArrays.Ints(code, $"{name}AOffsets", AOffsets, "first element of A's matrix for each output batch");
        EmitArrays.Ints(code, $"{name}BOffsets", BOffsets, "first element of B's matrix for each output batch");
    }
}
