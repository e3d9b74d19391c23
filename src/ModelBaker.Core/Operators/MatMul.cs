using System.Collections.Generic;
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
public sealed class MatMul : IOperator, IChannelMapping, IBakeTimeInputs, IWeightLayout
{
    /// <summary>A 2-D B is [K, N]; a batched one has no single layout.</summary>
    public int? OutputChannelAxis(Node node, Graph graph) => graph[node.Inputs[1]].Shape?.Length == 2 ? 1 : null;

    /// <summary>Inputs exporters write as initializers: 1.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    /// <summary>One neuron per column of a constant 2-D B, for a 2-D A.</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph) =>
        graph[node.Inputs[1]].Constant is { Shape.Length: 2 } && graph[node.Inputs[0]].Shape?.Length == 2
            ? new ChannelFlow.Filters(1, OutputAxis: OutputChannelAxis(node, graph)!.Value, InputAxis: 0, null, NeedsTracedInput: false)
            : new ChannelFlow.Opaque("its weights are computed at run time or it is batched", graph[node.Inputs[1]].IsConstant ? 1 : null);

    public string OpType => "MatMul";

    public OperatorSupport Support { get; } = new(OperatorFamily.DenseLayers, 1, "1-D, batched, numpy-broadcast batch dimensions; B constant: a fully connected step (one per batch matrix when B is batched); A and B both computed at run time: a batched matmul step", Int8Form.Integer, "constant B: per-channel int8 weights; two run-time tensors: int8 × int8 with an int32 sum, requantized to int8 (bit-exact)", Nano: true)
    {
        Refuses = new[] { "a constant A with a computed B" },
    };

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

    internal sealed record MatMulPlan(int M, int K, int N, int[] BatchA, int[] BatchB, int[] Batch, int[] Output);

    internal static MatMulPlan Plan(Node node, int[] a, int[] b)
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

    /// <summary>
    /// B computed at run time: see <see cref="LowerComputed"/>. B a constant: when B holds one matrix (1-D, 2-D, or size-1 batch dimensions), one fully connected step
    /// covers every row of A. Otherwise each output batch has its own matrix of B: one fully connected step per batch
    /// (reading A's matching matrix, extracted by a Remap step when A has batch dimensions of its own), then one Concat
    /// step assembling the batches — or, when each batch is a single row read from one A, one step with B's matrices
    /// side by side.
    /// </summary>
    public void Lower(Node node, LoweringContext context)
    {
        var a = context.Activation(node, 0, "A");
        if (!context.Graph[node.Inputs[1]].IsConstant)
        {
            LowerComputed(node, context, a.Name);
            return;
        }
        var b = context.Constant(node, 1, "B");
        int[] aShape = context.Shape(a.Name);
        var plan = Plan(node, aShape, b.Shape);
        int m = plan.M, k = plan.K, n = plan.N;
        var bData = b.AsFloats();
        int aCount = ShapeMath.Length(plan.BatchA), bCount = ShapeMath.Length(plan.BatchB), count = ShapeMath.Length(plan.Batch);

        // [units, depth] weights: B's matrices (by index) side by side, each transposed to one row per unit.
        float[] Weights(params int[] matrices)
        {
            var weights = new float[matrices.Length * n * k];
            for (int j = 0; j < matrices.Length; j++)
                for (int unit = 0; unit < n; unit++)
                    for (int d = 0; d < k; d++)
                        weights[(j * n + unit) * k + d] = bData[matrices[j] * k * n + d * n + unit];
            return weights;
        }

        if (bCount == 1)
        {
            FullyConnectedLowering.Add(context, node, a.Name, ShapeMath.Length(aShape) / Math.Max(k, 1), k, k, 1, Weights(0), new float[n]);
            return;
        }

        var (aIndex, bIndex) = BatchIndices(plan);
        if (m == 1 && aCount == 1)
        {
            // Output [batch, 1, n] is laid out as one row of batch × n units: B's matrices side by side.
            FullyConnectedLowering.Add(context, node, a.Name, 1, k, k, 1, Weights(bIndex), new float[count * n]);
            return;
        }

        var aSlice = context.Slice(a.Name);
        var extracted = new System.Collections.Generic.Dictionary<int, Plan.ArenaSlice>();
        var parts = new System.Collections.Generic.List<Kernels.ConcatPart>();
        for (int batch = 0; batch < count; batch++)
        {
            if (!extracted.TryGetValue(aIndex[batch], out var input))
            {
                if (aCount == 1) input = aSlice;
                else
                {
                    // A's matrix aIndex[batch] as a tensor of its own: rows start at (matrix · m + row) · k.
                    input = new Plan.ArenaSlice($"{a.Name}[{aIndex[batch]}]", ElementType.Float32, m * k);
                    int first = aIndex[batch] * m;
                    var offsets = Enumerable.Range(0, m).Select(row => (first + row) * k).Concat(Enumerable.Range(0, k)).ToArray();
                    context.Add(new Kernels.Remap(node.Describe(), aSlice, input, new[] { m, k }, offsets, new float[1]));
                }
                extracted[aIndex[batch]] = input;
            }
            var output = new Plan.ArenaSlice($"{node.Outputs[0]}[{batch}]", ElementType.Float32, m * n);
            context.Add(new Kernels.FullyConnectedFloat(node.Describe(), input, output, m, k, k, 1, Weights(bIndex[batch]), new float[n],
                float.NegativeInfinity, float.PositiveInfinity));
            parts.Add(new Kernels.ConcatPart(output, null, m * n));
        }
        context.Add(new Kernels.Concat(node.Describe(), parts, context.Slice(node.Outputs[0])));
    }

    /// <summary>
    /// A and B both computed at run time (attention): one <see cref="Kernels.MatMulFloat"/> step, each output matrix
    /// naming where its matrices of A and B start (broadcast batches repeat an offset).
    /// </summary>
    private static void LowerComputed(Node node, LoweringContext context, string a)
    {
        string b = node.Inputs[1];
        var plan = Plan(node, context.Shape(a), context.Shape(b));
        var (aIndex, bIndex) = BatchIndices(plan);
        context.Add(new Kernels.MatMulFloat(node.Describe(), context.Slice(a), context.Slice(b), context.Slice(node.Outputs[0]),
            plan.M, plan.K, plan.N, aIndex.Select(i => i * plan.M * plan.K).ToArray(), bIndex.Select(i => i * plan.K * plan.N).ToArray()));
    }

    /// <summary>For each output batch (row-major), the matrix of A and the matrix of B it multiplies (broadcasting).</summary>
    internal static (int[] A, int[] B) BatchIndices(MatMulPlan plan)
    {
        int[] batchStrides = ShapeMath.Strides(plan.Batch);
        int[] aStrides = ShapeMath.BroadcastStrides(plan.BatchA, plan.Batch);
        int[] bStrides = ShapeMath.BroadcastStrides(plan.BatchB, plan.Batch);
        int count = ShapeMath.Length(plan.Batch);
        var a = new int[count];
        var b = new int[count];
        for (int batch = 0; batch < count; batch++)
        {
            int rest = batch;
            for (int d = 0; d < plan.Batch.Length; d++)
            {
                int index = rest / batchStrides[d];
                rest %= batchStrides[d];
                a[batch] += index * aStrides[d];
                b[batch] += index * bStrides[d];
            }
        }
        return (a, b);
    }
}
