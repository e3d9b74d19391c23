using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using static ModelBaker.Tests.Operators.OperatorTestRunner;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Selection, logic and arithmetic operators (issue 17, item 5): comparisons, And/Or/Xor/Not, Where, Round, Floor,
/// Ceil, Sign, Mod, Pow, ReduceSum, ArgMin, Gather with computed indices, GatherElements, OneHot, TopK. Expectations
/// are computed by hand (numpy's and ONNX Runtime's rules); the baked plan, read back from its file, and the generated
/// C# must equal the float reference exactly.
/// </summary>
public sealed class SelectionLogicTests
{
    private static Tensor B(int[] shape, params bool[] values) => Tensor.FromInt64s(shape, values.Select(v => v ? 1L : 0L).ToArray(), ElementType.Bool);
    private static Tensor I32(int[] shape, params long[] values) => Tensor.FromInt64s(shape, values, ElementType.Int32);
    private static bool[] Bools(Tensor t) { Assert.Equal(ElementType.Bool, t.Type); return t.Int64s!.Select(v => v != 0).ToArray(); }
    private static Tensor Run2(string op, Tensor a, Tensor b, params Attribute[] attributes) => Run(op, new Tensor?[] { a, b }, attributes)[0];

    // ---- comparisons and logic ----

    [Fact]
    public void Comparisons_broadcast_and_are_false_with_NaN()
    {
        var x = T.F(T.S(2, 3), 1, 2, 3, float.NaN, -1, 2);
        var y = T.F(T.S(3), 2, 2, 2);
        Assert.Equal(new[] { true, false, false, false, true, false }, Bools(Run2("Less", x, y)));
        Assert.Equal(new[] { true, true, false, false, true, true }, Bools(Run2("LessOrEqual", x, y)));
        Assert.Equal(new[] { false, false, true, false, false, false }, Bools(Run2("Greater", x, y)));
        Assert.Equal(new[] { false, true, true, false, false, true }, Bools(Run2("GreaterOrEqual", x, y)));
        Assert.Equal(new[] { false, true, false, false, false, true }, Bools(Run2("Equal", x, y)));
        Assert.Equal(T.S(2, 3), Run2("Less", x, y).Shape);
    }

    [Fact]
    public void Integer_and_bool_comparisons_are_exact()
    {
        Assert.Equal(new[] { false, true }, Bools(Run2("Equal", T.I(T.S(2), 4_000_000_001L, 7), T.I(T.S(), 7))));
        Assert.Equal(new[] { true, false }, Bools(Run2("Greater", I32(T.S(2), -1, -5), I32(T.S(1), -2))));
        Assert.Equal(new[] { true, false, false, true }, Bools(Run2("Equal", B(T.S(4), true, true, false, false), B(T.S(4), true, false, true, false))));
    }

    [Fact]
    public void Logic_operators_follow_their_truth_tables()
    {
        var a = B(T.S(4), false, false, true, true);
        var b = B(T.S(4), false, true, false, true);
        Assert.Equal(new[] { false, false, false, true }, Bools(Run2("And", a, b)));
        Assert.Equal(new[] { false, true, true, true }, Bools(Run2("Or", a, b)));
        Assert.Equal(new[] { false, true, true, false }, Bools(Run2("Xor", a, b)));
        Assert.Equal(new[] { true, true, false, false }, Bools(Run1("Not", a)));
        Assert.Equal(new[] { false, true, false, true }, Bools(Run2("And", B(T.S(2, 1), true, true), B(T.S(2), false, true))));
    }

    [Fact]
    public void Logic_on_numbers_is_an_invalid_graph() =>
        Assert.Equal(ErrorCodes.InvalidGraph, Assert.Throws<BakeException>(() => Run2("And", T.F(T.S(1), 1), T.F(T.S(1), 0))).Code);

    [Fact]
    public void Where_broadcasts_condition_x_and_y_together()
    {
        var y = Run("Where", new Tensor?[] { B(T.S(2, 1), true, false), T.F(T.S(3), 1, 2, 3), T.F(T.S(), -1) })[0];
        Assert.Equal(T.S(2, 3), y.Shape);
        Assert.Equal(new float[] { 1, 2, 3, -1, -1, -1 }, y.Floats);
        var z = Run("Where", new Tensor?[] { B(T.S(2), false, true), T.I(T.S(2), 10, 20), T.I(T.S(2), 30, 40) })[0];
        Assert.Equal(new long[] { 30, 20 }, z.Int64s);
    }

