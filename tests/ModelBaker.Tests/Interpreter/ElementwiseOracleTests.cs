using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Passes;
using ModelBaker.Tests.Operators;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Interpreter;

/// <summary>
/// The element-wise operators, the softmax family, the reductions and ArgMax, one node at a time, against ONNX
/// Runtime with fixed seeds: every attribute and opset form, broadcasting, negative axes, keepdims.
/// </summary>
public class ElementwiseOracleTests
{
    private static void AssertMatchesOrt(string opType, int[][] inputShapes, Attribute[] attributes, long opset = 13,
        Dictionary<int, Tensor?>? constants = null, float scale = 3f, int seed = 1234)
    {
        var rng = new Random(seed);
        var builder = new GraphBuilder(opset);
        var feeds = new Dictionary<string, Tensor>();
        var names = new List<string>();
        for (int i = 0; i < inputShapes.Length; i++)
        {
            string name = "in" + i;
            if (constants != null && constants.TryGetValue(i, out var constant))
            {
                if (constant == null) { names.Add(""); continue; } // an omitted optional input
                builder.Constant(name, constant);
            }
            else
            {
                builder.Input(name, inputShapes[i]);
                feeds[name] = OrtOracle.RandomTensor(rng, inputShapes[i], scale);
            }
            names.Add(name);
        }
        builder.Node(opType, names.ToArray(), new[] { "out" }, attributes).Output("out");
        ShapeInference.Run(builder.Graph);
        string context = $"{opType} opset {opset} {string.Join(" ", inputShapes.Select(ShapeMath.Format))} " +
                         string.Join(" ", attributes.Select(a => $"{a.Name}={a.Int}{a.Float}"));
        OrtOracle.AssertMatches(builder.Graph, feeds, FloatInterpreter.Run(builder.Graph, feeds), context);
    }

