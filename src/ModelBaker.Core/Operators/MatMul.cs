using ModelBaker.Core.Lowering;
using System;
using System.Linq;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// numpy.matmul: the last two dimensions multiply as matrices, the leading (batch) dimensions broadcast.
/// A 1-D A is a row vector and a 1-D B a column vector; the added dimension is removed from the result.
/// </summary>
public sealed class MatMul : IOperator
{
    public string OpType => "MatMul";

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        RequireFloat(node, graph, 0);
        RequireFloat(node, graph, 1);
        SetOutput(node, graph, 0, ElementType.Float32, Plan(node, InputShape(node, graph, 0), InputShape(node, graph, 1)).Output);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var a = Required(node, inputs, 0);
        var b = Required(node, inputs, 1);
        float[] av = Floats(node, a, 0), bv = Floats(node, b, 1);
        var plan = Plan(node, a.Shape, b.Shape);
        int m = plan.M, k = plan.K, n = plan.N;

        // Batch strides counted in whole matrices; 0 along a dimension the operand broadcasts.
        int[] batchStrides = ShapeMath.Strides(plan.Batch);
        int[] aStrides = ShapeMath.BroadcastStrides(plan.BatchA, plan.Batch);
        int[] bStrides = ShapeMath.BroadcastStrides(plan.BatchB, plan.Batch);
        int batchCount = ShapeMath.Length(plan.Batch);

        var y = new float[batchCount * m * n];
        for (int batch = 0; batch < batchCount; batch++)
        {
            int aMatrix = 0, bMatrix = 0, rest = batch;
            for (int d = 0; d < plan.Batch.Length; d++)
            {
                int index = rest / batchStrides[d];
                rest %= batchStrides[d];
                aMatrix += index * aStrides[d];
                bMatrix += index * bStrides[d];
            }
            int aBase = aMatrix * m * k, bBase = bMatrix * k * n, yBase = batch * m * n;
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float sum = 0f; // float, plain k order (see Gemm)
                for (int p = 0; p < k; p++) sum += av[aBase + i * k + p] * bv[bBase + p * n + j];
                y[yBase + i * n + j] = sum;
            }
        }
        return new[] { Tensor.FromFloats(plan.Output, y) };
    }

    private sealed record MatMulPlan(int M, int K, int N, int[] BatchA, int[] BatchB, int[] Batch, int[] Output);

    private static MatMulPlan Plan(Node node, int[] a, int[] b)
    {
        if (a.Length == 0 || b.Length == 0)
            throw ShapeError(node, $"A {ShapeMath.Format(a)} and B {ShapeMath.Format(b)} must have at least one dimension.");
        // Promote 1-D operands to matrices as numpy does.
        int[] a2 = a.Length == 1 ? new[] { 1, a[0] } : a;
        int[] b2 = b.Length == 1 ? new[] { b[0], 1 } : b;
        int m = a2[a2.Length - 2], k = a2[a2.Length - 1];
        int kb = b2[b2.Length - 2], n = b2[b2.Length - 1];
        if (k != kb)
            throw ShapeError(node, $"A {ShapeMath.Format(a)} has {k} columns but B {ShapeMath.Format(b)} has {kb} rows; they must be equal.");
        int[] batchA = a2.Take(a2.Length - 2).ToArray();
        int[] batchB = b2.Take(b2.Length - 2).ToArray();
        int[] batch = ShapeMath.Broadcast(batchA, batchB)
            ?? throw ShapeError(node, $"the batch dimensions of A {ShapeMath.Format(a)} and B {ShapeMath.Format(b)} do not broadcast.");
        var output = batch.ToList();
        if (a.Length > 1) output.Add(m);
        if (b.Length > 1) output.Add(n);
        return new MatMulPlan(m, k, n, batchA, batchB, batch, output.ToArray());
    }

    public void Lower(Node node, LoweringContext context)
    {
        var a = context.Activation(node, 0, "A");
        var b = context.Constant(node, 1, "B");
        if (b.Shape.Length != 2)
            throw UnsupportedUsage(node, $"the constant B has shape {ShapeMath.Format(b.Shape)}.", "Only a 2-D B ([depth, units]) is supported.");
        int k = b.Shape[0], n = b.Shape[1];
        int rows = ShapeMath.Length(context.Shape(a.Name)) / k; // leading dimensions of A are rows
        var bData = b.AsFloats();
        var weights = new float[n * k];
        for (int unit = 0; unit < n; unit++)
            for (int d = 0; d < k; d++)
                weights[unit * k + d] = bData[d * n + unit];
        FullyConnectedLowering.Add(context, node, a.Name, rows, k, k, 1, weights, new float[n]);
    }
}
