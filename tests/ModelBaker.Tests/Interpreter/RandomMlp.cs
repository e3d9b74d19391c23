using ModelBaker.Core.Ir;
using ModelBaker.Tests.Operators;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Interpreter;

/// <summary>
/// A random multilayer perceptron from a seed: Gemm (random alpha, beta, transA, transB, C shapes),
/// MatMul + broadcast bias, batched MatMul, activations, Softmax, and the shape and pass-through operators
/// between them. Deterministic per seed so a failure can be replayed. Activations stay 2-D [M, K] between layers.
/// </summary>
internal sealed class RandomMlp
{
    private static readonly long[] Opsets = { 11, 12, 13, 14, 17 };

    private readonly Random rng;
    private readonly GraphBuilder builder;
    private readonly long opset;
    private int counter;
    private string current = "x";
    private int m, k;

    public Graph Graph => builder.Graph;
    public Dictionary<string, Tensor> Inputs { get; } = new();
    /// <summary>What the generator chose, for failure messages.</summary>
    public List<string> Description { get; } = new();

    public RandomMlp(int seed)
    {
        rng = new Random(seed);
        opset = Opsets[rng.Next(Opsets.Length)];
        builder = new GraphBuilder(opset);
        Description.Add($"seed {seed}, opset {opset}");

        m = rng.Next(1, 4);
        k = rng.Next(1, 17);
        AddInput();
        int layers = rng.Next(1, 5);
        for (int i = 0; i < layers; i++)
        {
            int n = rng.Next(1, 17);
            switch (rng.Next(3))
            {
                case 0: AddGemm(n); break;
                case 1: AddMatMulWithBias(n); break;
                default: AddBatchedMatMul(n); break;
            }
            if (rng.Next(4) > 0) AddActivation();
            if (rng.Next(3) == 0) AddPassThrough();
        }
        builder.Output(current);
    }

    private string Name(string prefix) => $"{prefix}{counter++}";

    private string Constant(string prefix, Tensor tensor)
    {
        string name = Name(prefix);
        builder.Constant(name, tensor);
        return name;
    }

    private string Apply(string opType, string[] inputs, params Attribute[] attributes)
    {
        string output = Name(opType.ToLowerInvariant());
        builder.Node(opType, inputs, new[] { output }, attributes);
        current = output;
        return output;
    }

    private Tensor Weights(params int[] shape) => OrtOracle.RandomTensor(rng, shape, 1f / (float)Math.Sqrt(shape[0]));

    private string ShapeConstant(params long[] dims) => Constant("shape", T.I(T.S(dims.Length), dims));

    /// <summary>x is [M,K], or [M,c,h] flattened to [M,K].</summary>
    private void AddInput()
    {
        int c = rng.Next(1, 4);
        bool threeD = rng.Next(2) == 0;
        int[] shape = threeD ? new[] { m, c, k } : new[] { m, k };
        builder.Input("x", shape);
        Inputs["x"] = OrtOracle.RandomTensor(rng, shape, 2f);
        if (!threeD) return;
        k *= c;
        Apply("Flatten", new[] { "x" }); // default axis 1
        Description.Add($"input [{m},{c},{k / c}] + Flatten");
    }

    private void AddGemm(int n)
    {
        bool transA = rng.Next(2) == 1, transB = rng.Next(2) == 1;
        string a = current;
        // Gemm then reads the [K,M] data as A^T; this reinterprets the activation, which is fine for a test.
        if (transA) a = Apply("Reshape", new[] { current, ShapeConstant(Pick(new long[] { k, m }, new long[] { k, -1 }, new long[] { -1, m })) });
        string b = Constant("w", transB ? Weights(n, k) : Weights(k, n));
        var inputs = new List<string> { a, b };
        int[]? cShape = Pick<int[]?>(null, new[] { n }, new[] { 1, n }, new[] { m, n }, new[] { m, 1 }, Array.Empty<int>());
        if (cShape != null) inputs.Add(Constant("c", OrtOracle.RandomTensor(rng, cShape)));

        var attributes = new List<Attribute>();
        if (transA) attributes.Add(Int("transA", 1));
        if (transB || rng.Next(2) == 0) attributes.Add(Int("transB", transB ? 1 : 0));
        if (rng.Next(2) == 0) attributes.Add(Float("alpha", (float)Math.Round(rng.NextDouble() * 4 - 2, 3)));
        if (rng.Next(2) == 0) attributes.Add(Float("beta", (float)Math.Round(rng.NextDouble() * 4 - 2, 3)));
        Apply("Gemm", inputs.ToArray(), attributes.ToArray());
        Description.Add($"Gemm [{m},{k}]x[{k},{n}] {string.Join(" ", attributes.Select(Show))} C={(cShape == null ? "none" : ShapeMath.Format(cShape))}");
        k = n;
    }