    private static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };

    [Theory]
    [InlineData("Relu")] [InlineData("Sigmoid")] [InlineData("Tanh")] [InlineData("LeakyRelu")] [InlineData("HardSigmoid")]
    [InlineData("HardSwish")] [InlineData("Elu")] [InlineData("Selu")] [InlineData("Softplus")] [InlineData("Exp")]
    [InlineData("Neg")] [InlineData("Abs")]
    public void Unary_defaults(string opType) =>
        AssertMatchesOrt(opType, new[] { new[] { 2, 3, 5 } }, Array.Empty<Attribute>(), opset: 14, scale: 6f);

    [Fact]
    public void Sqrt_of_non_negative_values()
    {
        // Negative inputs give NaN on both sides, which the error measure cannot compare: take |x| first.
        var builder = new GraphBuilder().Input("x", 4, 5)
            .Node("Abs", new[] { "x" }, new[] { "magnitude" }).Node("Sqrt", new[] { "magnitude" }, new[] { "out" }).Output("out");
        ShapeInference.Run(builder.Graph);
        var feeds = new Dictionary<string, Tensor> { ["x"] = OrtOracle.RandomTensor(new Random(7), new[] { 4, 5 }, 9f) };
        OrtOracle.AssertMatches(builder.Graph, feeds, FloatInterpreter.Run(builder.Graph, feeds), "Sqrt");
    }

    [Fact]
    public void Softplus_large_inputs_do_not_overflow() =>
        AssertMatchesOrt("Softplus", new[] { new[] { 50 } }, Array.Empty<Attribute>(), scale: 120f);

    [Theory]
    [InlineData("LeakyRelu", "alpha", 0.3f, null, 0f)]
    [InlineData("Elu", "alpha", 0.5f, null, 0f)]
    [InlineData("HardSigmoid", "alpha", 0.4f, "beta", 0.3f)]
    [InlineData("Selu", "alpha", 2f, "gamma", 3f)]
    public void Unary_attributes(string opType, string name1, float value1, string? name2, float value2)
    {
        var attributes = new List<Attribute> { Float(name1, value1) };
        if (name2 != null) attributes.Add(Float(name2, value2));
        AssertMatchesOrt(opType, new[] { new[] { 3, 7 } }, attributes.ToArray(), scale: 5f);
    }

    [Theory]
    [InlineData(-1f, 1f)] [InlineData(0f, 6f)] [InlineData(0.5f, 0.5f)] // ORT refuses min > max at opset 6
    public void Clip_attributes_before_opset_11(float min, float max) =>
        AssertMatchesOrt("Clip", new[] { new[] { 4, 6 } }, new[] { Float("min", min), Float("max", max) }, opset: 6, scale: 8f);

    [Theory]
    [InlineData(true, true)] [InlineData(true, false)] [InlineData(false, true)] [InlineData(false, false)]
    public void Clip_inputs_from_opset_11_either_may_be_absent(bool hasMin, bool hasMax)
    {
        var constants = new Dictionary<int, Tensor?> { [1] = hasMin ? T.F(T.S(), -0.5f) : null, [2] = hasMax ? T.F(T.S(), 1.5f) : null };
        AssertMatchesOrt("Clip", new[] { new[] { 3, 4 }, Array.Empty<int>(), Array.Empty<int>() }, Array.Empty<Attribute>(), opset: 13,
            constants: constants);
    }

    [Theory]
    [InlineData("Add")] [InlineData("Sub")] [InlineData("Mul")] [InlineData("Div")] [InlineData("Max")] [InlineData("Min")]
    [InlineData("Sum")] [InlineData("Mean")]
    public void Binary_broadcasting(string opType)
    {
        foreach (var (a, b) in new[] { (new[] { 2, 3 }, new[] { 3 }), (new[] { 2, 1, 4 }, new[] { 3, 1 }), (new int[0], new[] { 2, 2 }),
                     (new[] { 1, 3, 1, 5 }, new[] { 2, 1, 4, 1 }) })
            AssertMatchesOrt(opType, new[] { a, b }, Array.Empty<Attribute>());
    }

    [Theory]
    [InlineData("Max")] [InlineData("Min")] [InlineData("Sum")] [InlineData("Mean")]
    public void Variadic_one_and_three_inputs(string opType)
    {
        AssertMatchesOrt(opType, new[] { new[] { 2, 3 } }, Array.Empty<Attribute>());
        AssertMatchesOrt(opType, new[] { new[] { 2, 3 }, new[] { 3 }, new[] { 4, 1, 1 } }, Array.Empty<Attribute>());
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4 }, new[] { 3, 1 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 2, 3 }, new int[0])]
    [InlineData(new[] { 2, 3 }, new[] { 2, 3 })]
    public void PRelu_slope_broadcasts_to_x(int[] x, int[] slope) =>
        AssertMatchesOrt("PRelu", new[] { x, slope }, Array.Empty<Attribute>(), opset: 16);

    [Theory]
    [InlineData(11, -3)] [InlineData(11, -1)] [InlineData(11, 0)] [InlineData(11, 1)] [InlineData(11, 2)]
    [InlineData(13, -3)] [InlineData(13, -2)] [InlineData(13, -1)] [InlineData(13, 0)] [InlineData(13, 1)] [InlineData(13, 2)]
    public void LogSoftmax_rank3_every_axis(int opset, int axis) =>
        AssertMatchesOrt("LogSoftmax", new[] { new[] { 2, 3, 4 } }, new[] { Int("axis", axis) }, opset);

    [Theory]
    [InlineData("ReduceMean", new long[] { 1 }, 1)] [InlineData("ReduceMean", new long[] { 0, 2 }, 0)]
    [InlineData("ReduceMean", new long[] { -1 }, 0)] [InlineData("ReduceMean", new long[0], 1)]
    [InlineData("ReduceMax", new long[] { 1 }, 1)] [InlineData("ReduceMax", new long[] { 0, 2 }, 0)]
    [InlineData("ReduceMax", new long[] { -2, -1 }, 1)] [InlineData("ReduceMax", new long[0], 0)]
    public void Reduce_axes_attribute_before_opset_18(string opType, long[] axes, int keepdims)
    {
        var attributes = new List<Attribute> { Int("keepdims", keepdims) };
        if (axes.Length > 0) attributes.Add(Ints("axes", axes));
        AssertMatchesOrt(opType, new[] { new[] { 2, 3, 4 } }, attributes.ToArray(), opset: 13);
    }

    [Theory]
    [InlineData("ReduceMean", new long[] { 1 }, 1)] [InlineData("ReduceMean", new long[] { 2, 0 }, 0)]
    [InlineData("ReduceMax", new long[] { -3 }, 1)] [InlineData("ReduceMax", new long[] { 0, 1, 2 }, 0)]
    public void Reduce_axes_input_from_opset_18(string opType, long[] axes, int keepdims) =>
        AssertMatchesOrt(opType, new[] { new[] { 2, 3, 4 }, new[] { axes.Length } }, new[] { Int("keepdims", keepdims) }, opset: 18,
            constants: new Dictionary<int, Tensor?> { [1] = T.I(T.S(axes.Length), axes) });

    [Theory]
    [InlineData("ReduceMean")] [InlineData("ReduceMax")]
    public void Reduce_noop_with_empty_axes_is_the_identity(string opType) =>
        AssertMatchesOrt(opType, new[] { new[] { 2, 3 } }, new[] { Int("noop_with_empty_axes", 1) }, opset: 18);

    [Theory]
    [InlineData(0, 1, 0)] [InlineData(1, 0, 0)] [InlineData(-1, 1, 1)] [InlineData(2, 0, 1)] [InlineData(-3, 1, 0)]
    public void ArgMax_axis_keepdims_select_last_index(int axis, int keepdims, int selectLast) =>
        AssertMatchesOrt("ArgMax", new[] { new[] { 2, 3, 4 } }, new[] { Int("axis", axis), Int("keepdims", keepdims), Int("select_last_index", selectLast) });
}
