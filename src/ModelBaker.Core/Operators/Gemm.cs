using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Y = alpha · A' · B' + beta · C, where A' is A ([M,K]) or its transpose (transA), B' is B ([K,N]) or its
/// transpose (transB), and the optional C broadcasts one way to [M,N].
/// </summary>
public sealed class Gemm : IOperator, IChannelMapping, IBakeTimeInputs, IWeightLayout
{
    /// <summary>B is [K, N], or [N, K] when transposed (transB = 1).</summary>
    public int? OutputChannelAxis(Node node, Graph graph) => node.GetInt("transB", 0) != 0 ? 0 : 1;

    /// <summary>Inputs exporters write as initializers: 1, 2.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2 };

    /// <summary>One neuron per output unit: rows of B (transB = 1) or its columns; constant B and C only, A not transposed.</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph)
    {
        bool hasBias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0;
        if (node.GetInt("transA", 0) != 0)
            return new ChannelFlow.Opaque("its input is transposed (transA = 1)", graph[node.Inputs[1]].IsConstant ? 1 : null);
        if (!graph[node.Inputs[1]].IsConstant) return new ChannelFlow.Opaque("its weights are computed at run time");
        if (hasBias && !graph[node.Inputs[2]].IsConstant) return new ChannelFlow.Opaque("its bias is computed at run time", WeightInput: 1);
        int outputAxis = OutputChannelAxis(node, graph)!.Value;
        return new ChannelFlow.Filters(1, outputAxis, InputAxis: 1 - outputAxis, hasBias ? 2 : null, NeedsTracedInput: false);
    }

    public string OpType => "Gemm";