    // ---- element-wise arithmetic ----

    [Fact]
    public void Round_takes_halves_to_even_and_floor_ceil_sign_follow_numpy()
    {
        var x = T.F(T.S(8), -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 2.4f, -2.6f);
        Assert.Equal(new float[] { -2, -2, -0f, 0, 2, 2, 2, -3 }, Run1("Round", x).Floats);
        Assert.Equal(new float[] { -3, -2, -1, 0, 1, 2, 2, -3 }, Run1("Floor", x).Floats);
        Assert.Equal(new float[] { -2, -1, -0f, 1, 2, 3, 3, -2 }, Run1("Ceil", x).Floats);
        var sign = Run1("Sign", T.F(T.S(4), -3, 0, 0.1f, float.NaN)).Floats!;
        Assert.Equal(new float[] { -1, 0, 1 }, sign.Take(3));
        Assert.True(float.IsNaN(sign[3]));
    }

    [Fact]
    public void Mod_takes_the_divisors_sign_and_fmod_the_dividends()
    {
        var a = T.I(T.S(5), -7, 7, -7, 7, 5);
        var b = T.I(T.S(5), 3, -3, -3, 3, 0);
        Assert.Equal(new long[] { 2, -2, -1, 1, 0 }, Run2("Mod", a, b).Int64s);
        Assert.Equal(new long[] { -1, 1, -1, 1, 0 }, Run2("Mod", a, b, Int("fmod", 1)).Int64s);
        Assert.Equal(new float[] { -1.5f, 1.5f, 0.5f }, Run2("Mod", T.F(T.S(3), -5.5f, 5.5f, 4.5f), T.F(T.S(3), 2, -2, 2), Int("fmod", 1)).Floats);
    }

    [Fact]
    public void Float_mod_without_fmod_is_refused_with_the_fix()
    {
        var e = Assert.Throws<BakeException>(() => Run2("Mod", T.F(T.S(1), 5), T.F(T.S(1), 2)));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("fmod=1", e.Message);
    }

    [Fact]
    public void Pow_keeps_the_bases_type_whatever_the_exponents()
    {
        Assert.Equal(new float[] { 1, 8, 0.25f }, Run2("Pow", T.F(T.S(3), 1, 2, 4), T.F(T.S(3), 5, 3, -1)).Floats);
        Assert.Equal(new float[] { 1, 4, 9 }, Run2("Pow", T.F(T.S(3), 1, 2, 3), I32(T.S(), 2)).Floats);
        var ints = Run2("Pow", I32(T.S(4), 2, -3, 2, 1), I32(T.S(4), 10, 3, -1, -1));
        Assert.Equal(ElementType.Int32, ints.Type);
        Assert.Equal(new long[] { 1024, -27, 0, 1 }, ints.Int64s);
        // An integer base with a float exponent: the power in float, truncated (ONNX Runtime casts std::pow's result).
        Assert.Equal(new long[] { 1, 5, 27 }, Run2("Pow", T.I(T.S(3), 1, 2, 3), T.F(T.S(3), 4, 2.5f, 3)).Int64s);
    }

    // ---- reductions and arg extremes ----

