using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Passes;
using ModelBaker.Tests.Operators;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Interpreter;

/// <summary>
/// One operator at a time against ONNX Runtime, for the semantics the random MLPs (always 2-D between
/// layers) do not reach: rank-3 Softmax at both opset meanings, every Flatten axis, MatMul's 1-D and
/// broadcast batch cases, multidirectional Add.
/// </summary>
public class OperatorOracleTests
{
    private static void AssertSingleOpMatchesOrt(string opType, int[][] inputShapes, Attribute[] attributes, long opset = 13,
        Dictionary<int, Tensor>? constants = null)
    {
        var rng = new Random(1234);
        var builder = new GraphBuilder(opset);
        var feeds = new Dictionary<string, Tensor>();
        var names = new List<string>();
        for (int i = 0; i < inputShapes.Length; i++)
        {
            string name = "in" + i;
            names.Add(name);
            if (constants != null && constants.TryGetValue(i, out var constant)) { builder.Constant(name, constant); continue; }
            builder.Input(name, inputShapes[i]);
            feeds[name] = OrtOracle.RandomTensor(rng, inputShapes[i], 3f);
        }
        builder.Node(opType, names.ToArray(), new[] { "out" }, attributes).Output("out");
        ShapeInference.Run(builder.Graph);
        string context = $"{opType} opset {opset} {string.Join(" ", inputShapes.Select(ShapeMath.Format))} " +
                         string.Join(" ", attributes.Select(a => $"{a.Name}={a.Int}"));
        OrtOracle.AssertMatches(builder.Graph, feeds, FloatInterpreter.Run(builder.Graph, feeds), context);
    }

    [Theory]
    [InlineData(11, -3)] [InlineData(11, -2)] [InlineData(11, -1)] [InlineData(11, 0)] [InlineData(11, 1)] [InlineData(11, 2)]
    [InlineData(13, -3)] [InlineData(13, -2)] [InlineData(13, -1)] [InlineData(13, 0)] [InlineData(13, 1)] [InlineData(13, 2)]
    public void Softmax_rank3_every_axis(int opset, int axis) =>
        AssertSingleOpMatchesOrt("Softmax", new[] { new[] { 2, 3, 4 } }, new[] { Int("axis", axis) }, opset);

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void Softmax_default_axis(int opset) =>
        AssertSingleOpMatchesOrt("Softmax", new[] { new[] { 2, 3, 4 } }, Array.Empty<Attribute>(), opset);

    [Theory]
    [InlineData(0)] [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(-1)] [InlineData(-3)]
    public void Flatten_every_axis(int axis) =>
        AssertSingleOpMatchesOrt("Flatten", new[] { new[] { 2, 3, 4 } }, new[] { Int("axis", axis) });

    [Theory]
    [InlineData(new[] { 3 }, new[] { 3, 2 })]
    [InlineData(new[] { 2, 3 }, new[] { 3 })]
    [InlineData(new[] { 5 }, new[] { 5 })]
    [InlineData(new[] { 2, 1, 2, 3 }, new[] { 3, 3, 2 })]
    [InlineData(new[] { 4, 2, 3 }, new[] { 3 })]
    [InlineData(new[] { 3 }, new[] { 4, 3, 2 })]
    [InlineData(new[] { 1, 7, 33 }, new[] { 2, 33, 5 })]
    public void MatMul_numpy_cases(int[] a, int[] b) =>
        AssertSingleOpMatchesOrt("MatMul", new[] { a, b }, Array.Empty<Attribute>());

    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 3 })]
    [InlineData(new[] { 2, 1 }, new[] { 1, 3 })]
    [InlineData(new[] { 2, 1, 4 }, new[] { 3, 1 })]
    [InlineData(new int[0], new[] { 2, 2 })]
    [InlineData(new[] { 1, 3, 1, 5 }, new[] { 2, 1, 4, 1 })]
    public void Add_broadcasting(int[] a, int[] b) =>
        AssertSingleOpMatchesOrt("Add", new[] { a, b }, Array.Empty<Attribute>());

    [Theory]
    [InlineData(0, 0)] [InlineData(0, 1)] [InlineData(1, 0)] [InlineData(1, 1)]
    public void Gemm_large_k_every_transpose(int transA, int transB)
    {
        // K = 200 accumulates enough rounding to show whether our float order stays close to ORT's.
        int[] a = transA == 1 ? new[] { 200, 3 } : new[] { 3, 200 };
        int[] b = transB == 1 ? new[] { 4, 200 } : new[] { 200, 4 };
        AssertSingleOpMatchesOrt("Gemm", new[] { a, b, new[] { 4 } },
            new[] { Int("transA", transA), Int("transB", transB), Float("alpha", 0.75f), Float("beta", -1.5f) });
    }

    [Theory]
    [InlineData(new long[] { 0, -1 })]
    [InlineData(new long[] { -1 })]
    [InlineData(new long[] { 4, 0, 2 })]
    [InlineData(new long[] { 1, -1, 2, 1 })]
    public void Reshape_zero_and_minus_one(long[] shape) =>
        AssertSingleOpMatchesOrt("Reshape", new[] { new[] { 2, 3, 4 }, new[] { shape.Length } }, Array.Empty<Attribute>(),
            constants: new Dictionary<int, Tensor> { [1] = T.I(T.S(shape.Length), shape) });
}
