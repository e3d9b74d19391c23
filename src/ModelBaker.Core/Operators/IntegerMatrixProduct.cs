using System.Linq;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// What MatMulInteger and QLinearMatMul share: MatMul's shape rules (numpy.matmul with broadcast batches), B with its
/// zero point (per tensor or per column) subtracted, where each output batch finds its matrices, and the exact sum.
/// </summary>
internal static class IntegerMatrixProduct
{
    public static MatMul.MatMulPlan Plan(Node node, int[] a, int[] b) => MatMul.Plan(node, a, b);

    /// <summary>B − b_zero_point; the zero point is one value or one per column (the last dimension of B).</summary>
    public static int[] CenteredB(Node node, Tensor b, Tensor? zeroPoint, int columns)
    {
        long[] zp = zeroPoint?.Int64s ?? new long[1];
        if (zp.Length != 1 && zp.Length != columns)
            throw UnsupportedUsage(node, $"b_zero_point has {zp.Length} values.", $"Give one, or one per column of B ({columns}).");
        long[] bv = b.Int64s ?? throw InvalidGraph(node, "B must be an integer tensor.");
        return bv.Select((v, i) => (int)(v - zp[zp.Length == 1 ? 0 : i % columns])).ToArray();
    }

    /// <summary>For each output batch, the first element of its A matrix and of its B matrix.</summary>
    public static (int[] A, int[] B) Offsets(MatMul.MatMulPlan plan)
    {
        var (a, b) = MatMul.BatchIndices(plan);
        return (a.Select(i => i * plan.M * plan.K).ToArray(), b.Select(i => i * plan.K * plan.N).ToArray());
    }

    /// <summary>The reference: Σ (a − a zero point) · b per output element, summed in 64 bits and wrapped to 32.</summary>
    public static int[] Accumulate(MatMul.MatMulPlan plan, long[] a, int aZeroPoint, int[] b)
    {
        var (aOffsets, bOffsets) = Offsets(plan);
        int m = plan.M, k = plan.K, n = plan.N;
        var y = new int[aOffsets.Length * m * n];
        for (int t = 0; t < aOffsets.Length; t++)
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            long sum = 0;
            for (int p = 0; p < k; p++) sum += (a[aOffsets[t] + i * k + p] - aZeroPoint) * (long)b[bOffsets[t] + p * n + j];
            y[(t * m + i) * n + j] = unchecked((int)sum);
        }
        return y;
    }
}