    private static Tensor ReduceSum(Tensor x, long[]? axes, long opset, params Attribute[] attributes)
    {
        if (opset >= 13)
        {
            var inputs = axes == null ? new Tensor?[] { x } : new Tensor?[] { x, T.I(T.S(axes.Length), axes) };
            return Run("ReduceSum", inputs, attributes, opset, axes == null ? null : new Dictionary<int, Tensor> { [1] = inputs[1]! })[0];
        }
        return Run("ReduceSum", new Tensor?[] { x }, axes == null ? attributes : attributes.Append(Ints("axes", axes)).ToArray(), opset)[0];
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void ReduceSum_takes_axes_as_an_attribute_before_opset_13_and_as_an_input_from_it(long opset)
    {
        var x = T.Range(T.S(2, 3));
        var rows = ReduceSum(x, new long[] { 1 }, opset);
        Assert.Equal(T.S(2, 1), rows.Shape);
        Assert.Equal(new float[] { 3, 12 }, rows.Floats);
        var columns = ReduceSum(x, new long[] { -2 }, opset, Int("keepdims", 0));
        Assert.Equal(T.S(3), columns.Shape);
        Assert.Equal(new float[] { 3, 5, 7 }, columns.Floats);
        Assert.Equal(new float[] { 15 }, ReduceSum(x, null, opset).Floats);
    }

    [Fact]
    public void ReduceSum_without_axes_is_the_identity_with_noop_with_empty_axes()
    {
        var y = ReduceSum(T.Range(T.S(2, 2)), null, 13, Int("noop_with_empty_axes", 1));
        Assert.Equal(T.S(2, 2), y.Shape);
        Assert.Equal(new float[] { 0, 1, 2, 3 }, y.Floats);
    }

    [Fact]
    public void ReduceSum_of_int32_wraps_like_numpy()
    {
        var y = ReduceSum(I32(T.S(3), int.MaxValue, 1, 5), new long[] { 0 }, 13);
        Assert.Equal(ElementType.Int32, y.Type);
        Assert.Equal(new long[] { int.MinValue + 5 }, y.Int64s);
    }

    [Fact]
    public void ArgMin_picks_the_first_smallest_or_the_last_with_select_last_index()
    {
        var x = T.F(T.S(2, 3), 3, 1, 1, 0, 5, 0);
        Assert.Equal(new long[] { 1, 0 }, Run("ArgMin", new Tensor?[] { x }, new[] { Int("axis", 1), Int("keepdims", 0) })[0].Int64s);
        Assert.Equal(new long[] { 2, 2 }, Run("ArgMin", new Tensor?[] { x }, new[] { Int("axis", -1), Int("select_last_index", 1) })[0].Int64s);
        Assert.Equal(new long[] { 1, 0, 1 }, Run1("ArgMin", x).Int64s);
    }

    [Fact]
    public void ArgMax_and_ArgMin_take_integers()
    {
        Assert.Equal(new long[] { 1 }, Run("ArgMax", new Tensor?[] { I32(T.S(3, 1), 0, 5, 5) })[0].Int64s);
        Assert.Equal(new long[] { 2 }, Run("ArgMin", new Tensor?[] { T.I(T.S(3), 9, 8, -4_000_000_000L) })[0].Int64s);
    }

    // ---- gathering and selecting ----

    [Fact]
    public void GatherElements_replaces_the_axis_coordinate_by_the_index()
    {
        var data = T.F(T.S(2, 2), 1, 2, 3, 4);
        Assert.Equal(new float[] { 1, 1, 4, 3 }, Run("GatherElements", new Tensor?[] { data, T.I(T.S(2, 2), 0, 0, 1, 0) }, new[] { Int("axis", 1) })[0].Floats);
        var rows = Run("GatherElements", new Tensor?[] { T.Range(T.S(3, 3)), T.I(T.S(2, 3), 1, 2, 0, 2, 0, -3) })[0];
        Assert.Equal(T.S(2, 3), rows.Shape);
        Assert.Equal(new float[] { 3, 7, 2, 6, 1, 2 }, rows.Floats);
    }

    [Fact]
    public void GatherElements_out_of_range_is_a_shape_error() =>
        Assert.Equal(ErrorCodes.ShapeError, Assert.Throws<BakeException>(
            () => Run("GatherElements", new Tensor?[] { T.Range(T.S(2)), T.I(T.S(1), 2) })).Code);

    [Fact]
    public void OneHot_inserts_depth_at_the_axis_and_counts_negative_indices_from_the_end()
    {
        var indices = T.I(T.S(2, 2), 0, -1, 5, 1);
        var depth = T.I(T.S(), 3);
        var values = T.F(T.S(2), -1, 7);
        var constants = new Dictionary<int, Tensor> { [1] = depth, [2] = values };
        var last = Run("OneHot", new Tensor?[] { indices, depth, values }, null, 11, constants)[0];
        Assert.Equal(T.S(2, 2, 3), last.Shape);
        Assert.Equal(new float[] { 7, -1, -1, -1, -1, 7, -1, -1, -1, -1, 7, -1 }, last.Floats);
        var first = Run("OneHot", new Tensor?[] { indices, depth, values }, new[] { Int("axis", 1) }, 11, constants)[0];
        Assert.Equal(T.S(2, 3, 2), first.Shape);
        Assert.Equal(new float[] { 7, -1, -1, -1, -1, 7, -1, -1, -1, 7, -1, -1 }, first.Floats);
    }

    private static Tensor[] TopK(Tensor x, long k, params Attribute[] attributes) =>
        Run("TopK", new Tensor?[] { x, T.I(T.S(1), k) }, attributes, 11, new Dictionary<int, Tensor> { [1] = T.I(T.S(1), k) }, outputCount: 2);

    [Fact]
    public void TopK_gives_values_and_indices_best_first_with_ties_lower_index_first()
    {
        var x = T.F(T.S(2, 4), 1, 3, 3, 2, 0, 0, 0, 0);
        var largest = TopK(x, 2);
        Assert.Equal(new float[] { 3, 3, 0, 0 }, largest[0].Floats);
        Assert.Equal(new long[] { 1, 2, 0, 1 }, largest[1].Int64s);
        var smallest = TopK(x, 3, Int("largest", 0));
        Assert.Equal(new float[] { 1, 2, 3, 0, 0, 0 }, smallest[0].Floats);
        Assert.Equal(new long[] { 0, 3, 1, 0, 1, 2 }, smallest[1].Int64s);
        var columns = TopK(x, 1, Int("axis", 0));
        Assert.Equal(T.S(1, 4), columns[0].Shape);
        Assert.Equal(new float[] { 1, 3, 3, 2 }, columns[0].Floats);
        Assert.Equal(new long[] { 0, 0, 0, 0 }, columns[1].Int64s);
    }

    [Fact]
    public void TopK_with_k_beyond_the_axis_is_a_shape_error() =>
        Assert.Equal(ErrorCodes.ShapeError, Assert.Throws<BakeException>(() => TopK(T.Range(T.S(3)), 4)).Code);

    // ---- baked plans and generated code ----

    /// <summary>
    /// Bakes the graph in float, reads the plan back from its bytes, runs it (plan interpreter) and the generated class
    /// (compiled in memory) on the inputs, and checks both equal the float reference exactly.
    /// </summary>
    private static void AssertBakedEqualsReference(Func<Graph> build, Dictionary<string, Tensor> feeds)
    {
        var reference = build();
        ShapeInference.Run(reference);
        var expected = FloatInterpreter.Run(reference, feeds);

        var graph = build();
        var plan = PlanFile.Read(PlanFile.ToBytes(Baker.Bake(graph, "tests", new BakeOptions("model.onnx", "Net", "Tests") { Precision = Precision.Float32 }, new RecordingLog())));
        var inputs = plan.Inputs.Select(t => TensorArrays.ToArray(feeds[t.Name], t.Type)).ToArray();
        var interpreted = PlanInterpreter.RunTensors(plan, inputs);
        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
        var outputs = plan.Outputs.Select(t => (object)Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length)).ToArray();
        predict(inputs.Cast<object>().ToArray(), outputs);
        for (int o = 0; o < plan.Outputs.Count; o++)
        {
            var want = TensorArrays.ToArray(expected[plan.Outputs[o].Name], plan.Outputs[o].Type);
            Assert.Equal(want.Cast<object>(), interpreted[o].Cast<object>());
            Assert.Equal(want.Cast<object>(), ((Array)outputs[o]).Cast<object>());
        }
    }

