using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Float matrix product of two tensors computed at run time (attention's Q·Kᵀ and weights·V), batched: output matrix
/// b ([m, n], row-major, b-th in the output) is A's [m, k] matrix starting at <see cref="AOffsets"/>[b] times B's
/// [k, n] matrix starting at <see cref="BOffsets"/>[b]. numpy's batch broadcasting is decided at bake time in those
/// offsets (a broadcast operand repeats an offset). Sums run in float in k order, as the MatMul reference does.
/// Int8 plans: <see cref="MatMulInt8"/>.
/// </summary>
public sealed class MatMulFloat : FloatKernel
{
    public MatMulFloat(string source, ArenaSlice a, ArenaSlice b, ArenaSlice output, int m, int k, int n, int[] aOffsets, int[] bOffsets)
        : base(source)
    {
        if (aOffsets.Length != bOffsets.Length) throw new ArgumentException("One offset of A and one of B per output matrix.", nameof(bOffsets));
        A = a;
        B = b;
        Output = output;
        M = m;
        K = k;
        N = n;
        AOffsets = aOffsets;
        BOffsets = bOffsets;
    }

    public ArenaSlice A { get; }
    public ArenaSlice B { get; }
    public override ArenaSlice Output { get; }
    public int M { get; }
    public int K { get; }
    public int N { get; }
    /// <summary>For each output matrix, the element offset in A of the [m, k] matrix it multiplies.</summary>
    public int[] AOffsets { get; }
    /// <summary>For each output matrix, the element offset in B of the [k, n] matrix it multiplies.</summary>
    public int[] BOffsets { get; }

    /// <summary>int8 × int8 → int8 with an int32 sum, requantized (<see cref="MatMulInt8"/>).</summary>
    public override Kernel Quantize(Quantization.QuantizationContext context) => MatMulInt8.From(this, context);

    public override KernelKind Kind => KernelKind.MatMulFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { A, B };
    public override int WeightBytes => 4 * (AOffsets.Length + BOffsets.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(MatMulFloat) };

    public override void Run(PlanArena arena) =>
        MatMul(arena.Floats(A), arena.Floats(B), M, K, N, AOffsets, BOffsets, arena.Floats(Output));

    // <emit>
    /// <summary>
    /// Batched float matrix product: output matrix i ([m, n]) = A[aOffsets[i] …] ([m, k]) · B[bOffsets[i] …] ([k, n]).
    /// Each output element sums its k products in k order, starting from 0.
    /// </summary>
    public static void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n,
        ReadOnlySpan<int> aOffsets, ReadOnlySpan<int> bOffsets, Span<float> output)
    {
        for (int batch = 0; batch < aOffsets.Length; batch++)
        {
            ReadOnlySpan<float> left = a.Slice(aOffsets[batch], m * k);
            ReadOnlySpan<float> right = b.Slice(bOffsets[batch], k * n);
            Span<float> result = output.Slice(batch * m * n, m * n);
            for (int i = 0; i < m; i++)
            {
                Span<float> row = result.Slice(i * n, n);
                row.Clear();
                // Row i of A times B, one k at a time: each element still adds its products in k order.
                for (int p = 0; p < k; p++)
                {
                    float factor = left[i * k + p];
                    ReadOnlySpan<float> bRow = right.Slice(p * n, n);
                    for (int j = 0; j < n; j++) row[j] += factor * bRow[j];
                }
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(A); w.Slice(B); w.Slice(Output); w.Int(M); w.Int(K); w.Int(N); w.Ints(AOffsets); w.Ints(BOffsets);
    }

    public static MatMulFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Slice(), r.Int(), r.Int(), r.Int(), r.Ints(), r.Ints());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"MatMul({A.Expression(code)}, {B.Expression(code)}, m: {M}, k: {K}, n: {N}, {name}AOffsets, {name}BOffsets, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}AOffsets", AOffsets, "per output matrix, where its matrix of A starts");
        EmitArrays.Ints(code, $"{name}BOffsets", BOffsets, "per output matrix, where its matrix of B starts");
    }
}
