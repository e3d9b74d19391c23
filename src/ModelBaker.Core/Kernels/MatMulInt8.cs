using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Kernels.FixedPoint;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Int8 matrix product of two tensors computed at run time, laid out as <see cref="MatMulFloat"/>: each output element
/// is Σ (a − a's zero point) · (b − b's zero point) in int32, requantized by a scale · b scale / output scale — the
/// int8 × int8 → int8 product of attention on microcontrollers (CMSIS-NN's batch matmul). Exact integer arithmetic:
/// the generated code equals the plan bit for bit.
/// </summary>
public sealed class MatMulInt8 : Int8Kernel
{
    public MatMulInt8(string source, ArenaSlice a, ArenaSlice b, ArenaSlice output, int m, int k, int n, int[] aOffsets, int[] bOffsets,
        int aZeroPoint, int bZeroPoint, int multiplier, int shift, int outputZeroPoint) : base(source)
    {
        A = a;
        B = b;
        Output = output;
        M = m;
        K = k;
        N = n;
        AOffsets = aOffsets;
        BOffsets = bOffsets;
        AZeroPoint = aZeroPoint;
        BZeroPoint = bZeroPoint;
        Multiplier = multiplier;
        Shift = shift;
        OutputZeroPoint = outputZeroPoint;
    }

    public ArenaSlice A { get; }
    public ArenaSlice B { get; }
    public override ArenaSlice Output { get; }
    public int M { get; }
    public int K { get; }
    public int N { get; }
    public int[] AOffsets { get; }
    public int[] BOffsets { get; }
    public int AZeroPoint { get; }
    public int BZeroPoint { get; }
    public int Multiplier { get; }
    public int Shift { get; }
    public int OutputZeroPoint { get; }

    /// <summary>Both inputs keep the parameters calibration gave them; the output gets its own.</summary>
    public static MatMulInt8 From(MatMulFloat matMul, QuantizationContext q)
    {
        var a = q.Parameters(matMul.A);
        var b = q.Parameters(matMul.B);
        var output = q.Parameters(matMul.Output);
        var (multiplier, shift) = QuantizeMultiplier(a.Scale * b.Scale / output.Scale);
        return new MatMulInt8(matMul.Source, q.Slice(matMul.A), q.Slice(matMul.B), q.Slice(matMul.Output), matMul.M, matMul.K, matMul.N,
            matMul.AOffsets, matMul.BOffsets, a.ZeroPoint, b.ZeroPoint, multiplier, shift, output.ZeroPoint);
    }

    public override KernelKind Kind => KernelKind.MatMulInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { A, B };
    public override int WeightBytes => 4 * (AOffsets.Length + BOffsets.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(MatMulInt8), nameof(FixedPoint) };

    public override void Run(PlanArena arena) =>
        MatMulInt8s(arena.Int8s(A), arena.Int8s(B), M, K, N, AOffsets, BOffsets, AZeroPoint, BZeroPoint, Multiplier, Shift, OutputZeroPoint,
            arena.Int8s(Output));

    // <emit>
    /// <summary>
    /// Batched int8 matrix product: output matrix i ([m, n]) = A[aOffsets[i] …] ([m, k]) · B[bOffsets[i] …] ([k, n]), each
    /// element Σ (a − aZeroPoint)(b − bZeroPoint) in int32, requantized to int8.
    /// </summary>
    public static void MatMulInt8s(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b, int m, int k, int n, ReadOnlySpan<int> aOffsets, ReadOnlySpan<int> bOffsets,
        int aZeroPoint, int bZeroPoint, int multiplier, int shift, int outputZeroPoint, Span<sbyte> output)
    {
        for (int batch = 0; batch < aOffsets.Length; batch++)
        {
            int aStart = aOffsets[batch], bStart = bOffsets[batch], outputStart = batch * m * n;
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                int sum = 0;
                for (int p = 0; p < k; p++) sum += (a[aStart + i * k + p] - aZeroPoint) * (b[bStart + p * n + j] - bZeroPoint);
                output[outputStart + i * n + j] = Requantize(sum, multiplier, shift, outputZeroPoint, -128, 127);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Batched int8 matrix product on arrays (see the .NET flavour).</summary>
    public static void MatMulInt8s(sbyte[] a, int aOffset, sbyte[] b, int bOffset, int m, int k, int n, int[] aOffsets, int[] bOffsets,
        int aZeroPoint, int bZeroPoint, int multiplier, int shift, int outputZeroPoint, sbyte[] output, int outputOffset)
    {
        for (int batch = 0; batch < aOffsets.Length; batch++)
        {
            int aStart = aOffset + aOffsets[batch], bStart = bOffset + bOffsets[batch], outputStart = outputOffset + batch * m * n;
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                int sum = 0;
                for (int p = 0; p < k; p++) sum += (a[aStart + i * k + p] - aZeroPoint) * (b[bStart + p * n + j] - bZeroPoint);
                output[outputStart + i * n + j] = Requantize(sum, multiplier, shift, outputZeroPoint, -128, 127);
            }
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(MatMulInt8) + "#Nano", nameof(FixedPoint) };

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"MatMulInt8s({A.NanoArguments(code)}, {B.NanoArguments(code)}, m: {M}, k: {K}, n: {N}, {name}AOffsets, {name}BOffsets,")
            .Line($"    aZeroPoint: {AZeroPoint}, bZeroPoint: {BZeroPoint}, multiplier: {Multiplier}, shift: {Shift}, outputZeroPoint: {OutputZeroPoint}, {Output.NanoArguments(code)});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(A); w.Slice(B); w.Slice(Output); w.Int(M); w.Int(K); w.Int(N); w.Ints(AOffsets); w.Ints(BOffsets);
        w.Int(AZeroPoint); w.Int(BZeroPoint); w.Int(Multiplier); w.Int(Shift); w.Int(OutputZeroPoint);
    }

    public static MatMulInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Slice(), r.Int(), r.Int(), r.Int(), r.Ints(), r.Ints(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"MatMulInt8s({A.Expression(code)}, {B.Expression(code)}, m: {M}, k: {K}, n: {N}, {name}AOffsets, {name}BOffsets,")
            .Line($"    aZeroPoint: {AZeroPoint}, bZeroPoint: {BZeroPoint}, multiplier: {Multiplier}, shift: {Shift}, outputZeroPoint: {OutputZeroPoint}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}AOffsets", AOffsets, "per output matrix, where its matrix of A starts");
        EmitArrays.Ints(code, $"{name}BOffsets", BOffsets, "per output matrix, where its matrix of B starts");
    }
}