    [Fact]
    public void Comparisons_logic_and_Where_bake_to_code_equal_to_the_reference()
    {
        Graph Build() => new GraphBuilder()
            .Input("x", 2, 3).Input("y", 3).Input("flags", ElementType.Bool, 2, 1)
            .Constant("threshold", T.F(T.S(), 0.5f))
            .Node("Less", new[] { "x", "y" }, new[] { "less" })
            .Node("GreaterOrEqual", new[] { "x", "threshold" }, new[] { "high" })
            .Node("Not", new[] { "high" }, new[] { "low" })
            .Node("Xor", new[] { "less", "flags" }, new[] { "xor" })
            .Node("Or", new[] { "xor", "low" }, new[] { "any" })
            .Node("Where", new[] { "any", "x", "y" }, new[] { "picked" })
            .Node("Equal", new[] { "picked", "y" }, new[] { "same" })
            .Output("any", "picked", "same")
            .Graph;
        AssertBakedEqualsReference(Build, new Dictionary<string, Tensor>
        {
            ["x"] = T.F(T.S(2, 3), 0.1f, 0.9f, float.NaN, -2, 3, 0.5f),
            ["y"] = T.F(T.S(3), 0.2f, 0.9f, 1),
            ["flags"] = B(T.S(2, 1), true, false),
        });
    }