    public OperatorSupport Support { get; } = new(OperatorFamily.DenseLayers, 1, "alpha, beta, transA, transB; B constant; C per unit (the bias), or differing between rows ([M, N] or [M, 1]: an element-wise step after the product); a fully connected step, bias Add and Relu/Clip fused", Int8Form.Integer, "per-channel int8 weights; dense, bitmask, index-delta or clustered storage", Nano: true)
    {
        Refuses = new[] { "B or C computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 3);
        for (int i = 0; i < node.Inputs.Count; i++)
            if (OptionalInput(node, i) != null) RequireFloat(node, graph, i);
        int[]? c = OptionalInput(node, 2) != null ? InputShape(node, graph, 2) : null;
        var (m, _, n) = Dimensions(node, InputShape(node, graph, 0), InputShape(node, graph, 1), c);
        SetOutput(node, graph, 0, ElementType.Float32, new[] { m, n });
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var a = Required(node, inputs, 0);
        var b = Required(node, inputs, 1);
        var c = inputs.Length > 2 ? inputs[2] : null;
        var (m, k, n) = Dimensions(node, a.Shape, b.Shape, c?.Shape);
        float[] av = Floats(node, a, 0), bv = Floats(node, b, 1);
        float[]? cv = c == null ? null : Floats(node, c, 2);
        bool transA = node.GetInt("transA", 0) != 0, transB = node.GetInt("transB", 0) != 0;
        float alpha = node.GetFloat("alpha", 1f), beta = node.GetFloat("beta", 1f);

        // Element strides of A' and B' so one loop serves all four transpose combinations.
        int aRow = transA ? 1 : k, aCol = transA ? m : 1;
        int bRow = transB ? 1 : n, bCol = transB ? k : 1;
        // C is read through broadcast strides (0 along a broadcast dimension).
        int[] cStrides = c == null ? new int[2] : ShapeMath.BroadcastStrides(c.Shape, new[] { m, n });

        var y = new float[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            // Float accumulation in plain k order: what ONNX Runtime's kernels round like.
            float sum = 0f;
            for (int p = 0; p < k; p++) sum += av[i * aRow + p * aCol] * bv[p * bRow + j * bCol];
            float result = alpha * sum;
            if (cv != null) result += beta * cv[i * cStrides[0] + j * cStrides[1]];
            y[i * n + j] = result;
        }
        return new[] { Tensor.FromFloats(new[] { m, n }, y) };
    }

    /// <summary>M, K, N from the shapes, after checking that A, B and C fit together.</summary>
    private static (int M, int K, int N) Dimensions(Node node, int[] a, int[] b, int[]? c)
    {
        if (a.Length != 2 || b.Length != 2)
            throw ShapeError(node, $"A {ShapeMath.Format(a)} and B {ShapeMath.Format(b)} must both be 2-D matrices.");
        bool transA = node.GetInt("transA", 0) != 0, transB = node.GetInt("transB", 0) != 0;
        int m = transA ? a[1] : a[0], k = transA ? a[0] : a[1];
        int kb = transB ? b[1] : b[0], n = transB ? b[0] : b[1];
        if (k != kb)
            throw ShapeError(node,
                $"A {ShapeMath.Format(a)} (transA={(transA ? 1 : 0)}) has {k} columns but B {ShapeMath.Format(b)} " +
                $"(transB={(transB ? 1 : 0)}) has {kb} rows; they must be equal.");
        if (c != null)
        {
            var broadcast = c.Length <= 2 ? ShapeMath.Broadcast(c, new[] { m, n }) : null;
            if (broadcast == null || broadcast[0] != m || broadcast[1] != n)
                throw ShapeError(node, $"C {ShapeMath.Format(c)} does not broadcast to the result shape [{m},{n}].");
        }
        return (m, k, n);
    }

    public void Lower(Node node, LoweringContext context)
    {
        var a = context.Activation(node, 0, "A");
        var b = context.Constant(node, 1, "B");
        float alpha = node.GetFloat("alpha", 1f), beta = node.GetFloat("beta", 1f);
        bool transA = node.GetInt("transA", 0) != 0, transB = node.GetInt("transB", 0) != 0;
        int[] aShape = context.Shape(a.Name);
        int m = transA ? aShape[1] : aShape[0], k = transA ? aShape[0] : aShape[1];
        int n = transB ? b.Shape[0] : b.Shape[1];
        // C that is one value per output unit is the fully connected step's bias. C that differs between rows (a full
        // [M, N] matrix, or [M, 1]) is added by an element-wise step after the product, into the node's output.
        var bias = new float[n];
        Tensor? rowBias = null;
        if (context.HasInput(node, 2))
        {
            var c = context.Constant(node, 2, "C");
            if (Kernels.FullyConnectedFloat.PerUnitBias(c, m, n) is { } perUnit)
                for (int unit = 0; unit < n; unit++) bias[unit] = beta * perUnit[unit];
            else rowBias = Tensor.FromFloats(c.Shape, c.AsFloats().Select(v => beta * v).ToArray());
        }
        // With a row-wise C, the product goes to a place of its own in the arena, "Y (before C)".
        var product = rowBias == null ? context.Slice(node.Outputs[0]) : new ArenaSlice(node.Outputs[0] + " (before C)", ElementType.Float32, m * n, shape: new[] { m, n });
        // A transposed input is read with swapped strides rather than copied.
        int rowStride = transA ? 1 : k, columnStride = transA ? m : 1;
        // A B that is all one value (a ConstantOfShape fill) stays one value per unit: no units × depth array at bake time.
        var weights = RepeatedValue.Of(b) is float uniform
            ? FloatWeights.Uniform(Enumerable.Repeat(alpha * uniform, n).ToArray(), k)
            : FloatWeights.Dense(UnitRows(b.AsFloats(), alpha, transB, n, k), n, k);
        FullyConnectedLowering.Add(context, node, a.Name, product, m, k, rowStride, columnStride, weights, bias);
        AddRowBias(node, context, product, rowBias, m, n);
    }

    /// <summary>B as [units, depth] with alpha applied: the kernel then computes x · Wᵀ + bias for every form.</summary>
    private static float[] UnitRows(float[] b, float alpha, bool transB, int n, int k)
    {
        var weights = new float[n * k];
        for (int unit = 0; unit < n; unit++)
            for (int d = 0; d < k; d++)
                weights[unit * k + d] = alpha * (transB ? b[unit * k + d] : b[d * n + unit]);
        return weights;
    }

    /// <summary>Y = product + β·C, C broadcast to [M, N]: an element-wise step the int8 bake quantizes like any Add.</summary>
    private static void AddRowBias(Node node, LoweringContext context, ArenaSlice product, Tensor? rowBias, int m, int n)
    {
        if (rowBias == null) return;
        ElementwiseLowering.Add(context, node.Describe(), Kernels.BinaryOperation.Add, ElementType.Float32,
            new ElementwiseLowering.Source(product, null, new[] { m, n }),
            new ElementwiseLowering.Source(null, rowBias, rowBias.Shape),
            new[] { m, n }, context.Slice(node.Outputs[0]));
    }
}