    private void AddMatMulWithBias(int n)
    {
        Apply("MatMul", new[] { current, Constant("w", Weights(k, n)) });
        int[] biasShape = rng.Next(2) == 0 ? new[] { n } : new[] { 1, n };
        string bias = Constant("bias", OrtOracle.RandomTensor(rng, biasShape));
        Apply("Add", rng.Next(2) == 0 ? new[] { current, bias } : new[] { bias, current });
        Description.Add($"MatMul [{m},{k}]x[{k},{n}] + bias {ShapeMath.Format(biasShape)}");
        k = n;
    }

    /// <summary>[M,K] → Reshape [M,1,K] (0 and -1) → MatMul with [K,N] or per-row [M,K,N] → + bias → back to 2-D.</summary>
    private void AddBatchedMatMul(int n)
    {
        Apply("Reshape", new[] { current, ShapeConstant(0, 1, -1) });
        bool perRow = rng.Next(2) == 0;
        Apply("MatMul", new[] { current, Constant("w", perRow ? Weights(m, k, n) : Weights(k, n)) });
        Apply("Add", new[] { current, Constant("bias", OrtOracle.RandomTensor(rng, new[] { n })) });
        if (rng.Next(2) == 0) Apply("Flatten", new[] { current }, Int("axis", 1));
        else Apply("Reshape", new[] { current, ShapeConstant(0, -1) });
        Description.Add($"batched MatMul [{m},1,{k}]x{(perRow ? $"[{m},{k},{n}]" : $"[{k},{n}]")} + bias");
        k = n;
    }

    private void AddActivation()
    {
        string op = Pick("Relu", "Sigmoid", "Tanh", "Softmax");
        if (op != "Softmax")
        {
            Apply(op, new[] { current });
            Description.Add(op);
            return;
        }
        long? axis = Pick<long?>(null, 0, 1, -1, -2);
        Apply(op, new[] { current }, axis == null ? Array.Empty<Attribute>() : new[] { Int("axis", axis.Value) });
        Description.Add($"Softmax axis={axis?.ToString() ?? "default"}");
    }

    private void AddPassThrough()
    {
        switch (rng.Next(3))
        {
            case 0:
                Apply("Identity", new[] { current });
                Description.Add("Identity");
                break;
            case 1:
                AddDropout();
                break;
            default:
                // A reshape round trip through 1-D and back with Flatten at a random axis.
                Apply("Reshape", new[] { current, ShapeConstant(-1) });
                Apply("Reshape", new[] { current, ShapeConstant(m, -1) });
                Description.Add("Reshape [-1] then [M,-1]");
                break;
        }
    }

    private void AddDropout()
    {
        var inputs = new List<string> { current };
        var attributes = new List<Attribute>();
        if (opset >= 12 && rng.Next(2) == 0)
        {
            inputs.Add(Constant("ratio", T.F(T.S(), 0.3f)));
            inputs.Add(Constant("training", Tensor.FromInt64s(T.S(), new[] { 0L }, ElementType.Bool)));
        }
        else if (opset < 12)
        {
            attributes.Add(Float("ratio", 0.3f));
        }
        string output = Name("dropout");
        // ONNX Runtime fills the mask with false for Dropout 7-11 (IdentityOp<true>), where the ONNX reference
        // implementation and ModelBaker give true; from opset 12 they all agree, so only compare masks there.
        bool withMask = opset >= 12 && rng.Next(2) == 0;
        string mask = Name("mask");
        builder.Node("Dropout", inputs.ToArray(), withMask ? new[] { output, mask } : new[] { output }, attributes.ToArray());
        if (withMask) builder.Output(mask);
        current = output;
        Description.Add($"Dropout{(withMask ? " with mask output" : "")}");
    }

    private T1 Pick<T1>(params T1[] choices) => choices[rng.Next(choices.Length)];

    private static string Show(Attribute a) => a.Kind == AttributeKind.Float ? $"{a.Name}={a.Float}" : $"{a.Name}={a.Int}";
}