    [Fact]
    public void Arithmetic_reductions_and_arg_extremes_bake_to_code_equal_to_the_reference()
    {
        Graph Build() => new GraphBuilder(13)
            .Input("x", 2, 4).Input("n", ElementType.Int64, 4).Input("e", ElementType.Int32, 4)
            .Constant("axes", T.I(T.S(1), 1))
            .Constant("divisor", T.I(T.S(), -3))
            .Constant("half", T.F(T.S(1), 0.5f))
            .Node("Round", new[] { "x" }, new[] { "rounded" })
            .Node("Floor", new[] { "x" }, new[] { "floor" })
            .Node("Ceil", new[] { "floor" }, new[] { "ceil" })
            .Node("Sign", new[] { "x" }, new[] { "sign" })
            .Node("Pow", new[] { "x", "e" }, new[] { "power" })
            .Node("Mod", new[] { "x", "rounded" }, new[] { "remainder" }, Int("fmod", 1))
            .Node("Mod", new[] { "n", "divisor" }, new[] { "modulo" })
            .Node("Pow", new[] { "n", "e" }, new[] { "integerPower" })
            .Node("Pow", new[] { "x", "half" }, new[] { "root" })
            .Node("ReduceSum", new[] { "power", "axes" }, new[] { "sum" }, Int("keepdims", 0))
            .Node("ArgMin", new[] { "x" }, new[] { "argmin" }, Int("axis", 1))
            .Node("ArgMax", new[] { "modulo" }, new[] { "argmax" })
            .Node("Add", new[] { "sign", "ceil" }, new[] { "signed" })
            .Output("rounded", "signed", "remainder", "modulo", "integerPower", "root", "sum", "argmin", "argmax")
            .Graph;
        AssertBakedEqualsReference(Build, new Dictionary<string, Tensor>
        {
            ["x"] = T.F(T.S(2, 4), -2.5f, 1.5f, 0.25f, 3.75f, 7, -0.5f, 2.5f, -1.25f),
            ["n"] = T.I(T.S(4), -7, 8, 0, 100),
            ["e"] = I32(T.S(4), 2, 3, 0, 1),
        });
    }

    [Fact]
    public void Gathers_OneHot_and_TopK_bake_to_code_equal_to_the_reference()
    {
        Graph Build() => new GraphBuilder(11)
            .Input("x", 2, 5).Input("rows", ElementType.Int64, 3).Input("columns", ElementType.Int32, 2, 2)
            .Constant("table", T.I(T.S(4), 10, 20, 30, 40))
            .Constant("k", T.I(T.S(1), 3))
            .Constant("depth", T.I(T.S(), 4))
            .Constant("values", T.F(T.S(2), 0, 2.5f))
            .Node("Gather", new[] { "x", "rows" }, new[] { "picked" })
            .Node("Gather", new[] { "table", "rows" }, new[] { "looked" })
            .Node("GatherElements", new[] { "x", "columns" }, new[] { "elements" }, Int("axis", 1))
            .Node("OneHot", new[] { "rows", "depth", "values" }, new[] { "hot" }, Int("axis", 0))
            .Node("TopK", new[] { "x", "k" }, new[] { "best", "where" })
            .Node("TopK", new[] { "x", "k" }, new[] { "worst", "" }, Int("largest", 0))
            .Output("picked", "looked", "elements", "hot", "best", "where", "worst")
            .Graph;
        AssertBakedEqualsReference(Build, new Dictionary<string, Tensor>
        {
            ["x"] = T.F(T.S(2, 5), 3, 1, 4, 1, 5, 9, 2, 6, 5, 3),
            ["rows"] = T.I(T.S(3), 1, -2, 0),
            ["columns"] = I32(T.S(2, 2), 4, -5, 0, 2),
        });
    }

    [Fact]
    public void Gather_with_computed_indices_reads_zero_outside_the_axis_instead_of_throwing()
    {
        var graph = new GraphBuilder().Input("x", 3).Input("i", ElementType.Int64, 2)
            .Node("Gather", new[] { "x", "i" }, new[] { "y" }).Output("y").Graph;
        var plan = Baker.Bake(graph, "tests", new BakeOptions("model.onnx", "Net", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var y = PlanInterpreter.RunTensors(plan, new Array[] { new float[] { 1, 2, 3 }, new long[] { 7, -1 } })[0];
        Assert.Equal(new float[] { 0, 3 }, (float[])y);
    }

    // ---- int8 plans ----

    /// <summary>The plan after a trip through its file, interpreted and as generated C#: both give the same values.</summary>
    private static Array[] RunInterpretedAndGenerated(BakedPlan baked, Array[] inputs)
    {
        var plan = PlanFile.Read(PlanFile.ToBytes(baked));
        var interpreted = PlanInterpreter.RunTensors(plan, inputs);
        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
        var outputs = plan.Outputs.Select(t => (object)Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length)).ToArray();
        predict(inputs.Cast<object>().ToArray(), outputs);
        for (int o = 0; o < outputs.Length; o++) Assert.Equal(interpreted[o].Cast<object>(), ((Array)outputs[o]).Cast<object>());
        return interpreted;
    }

    private static BakedPlan BakeInt8(Graph graph, TempFolder folder, int inputs)
    {
        string path = folder.Path("model.onnx");
        OnnxModelWriter.Save(graph, path);
        string calibration = folder.Path("calibration.npy");
        var rng = new Random(5);
        Npy.Write(calibration, Enumerable.Range(0, 32).Select(_ => Enumerable.Range(0, inputs).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray()).ToArray());
        return Baker.Bake(new BakeOptions(path, "Net", "Tests") { Precision = Precision.Int8, CalibrationPath = calibration }, new RecordingLog());
    }

    [Fact]
    public void Int8_plans_compare_select_reduce_and_rank_int8_values()
    {
        using var folder = new TempFolder();
        var graph = new GraphBuilder(13).Input("x", 1, 6)
            .Constant("axes", T.I(T.S(1), 1))
            .Constant("k", T.I(T.S(1), 2))
            .Constant("zero", T.F(T.S(), 0f))
            .Node("Neg", new[] { "x" }, new[] { "n" })
            .Node("Greater", new[] { "x", "x" }, new[] { "never" })
            .Node("Where", new[] { "never", "zero", "x" }, new[] { "kept" })
            .Node("ReduceSum", new[] { "kept", "axes" }, new[] { "sum" })
            .Node("ArgMin", new[] { "x" }, new[] { "argmin" }, Int("axis", 1))
            .Node("TopK", new[] { "n", "k" }, new[] { "values", "indices" })
            .Constant("two", T.I(T.S(), 2))
            .Node("Pow", new[] { "x", "two" }, new[] { "square" })
            .Output("sum", "argmin", "values", "indices", "square")
            .Graph;
        var plan = BakeInt8(graph, folder, 6);
        var x = new float[] { 0.5f, -1.5f, 1.25f, -0.25f, 1.75f, -1f };
        var outputs = PlanInterpreter.RunTensors(plan, new Array[] { x });
        Assert.InRange(((float[])outputs[0])[0], 0.75f - 0.1f, 0.75f + 0.1f);
        Assert.Equal(new long[] { 1 }, (long[])outputs[1]);
        Assert.Equal(new long[] { 1, 5 }, (long[])outputs[3]);
        var values = (float[])outputs[2];
        Assert.InRange(values[0], 1.5f - 0.03f, 1.5f + 0.03f);
        Assert.InRange(values[1], 1f - 0.03f, 1f + 0.03f);
        var square = (float[])outputs[4]; // a 256-entry table of x²: within an input and an output step
        for (int i = 0; i < x.Length; i++) Assert.InRange(square[i], x[i] * x[i] - 0.1f, x[i] * x[i] + 0.1f);
    }

    [Fact]
    public void Int8_plans_gather_and_one_hot_by_computed_indices()
    {
        using var folder = new TempFolder();
        var graph = new GraphBuilder(11).Input("x", 1, 4)
            .Constant("table", T.F(T.S(4), -1.5f, 0.25f, 2f, 1f))
            .Constant("depth", T.I(T.S(), 4))
            .Constant("values", T.F(T.S(2), 0f, 3f))
            .Node("ArgMax", new[] { "x" }, new[] { "best" }, Int("axis", 1), Int("keepdims", 0))
            .Node("Gather", new[] { "table", "best" }, new[] { "looked" })
            .Node("GatherElements", new[] { "x", "best2" }, new[] { "picked" }, Int("axis", 1))
            .Node("Unsqueeze", new[] { "best" }, new[] { "best2" }, Ints("axes", 1))
            .Node("OneHot", new[] { "best", "depth", "values" }, new[] { "hot" })
            .Output("looked", "picked", "hot")
            .Graph;
        // Nodes in topological order: Unsqueeze before GatherElements.
        (graph.Nodes[2], graph.Nodes[3]) = (graph.Nodes[3], graph.Nodes[2]);
        var plan = BakeInt8(graph, folder, 4);
        var outputs = PlanInterpreter.RunTensors(plan, new Array[] { new float[] { 0.5f, -1f, 1.5f, 1f } });
        Assert.InRange(((float[])outputs[0])[0], 2f - 0.02f, 2f + 0.02f);
        Assert.InRange(((float[])outputs[1])[0], 1.5f - 0.02f, 1.5f + 0.02f);
        Assert.Equal(new float[] { 0, 0, 3, 0 }, (float[])outputs[2]);
    }

    [Fact]
    public void Int8_plans_compare_a_tensor_with_constants_through_integer_thresholds()
    {
        using var folder = new TempFolder();
        var graph = new GraphBuilder().Input("x", 1, 4)
            .Constant("c", T.F(T.S(), 0.3f))
            .Constant("zero", T.F(T.S(), 0f))
            .Constant("limits", T.F(T.S(4), float.NegativeInfinity, float.NaN, 0.4f, float.PositiveInfinity))
            .Node("Less", new[] { "x", "c" }, new[] { "below" })
            .Node("GreaterOrEqual", new[] { "c", "x" }, new[] { "atMost" })
            .Node("Equal", new[] { "x", "zero" }, new[] { "isZero" })
            .Node("Greater", new[] { "x", "limits" }, new[] { "above" })
            .Output("below", "atMost", "isZero", "above")
            .Graph;
        var plan = BakeInt8(graph, folder, 4);
        var outputs = PlanInterpreter.RunTensors(plan, new Array[] { new float[] { -1f, 0f, 0.5f, 1.5f } });
        Assert.Equal(new[] { true, true, false, false }, (bool[])outputs[0]);
        Assert.Equal(new[] { true, true, false, false }, (bool[])outputs[1]);
        Assert.Equal(new[] { false, true, false, false }, (bool[])outputs[2]);
        Assert.Equal(new[] { true, false, true, false }, (bool[])outputs[3]);
    }

    [Fact]
    public void Int8_plans_compare_tensors_of_different_scales_through_a_threshold_table()
    {
        using var folder = new TempFolder();
        var graph = new GraphBuilder().Input("x", 1, 4)
            .Constant("half", T.F(T.S(), 0.5f))
            .Constant("tenth", T.F(T.S(), 0.1f))
            .Node("Mul", new[] { "x", "half" }, new[] { "scaled" })
            .Node("Add", new[] { "scaled", "tenth" }, new[] { "y" })
            .Node("Less", new[] { "x", "y" }, new[] { "below" })
            .Node("GreaterOrEqual", new[] { "y", "x" }, new[] { "atLeast" })
            .Node("Greater", new[] { "x", "y" }, new[] { "above" })
            .Output("below", "atLeast", "above")
            .Graph;
        var plan = BakeInt8(graph, folder, 4);
        Assert.Contains(plan.Kernels.OfType<Predicate>(), p => p.BThresholds != null);
        // y = x / 2 + 0.1 crosses x at 0.2: far from every input, so the int8 grids cannot move the answers.
        var outputs = RunInterpretedAndGenerated(plan, new Array[] { new float[] { -1f, 0f, 0.5f, 1.5f } });
        Assert.Equal(new[] { true, true, false, false }, (bool[])outputs[0]);
        Assert.Equal(new[] { true, true, false, false }, (bool[])outputs[1]);
        Assert.Equal(new[] { false, false, true, true }, (bool[])outputs[2]);
    }

    [Theory]
    [InlineData(0.0123, 5, 0.0123, 5)]     // one grid
    [InlineData(0.02, -3, 0.01, 7)]        // b's grid twice as fine: values land on a's points and between them
    [InlineData(0.5, 0, 0.001, -128)]      // b spans a tiny range: mostly one threshold
    [InlineData(0.001, 127, 0.75, 0)]      // b far wider than a: thresholds clamp to -129 and 128
    [InlineData(0.1, 0, 0.3, 0)]           // scales whose ratio is not exact in binary: 3 · 0.1 ≠ 0.3
    public void Threshold_table_decides_every_pair_of_int8_values_as_their_real_values_compare(double aScale, int aZero, double bScale, int bZero)
    {
        var a = new QuantizationParameters(aScale, aZero);
        var b = new QuantizationParameters(bScale, bZero);
        for (var op = PredicateOperation.Less; op <= PredicateOperation.Equal; op++)
        {
            var table = Predicate.ThresholdTable(op, a, b);
            for (int q = -128; q <= 127; q++)
                for (int v = -128; v <= 127; v++)
                {
                    // The dequantized values, as the table's definition computes them.
                    double x = a.Scale * (q - a.ZeroPoint), y = b.Scale * (v - b.ZeroPoint);
                    bool expected = op switch
                    {
                        PredicateOperation.Less => x < y,
                        PredicateOperation.LessOrEqual => x <= y,
                        PredicateOperation.Greater => x > y,
                        PredicateOperation.GreaterOrEqual => x >= y,
                        _ => x == y,
                    };
                    int t = table[v + 128];
                    bool actual = Predicate.Decide((int)op, q < t, q == t, q > t);
                    if (actual != expected) Assert.Fail($"{op}: q={q}, v={v}, threshold {t}: {actual}, expected {expected}");
                }
        }
    }

    [Fact]
    public void Int8_where_of_tensors_with_different_scales_requantizes_the_chosen_value()
    {
        using var folder = new TempFolder();
        var graph = new GraphBuilder().Input("x", 1, 4)
            .Constant("zero", T.F(T.S(), 0f))
            .Constant("three", T.F(T.S(), 3f))
            .Node("Relu", new[] { "x" }, new[] { "r" })
            .Node("Mul", new[] { "x", "three" }, new[] { "big" })
            .Node("Less", new[] { "x", "zero" }, new[] { "negative" })
            .Node("Where", new[] { "negative", "r", "big" }, new[] { "y" }).Output("y").Graph;
        var plan = BakeInt8(graph, folder, 4);
        var where = Assert.Single(plan.Kernels.OfType<Select>());
        Assert.NotNull(where.XMap);
        // x < 0 takes Relu(x) = 0, else 3x: the output's own grid spans [0, 6] (calibration draws x in [-2, 2]), Relu's [0, 2] and 3x's [-6, 6].
        var outputs = RunInterpretedAndGenerated(plan, new Array[] { new float[] { -0.8f, -0.1f, 0.25f, 0.9f } });
        var y = (float[])outputs[0];
        var expected = new[] { 0f, 0f, 0.75f, 2.7f };
        for (int i = 0; i < 4; i++) Assert.InRange(y[i], expected[i] - 0.05f, expected[i] + 0.05f);
    }

    // ---- real models ----

    [Theory]
    [InlineData("tract_lgbm_classifier_tensor")]
    [InlineData("skl_KNeighborsClassifierMulti_core")]
    public void Real_models_pass_conformance(string name)
    {
        var result = ConformanceRunner.Run(ConformanceCase.Find(TestData.Path("realmodels")).Single(c => c.Name == name));
        Assert.True(result.Outcome == Outcome.Pass, result.ToString());
    }
}
