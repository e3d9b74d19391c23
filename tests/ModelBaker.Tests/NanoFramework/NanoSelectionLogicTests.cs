using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// The nanoFramework flavour of the selection and logic steps (Predicate, Select, TopKIndices, OneHotKernel,
/// GatherIndexed; issue 17, item 5): each graph is baked int8 for .NET and for nanoFramework, and the int8 interpreter,
/// the .NET generated class and the nanoFramework generated class (compiled against nanoFramework's mscorlib, then for
/// .NET and run) agree bit for bit — with broadcasting, every element type an int8 plan gives these steps, and the
/// integer results checked against values worked out by hand.
/// </summary>
public sealed class NanoSelectionLogicTests
{
    private static Tensor Longs(int[] shape, params long[] values) => Tensor.FromInt64s(shape, values);

    /// <summary>
    /// Bakes <paramref name="graph"/> int8 for both targets (calibrated on <paramref name="calibration"/> for a single float
    /// input, else on the bake's random inputs), runs all four ways and returns the outputs they agree on, and the
    /// nanoFramework plan's steps.
    /// </summary>
    internal static (Array[] Outputs, IReadOnlyList<Kernel> Steps) RunEveryWay(Graph graph, Array[] inputs, float[][]? calibration = null) =>
        RunEveryWay(graph, inputs, calibration == null ? null : folder =>
        {
            string path = folder.Path("calibration.npy");
            Npy.Write(path, calibration);
            return path;
        });

    /// <summary>As above, calibrated on what <paramref name="writeCalibration"/> writes into the test's folder (null: random inputs).</summary>
    internal static (Array[] Outputs, IReadOnlyList<Kernel> Steps) RunEveryWay(Graph graph, Array[] inputs, Func<TempFolder, string>? writeCalibration)
    {
        using var folder = new TempFolder();
        string path = folder.Path("model.onnx");
        OnnxModelWriter.Save(graph, path);
        string? calibrationPath = writeCalibration?.Invoke(folder);
        BakedPlan Bake(CodeTarget target) => PlanFile.Read(PlanFile.ToBytes(Baker.Bake(
            new BakeOptions(path, "Net", "Tests") { Precision = Precision.Int8, CalibrationPath = calibrationPath, Target = target }, new RecordingLog())));

        var plan = Bake(CodeTarget.Net);
        var expected = PlanInterpreter.RunTensors(plan, inputs);
        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
        var outputs = NewOutputs(plan);
        predict(inputs.Cast<object>().ToArray(), outputs);
        AssertSame(expected, outputs, ".NET generated");

        var nanoPlan = Bake(CodeTarget.NanoFramework);
        AssertSame(expected, PlanInterpreter.RunTensors(nanoPlan, inputs).Cast<object>().ToArray(), "nanoFramework plan interpreted");
        string source = ClassEmitter.Emit(nanoPlan);
        NanoCompiler.AssertNanoFrameworkClean(source);
        var nano = NanoCompiler.CompileForNet(source, "Tests.Net");
        var nanoOutputs = NewOutputs(nanoPlan);
        NanoCompiler.Call(nano, "Predict", inputs.Cast<object>().Concat(nanoOutputs).ToArray());
        AssertSame(expected, nanoOutputs, "nanoFramework generated");
        return (expected, nanoPlan.Kernels);
    }

    private static object[] NewOutputs(BakedPlan plan) =>
        plan.Outputs.Select(t => (object)Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length)).ToArray();

    private static void AssertSame(Array[] expected, object[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int o = 0; o < expected.Length; o++)
            Assert.True(expected[o].Cast<object>().SequenceEqual(((Array)actual[o]).Cast<object>()),
                $"{what}: output {o} is [{string.Join(", ", ((Array)actual[o]).Cast<object>())}], the interpreter's [{string.Join(", ", expected[o].Cast<object>())}]");
    }

    internal static float[][] Uniform(int samples, int length, int seed, float range = 2f)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, samples).Select(_ => Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 * range - range)).ToArray()).ToArray();
    }

    private static readonly string[] Comparisons = { "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Equal" };

    /// <summary>The five comparisons on (a, b) pairs, a's i-th element against b's at the same place.</summary>
    private static bool[] Expected(string op, IEnumerable<double> a, IEnumerable<double> b) => a.Zip(b, (x, y) => op switch
    {
        "Less" => x < y,
        "LessOrEqual" => x <= y,
        "Greater" => x > y,
        "GreaterOrEqual" => x >= y,
        _ => x == y,
    }).ToArray();

    private static IEnumerable<double> Doubles(IEnumerable<float> values) => values.Select(v => (double)v);
    private static IEnumerable<double> Doubles(IEnumerable<long> values) => values.Select(v => (double)v);

    [Fact]
    public void Quantized_comparisons_of_one_grid_against_constants_and_across_grids_agree_with_broadcasting()
    {
        // x is [2, 3]; its first row (a Slice keeps x's quantization) broadcast against it compares int8 with int8; the
        // constant row compares against integer thresholds; 3·w (its own grid) through a threshold table.
        var b = new GraphBuilder(13).Input("x", 2, 3).Input("w", 1, 3)
            .Constant("starts", T.I(T.S(1), 0)).Constant("ends", T.I(T.S(1), 1)).Constant("axes", T.I(T.S(1), 0))
            .Constant("c", T.F(T.S(3), -0.5f, 0f, 0.75f))
            .Constant("three", T.F(T.S(), 3f))
            .Node("Slice", new[] { "x", "starts", "ends", "axes" }, new[] { "row" })
            .Node("Mul", new[] { "w", "three" }, new[] { "w3" });
        foreach (string op in Comparisons)
        {
            b.Node(op, new[] { "x", "row" }, new[] { op + "Row" }).Output(op + "Row");
            b.Node(op, new[] { "c", "x" }, new[] { op + "Constant" }).Output(op + "Constant");
            b.Node(op, new[] { "x", "w3" }, new[] { op + "Table" }).Output(op + "Table");
        }
        // Inside the random calibration's [-1, 1], and apart by many steps of every grid but where they are equal (0 and 0).
        var x = new float[] { -0.75f, 0f, 0.5f, 0.25f, 0f, -0.25f };
        var w = new float[] { -0.5f, 0.1f, 0.25f };
        var (outputs, steps) = RunEveryWay(b.Graph, new Array[] { x, w });
        var predicates = steps.OfType<Predicate>().ToList();
        Assert.Equal(5, predicates.Count(p => p.A.Type == ElementType.Int8 && p.B.Type == ElementType.Int8 && p.BThresholds == null));
        Assert.Equal(5, predicates.Count(p => p.A.Type == ElementType.Int8 && p.B.Type == ElementType.Int32 && p.B.IsConstant));
        Assert.Equal(5, predicates.Count(p => p.BThresholds != null));
        Assert.Equal(15, outputs.Length);
        var row = x.Take(3).Concat(x.Take(3)).ToArray();
        var constants = new[] { -0.5f, 0f, 0.75f, -0.5f, 0f, 0.75f };
        var w3 = new[] { -1.5f, 0.3f, 0.75f, -1.5f, 0.3f, 0.75f };
        for (int i = 0; i < Comparisons.Length; i++)
        {
            Assert.Equal(Expected(Comparisons[i], Doubles(x), Doubles(row)), (bool[])outputs[3 * i]);
            Assert.Equal(Expected(Comparisons[i], Doubles(constants), Doubles(x)), (bool[])outputs[3 * i + 1]);
            Assert.Equal(Expected(Comparisons[i], Doubles(x), Doubles(w3)), (bool[])outputs[3 * i + 2]);
        }
        // Every comparison gives both answers somewhere, so none of the checks above is vacuous.
        Assert.All(outputs, o => Assert.True(((bool[])o).Distinct().Count() == 2 || ((bool[])o).All(v => !v)));
    }

    [Theory]
    [InlineData(ElementType.Int64)]
    [InlineData(ElementType.Int32)]
    public void Integer_comparisons_agree_with_broadcasting(ElementType type)
    {
        var b = new GraphBuilder(13).Input("a", type, 2, 3).Input("b", type, 3);
        foreach (string op in Comparisons) b.Node(op, new[] { "a", "b" }, new[] { op }).Output(op);
        var a = new long[] { 5, -7, 3_000_000_000, 0, 9, -3_000_000_000 };
        var c = new long[] { 5, 2, 3_000_000_000 };
        if (type == ElementType.Int32) { a = a.Select(v => v / 1000).ToArray(); c = c.Select(v => v / 1000).ToArray(); }
        Array Typed(long[] values) => type == ElementType.Int64 ? values : values.Select(v => (int)v).ToArray();
        var (outputs, steps) = RunEveryWay(b.Graph, new[] { Typed(a), Typed(c) });
        Assert.All(steps.OfType<Predicate>(), p => Assert.Equal(type, p.A.Type));
        var broadcast = c.Concat(c).ToArray();
        for (int i = 0; i < Comparisons.Length; i++) Assert.Equal(Expected(Comparisons[i], Doubles(a), Doubles(broadcast)), (bool[])outputs[i]);
    }

    [Fact]
    public void Logic_and_comparisons_of_bools_agree_with_broadcasting()
    {
        var b = new GraphBuilder(13).Input("p", ElementType.Bool, 2, 2).Input("q", ElementType.Bool, 2, 1);
        foreach (string op in new[] { "And", "Or", "Xor", "Less", "GreaterOrEqual", "Equal" }) b.Node(op, new[] { "p", "q" }, new[] { op }).Output(op);
        b.Node("Not", new[] { "p" }, new[] { "Not" }).Output("Not");
        var p = new[] { false, true, false, true };
        var q = new[] { false, true };
        var (outputs, steps) = RunEveryWay(b.Graph, new Array[] { p, q });
        Assert.Equal(7, steps.OfType<Predicate>().Count(s => s.A.Type == ElementType.Bool));
        // q broadcast along the rows: [false, false, true, true].
        Assert.Equal(new[] { false, false, false, true }, (bool[])outputs[0]);
        Assert.Equal(new[] { false, true, true, true }, (bool[])outputs[1]);
        Assert.Equal(new[] { false, true, true, false }, (bool[])outputs[2]);
        Assert.Equal(new[] { false, false, true, false }, (bool[])outputs[3]);
        Assert.Equal(new[] { true, true, false, true }, (bool[])outputs[4]);
        Assert.Equal(new[] { true, false, false, true }, (bool[])outputs[5]);
        Assert.Equal(new[] { true, false, true, false }, (bool[])outputs[6]);
    }

    [Fact]
    public void Where_selects_int8_requantized_int64_and_bool_values_with_broadcasting()
    {
        var b = new GraphBuilder(13).Input("x", 2, 3)
            .Constant("zero", T.F(T.S(), 0f)).Constant("three", T.F(T.S(), 3f))
            .Constant("fill", T.F(T.S(3), 0.5f, -0.25f, 1f))
            .Constant("big", T.I(T.S(1), 1L << 40)).Constant("small", T.I(T.S(2, 1), -1, 7))
            .Constant("yes", Tensor.FromInt64s(T.S(1), new long[] { 1 }, ElementType.Bool))
            .Node("Less", new[] { "x", "zero" }, new[] { "negative" })
            .Node("Relu", new[] { "x" }, new[] { "r" })
            .Node("Mul", new[] { "x", "three" }, new[] { "x3" })
            .Node("Where", new[] { "negative", "x", "fill" }, new[] { "kept" })
            .Node("Where", new[] { "negative", "r", "x3" }, new[] { "mixed" })
            .Node("Where", new[] { "negative", "big", "small" }, new[] { "longs" })
            .Node("Where", new[] { "negative", "yes", "negative" }, new[] { "flags" })
            .Output("kept", "mixed", "longs", "flags");
        var x = new float[] { -1f, 0.5f, -0.25f, 1.5f, 0f, -1.75f };
        var (outputs, steps) = RunEveryWay(b.Graph, new Array[] { x }, Uniform(32, 6, 3));
        var selects = steps.OfType<Select>().ToList();
        Assert.Single(selects, s => s.Output.Type == ElementType.Int8 && s.XMap == null && s.Y.IsConstant);
        Assert.Single(selects, s => s.XMap != null);
        Assert.Single(selects, s => s.Output.Type == ElementType.Int64);
        Assert.Single(selects, s => s.Output.Type == ElementType.Bool);
        Assert.Equal(new[] { 1L << 40, -1, 1L << 40, 7, 7, 1L << 40 }, (long[])outputs[2]);
        Assert.Equal(new[] { true, false, true, false, false, true }, (bool[])outputs[3]);
        var kept = (float[])outputs[0];
        var expected = new[] { -1f, -0.25f, -0.25f, 0.5f, -0.25f, -1.75f };
        for (int i = 0; i < 6; i++) Assert.InRange(kept[i], expected[i] - 0.02f, expected[i] + 0.02f);
    }

    [Fact]
    public void TopK_ranks_int8_largest_and_smallest_with_ties_on_any_axis()
    {
        // Equal values (after quantization too) keep the lower index first.
        var b = new GraphBuilder(13).Input("x", 2, 4).Constant("two", T.I(T.S(1), 2)).Constant("one", T.I(T.S(1), 1))
            .Node("TopK", new[] { "x", "two" }, new[] { "largest", "largestIndices" })
            .Node("TopK", new[] { "x", "two" }, new[] { "smallest", "smallestIndices" }, Int("largest", 0))
            .Node("TopK", new[] { "x", "one" }, new[] { "columns", "columnIndices" }, Int("axis", 0))
            .Output("largest", "largestIndices", "smallest", "smallestIndices", "columns", "columnIndices");
        var x = new float[] { 0.5f, 1.5f, 0.5f, 1.5f, -1f, -1f, 2f, -1f };
        var (outputs, steps) = RunEveryWay(b.Graph, new Array[] { x }, Uniform(32, 8, 4, range: 3f));
        Assert.Equal(3, steps.OfType<TopKIndices>().Count(t => t.Input.Type == ElementType.Int8));
        Assert.Equal(3, steps.OfType<GatherIndexed>().Count(g => g.Output.Type == ElementType.Int8));
        Assert.Equal(new long[] { 1, 3, 2, 0 }, (long[])outputs[1]);
        Assert.Equal(new long[] { 0, 2, 0, 1 }, (long[])outputs[3]);
        Assert.Equal(new long[] { 0, 0, 1, 0 }, (long[])outputs[5]);
        var largest = (float[])outputs[0];
        Assert.InRange(largest[2], 2f - 0.02f, 2f + 0.02f);
    }

    [Theory]
    [InlineData(ElementType.Int64)]
    [InlineData(ElementType.Int32)]
    public void TopK_ranks_integers(ElementType type)
    {
        var b = new GraphBuilder(13).Input("x", type, 2, 3).Constant("two", T.I(T.S(1), 2))
            .Node("TopK", new[] { "x", "two" }, new[] { "largest", "largestIndices" }, Int("axis", 0), Int("largest", 1))
            .Node("TopK", new[] { "x", "two" }, new[] { "smallest", "smallestIndices" }, Int("largest", 0))
            .Output("largest", "largestIndices", "smallest", "smallestIndices");
        var x = new long[] { 4, -9, 4, 4, 12, -9 };
        Array input = type == ElementType.Int64 ? x : x.Select(v => (int)v).ToArray();
        var (outputs, steps) = RunEveryWay(b.Graph, new[] { input });
        Assert.All(steps.OfType<TopKIndices>(), t => Assert.Equal(type, t.Input.Type));
        Assert.Equal(new long[] { 0, 1, 0, 1, 0, 1 }, (long[])outputs[1]);
        Assert.Equal(new long[] { 1, 0, 2, 0 }, (long[])outputs[3]);
        Assert.Equal(new long[] { 4, 12, 4, 4, -9, -9 }, ((Array)outputs[0]).Cast<object>().Select(Convert.ToInt64).ToArray());
    }

    [Fact]
    public void OneHot_marks_negative_and_skips_out_of_range_indices_for_every_value_type()
    {
        var b = new GraphBuilder(11).Input("i", ElementType.Int64, 2, 3)
            .Constant("depth", T.I(T.S(), 3))
            .Constant("floats", T.F(T.S(2), -1f, 2f))
            .Constant("longs", T.I(T.S(2), 0, 1L << 35))
            .Constant("ints", Tensor.FromInt64s(T.S(2), new long[] { 7, -7 }, ElementType.Int32))
            .Constant("bools", Tensor.FromInt64s(T.S(2), new long[] { 0, 1 }, ElementType.Bool))
            .Node("OneHot", new[] { "i", "depth", "floats" }, new[] { "f" })
            .Node("OneHot", new[] { "i", "depth", "longs" }, new[] { "l" }, Int("axis", 0))
            .Node("OneHot", new[] { "i", "depth", "ints" }, new[] { "n" }, Int("axis", 1))
            .Node("OneHot", new[] { "i", "depth", "bools" }, new[] { "b" })
            .Output("f", "l", "n", "b");
        var indices = new long[] { 0, -1, 2, 3, -3, -4 };
        var (outputs, steps) = RunEveryWay(b.Graph, new Array[] { indices });
        Assert.Equal(new[] { ElementType.Int8, ElementType.Int64, ElementType.Int32, ElementType.Bool }, steps.OfType<OneHotKernel>().Select(o => o.Output.Type));
        // Per index: 0 → d0, -1 → d2, 2 → d2, 3 and -4 → none, -3 → d0.
        var hot = new[] { 0, 2, 2, -1, 0, -1 };
        Assert.Equal(indices.Select((_, i) => Enumerable.Range(0, 3).Select(d => d == hot[i])).SelectMany(r => r).ToArray(), (bool[])outputs[3]);
        var f = (float[])outputs[0];
        for (int i = 0; i < 6; i++)
            for (int d = 0; d < 3; d++) Assert.InRange(f[i * 3 + d], (d == hot[i] ? 2f : -1f) - 0.02f, (d == hot[i] ? 2f : -1f) + 0.02f);
        // axis 0: [depth, 2, 3].
        var l = (long[])outputs[1];
        for (int d = 0; d < 3; d++)
            for (int i = 0; i < 6; i++) Assert.Equal(d == hot[i] ? 1L << 35 : 0, l[d * 6 + i]);
        // axis 1: [2, depth, 3].
        var n = (int[])outputs[2];
        for (int o = 0; o < 2; o++)
            for (int d = 0; d < 3; d++)
                for (int k = 0; k < 3; k++) Assert.Equal(d == hot[o * 3 + k] ? -7 : 7, n[(o * 3 + d) * 3 + k]);
    }

    [Fact]
    public void GatherElements_and_Gather_read_negative_int64_and_int32_indices_of_every_data_type()
    {
        var b = new GraphBuilder(13).Input("x", 3, 2).Input("rowsAt", ElementType.Int64, 2, 2).Input("columnsAt", ElementType.Int32, 1, 2)
            .Constant("table", T.I(T.S(3, 2), 10, 11, 1L << 33, 21, -30, 31))
            .Constant("flags", Tensor.FromInt64s(T.S(3, 2), new long[] { 1, 0, 0, 0, 1, 1 }, ElementType.Bool))
            .Constant("ints", Tensor.FromInt64s(T.S(3), new long[] { 100, -200, 300 }, ElementType.Int32))
            .Node("GatherElements", new[] { "x", "rowsAt" }, new[] { "rows" }, Int("axis", 0))
            .Node("GatherElements", new[] { "x", "columnsAt" }, new[] { "columns" }, Int("axis", 1))
            .Node("GatherElements", new[] { "table", "rowsAt" }, new[] { "longs" }, Int("axis", 0))
            .Node("GatherElements", new[] { "flags", "columnsAt" }, new[] { "picked" }, Int("axis", 1))
            .Node("Gather", new[] { "ints", "rowsAt" }, new[] { "gathered" })
            .Output("rows", "columns", "longs", "picked", "gathered");
        var x = new float[] { 0.25f, -0.5f, 0.875f, 0.75f, -1f, 0.5f };
        var i = new long[] { -1, 0, 2, -2 };
        var j = new[] { -1, 0 };
        var (outputs, steps) = RunEveryWay(b.Graph, new Array[] { x, i, j });
        var gathers = steps.OfType<GatherIndexed>().ToList();
        Assert.Equal(5, gathers.Count);
        Assert.Contains(gathers, g => g.Output.Type == ElementType.Int8 && g.Indices.Type == ElementType.Int32);
        Assert.Contains(gathers, g => g.Output.Type == ElementType.Int64 && g.Data.IsConstant && g.Indices.Type == ElementType.Int64);
        Assert.Contains(gathers, g => g.Output.Type == ElementType.Bool);
        Assert.Contains(gathers, g => g.Output.Type == ElementType.Int32);
        // rows: output[r, c] = x[i[r, c], c] with -1 → 2, -2 → 1.
        Assert.Equal(new long[] { -30, 11, -30, 21 }, (long[])outputs[2]);
        Assert.Equal(new[] { false, true }, (bool[])outputs[3]);
        Assert.Equal(new[] { 300, 100, 300, -200 }, (int[])outputs[4]);
        var rows = (float[])outputs[0];
        var expected = new[] { -1f, -0.5f, -1f, 0.75f };
        for (int k = 0; k < 4; k++) Assert.InRange(rows[k], expected[k] - 0.02f, expected[k] + 0.02f);
        var columns = (float[])outputs[1];
        Assert.InRange(columns[0], -0.5f - 0.02f, -0.5f + 0.02f);
        Assert.InRange(columns[1], 0.25f - 0.02f, 0.25f + 0.02f);
    }

    /// <summary>
    /// Arithmetic on integer tensors (Add, Sub, Mul, Div, Mod, Max on int64; Mul and Div on int32 with broadcasting and a
    /// constant; int8 integer tensors) runs on nanoFramework as on .NET, wrapping and truncating as numpy does.
    /// </summary>
    [Fact]
    public void Integer_arithmetic_on_int8_int32_and_int64_tensors_runs_on_both_targets()
    {
        var graph = new GraphBuilder(13)
            .Input("a", ElementType.Int64, 4).Input("b", ElementType.Int64, 4).Input("m", ElementType.Int32, 2, 3).Input("s", ElementType.Int8, 3)
            .Constant("three", Tensor.FromInt64s(T.S(1), new long[] { 3 }, ElementType.Int32))
            .Constant("row", Tensor.FromInt64s(T.S(3), new long[] { 1, -2, 0 }, ElementType.Int32))
            .Constant("hundred", Tensor.FromInt64s(T.S(), new long[] { 100 }, ElementType.Int8))
            .Node("Add", new[] { "a", "b" }, new[] { "sum" })
            .Node("Sub", new[] { "a", "b" }, new[] { "difference" })
            .Node("Mul", new[] { "sum", "difference" }, new[] { "product" })
            .Node("Div", new[] { "a", "b" }, new[] { "quotient" })
            .Node("Mod", new[] { "a", "b" }, new[] { "remainder" })
            .Node("Max", new[] { "a", "b" }, new[] { "largest" })
            .Node("Mul", new[] { "m", "three" }, new[] { "tripled" })
            .Node("Div", new[] { "tripled", "row" }, new[] { "divided" })
            .Node("Add", new[] { "s", "hundred" }, new[] { "wrapped" })
            .Output("product", "quotient", "remainder", "largest", "divided", "wrapped")
            .Graph;
        var (outputs, steps) = RunEveryWay(graph, new Array[]
        {
            new long[] { 7, -7, 9, 0 }, new long[] { 2, 2, -4, 5 }, new[] { 1, -4, 5, 7, 8, -9 }, new sbyte[] { 20, 28, -100 },
        });
        Assert.All(steps, k => Assert.Equal(KernelKind.BinaryInteger, k.Kind));
        Assert.Equal(new long[] { 45, 45, 65, -25 }, (long[])outputs[0]);       // (a + b)(a − b)
        Assert.Equal(new long[] { 3, -3, -2, 0 }, (long[])outputs[1]);          // truncating toward zero
        Assert.Equal(new long[] { 1, 1, -3, 0 }, (long[])outputs[2]);           // the divisor's sign
        Assert.Equal(new long[] { 7, 2, 9, 5 }, (long[])outputs[3]);
        Assert.Equal(new[] { 3, 6, 0, 21, -12, 0 }, (int[])outputs[4]);         // x / 0 = 0
        Assert.Equal(new sbyte[] { 120, -128, 0 }, (sbyte[])outputs[5]);       // 28 + 100 wraps
    }

    /// <summary>
    /// Mod (fmod 1) of a float tensor by a constant scalar is x ↦ x fmod 1.5 over the int8 grid: one 256-entry table step,
    /// on .NET and nanoFramework alike, within an output step of C's fmod of the dequantized input (hand-checked values).
    /// </summary>
    [Fact]
    public void Float_mod_by_a_constant_is_one_table_step_on_both_targets()
    {
        var graph = new GraphBuilder(13).Input("x", 1, 6).Constant("d", T.F(T.S(), 1.5f))
            .Node("Mod", new[] { "x", "d" }, new[] { "y" }, Int("fmod", 1)).Output("y").Graph;
        var x = new float[] { -3.2f, -1.6f, -0.4f, 0.7f, 2.0f, 3.1f };
        var (outputs, steps) = RunEveryWay(graph, new Array[] { x }, Uniform(32, 6, 5, 3.5f));
        Assert.Equal(new[] { KernelKind.LookupInt8 }, steps.Select(k => k.Kind));
        var y = (float[])outputs[0];
        float[] expected = { -0.2f, -0.1f, -0.4f, 0.7f, 0.5f, 0.1f }; // C's fmod: the dividend's sign
        for (int i = 0; i < x.Length; i++) Assert.InRange(y[i], expected[i] - 0.04f, expected[i] + 0.04f);
    }

    /// <summary>
    /// Mod (fmod 1) of a float tensor by a tensor of divisors (a constant per column here, and x by its own first row):
    /// a BinaryInt8 step — both operands rescaled to one integer scale, the remainder taken there, requantized — on .NET
    /// and nanoFramework alike, within two output steps of C's fmod (the operands' own rounding, half a step of 7/255
    /// each, can move a remainder by that much; no value here lies near a multiple of its divisor, where fmod jumps).
    /// </summary>
    [Fact]
    public void Float_mod_of_two_tensors_is_an_integer_step_on_both_targets()
    {
        var graph = new GraphBuilder(13).Input("x", 2, 4).Constant("d", T.F(T.S(1, 4), 1.5f, -0.75f, 0.4f, 2.5f))
            .Constant("starts", T.I(T.S(1), 0)).Constant("ends", T.I(T.S(1), 1)).Constant("axes", T.I(T.S(1), 0))
            .Node("Slice", new[] { "x", "starts", "ends", "axes" }, new[] { "first" })
            .Node("Mod", new[] { "x", "d" }, new[] { "y" }, Int("fmod", 1))
            .Node("Mod", new[] { "x", "first" }, new[] { "z" }, Int("fmod", 1))
            .Output("y", "z").Graph;
        var x = new float[] { -3.2f, 1.6f, -0.5f, 3.1f, 2.3f, -1.9f, 1.3f, -2.0f };
        var (outputs, steps) = RunEveryWay(graph, new Array[] { x }, Uniform(32, 8, 5, 3.5f));
        Assert.Equal(2, steps.OfType<BinaryInt8>().Count(k => k.Operation == BinaryOperation.FMod));
        Assert.DoesNotContain(steps, k => k is IFloatOnlyKernel);
        float[] d = { 1.5f, -0.75f, 0.4f, 2.5f };
        var y = (float[])outputs[0];
        var z = (float[])outputs[1];
        double step = 7.0 / 255;
        for (int i = 0; i < x.Length; i++)
        {
            Assert.InRange(y[i], x[i] % d[i % 4] - 2 * step, x[i] % d[i % 4] + 2 * step);
            if (i >= 4) Assert.InRange(z[i], x[i] % x[i - 4] - 2 * step, x[i] % x[i - 4] + 2 * step);
        }
        Assert.All(z.Take(4), v => Assert.InRange(v, -step, step)); // x fmod x is 0
    }

    /// <summary>
    /// Pow of a float tensor by a tensor of exponents: a BinaryInt8 step in Q16 fixed point on .NET and nanoFramework alike,
    /// within a few output steps of the float power (x's own rounding, half a step of 4/255, moves x^e by up to e times
    /// that relatively); negative bases to integer exponents keep their sign.
    /// </summary>
    [Fact]
    public void Float_power_of_two_tensors_is_an_integer_step_on_both_targets()
    {
        var graph = new GraphBuilder(13).Input("x", 2, 4).Constant("e", T.F(T.S(1, 4), 2f, 3f, 0.5f, -1f))
            .Node("Pow", new[] { "x", "e" }, new[] { "y" }).Output("y").Graph;
        var x = new float[] { -1.5f, -1.2f, 0.8f, 1.7f, 1.9f, 1.1f, 1.44f, 0.9f };
        var (outputs, steps) = RunEveryWay(graph, new Array[] { x }, Uniform(32, 8, 5, 2f));
        Assert.Single(steps.OfType<BinaryInt8>(), k => k.Operation == BinaryOperation.Pow);
        Assert.DoesNotContain(steps, k => k is IFloatOnlyKernel);
        float[] e = { 2f, 3f, 0.5f, -1f };
        var y = (float[])outputs[0];
        for (int i = 0; i < x.Length; i++)
        {
            double expected = Math.Pow(x[i], e[i % 4]);
            Assert.InRange(y[i], expected - 0.1 - 0.03 * Math.Abs(expected), expected + 0.1 + 0.03 * Math.Abs(expected));
        }
        Assert.True(y[1] < 0, "(−1.2)³ is negative");
    }

    [Fact]
    public void The_int8_power_is_the_float_power_of_every_pair_of_codes_within_one_step()
    {
        // Every pair of codes of two grids: bases over [−2, 3], exponents over [−2, 2.5] (integers within half a step taken
        // as integers, as the kernel does); the output grid [−4, 6]. NaN (a negative base to a fractional power) gives 0.
        foreach (var (aScale, aZero, bScale, bZero) in new[] { (5.0 / 255, -26), (3.0 / 255, 40) }.SelectMany(a => new[] { (a.Item1, a.Item2, 4.5 / 255, -14), (a.Item1, a.Item2, 1.0 / 64, 0) }))
        {
            double outScale = 10.0 / 255;
            int outZero = -26;
            int log2A = (int)Math.Round(Math.Log(aScale, 2) * 65536), log2Out = (int)Math.Round(Math.Log(outScale, 2) * 65536);
            int shift = 29 - (int)Math.Floor(Math.Log(bScale, 2));
            int multiplier = (int)Math.Round(bScale * Math.Pow(2, shift));
            int wrong = 0;
            for (int qa = -128; qa < 128; qa++)
                for (int qb = -128; qb < 128; qb++)
                {
                    double a = aScale * (qa - aZero), b = bScale * (qb - bZero);
                    if (Math.Abs(b - Math.Round(b)) <= bScale / 2) b = Math.Round(b);
                    double power = Math.Pow(a, b);
                    double ideal = double.IsNaN(power) ? outZero : Math.Clamp(power / outScale + outZero, -128, 127);
                    int actual = Math.Clamp(BinaryInt8.Element(9, qa - aZero, qb - bZero, log2A, 0, multiplier, shift, log2Out, 0) + outZero, -128, 127);
                    if (Math.Abs(actual - ideal) > 0.5 + 1e-3) wrong++;
                    Assert.True(Math.Abs(actual - ideal) <= 1, $"a = {a}, b = {b}: {actual}, the real result is {ideal}");
                }
            Assert.True(wrong <= 65536 / 1000, $"{wrong} of 65,536 pairs more than half a step away");
        }
    }

    [Fact]
    public void The_int8_remainder_takes_the_divisor_or_the_dividend_sign_and_a_zero_divisor_gives_zero()
    {
        // Unit scales all round (multipliers of one half, shift 1, on Add's common scale of 2 · 1 with 2^20 headroom).
        var (half, shift) = FixedPoint.QuantizeMultiplier(0.5);
        var (back, backShift) = FixedPoint.QuantizeMultiplier(2.0 / (1 << 20));
        int Remainder(int operation, int x, int y) => BinaryInt8.Element(operation, x, y, half, shift, half, shift, back, backShift);
        Assert.Equal(new[] { 1, -1, 1, -1, 0 }, new[] { Remainder(8, 7, 3), Remainder(8, -7, 3), Remainder(8, 7, -3), Remainder(8, -7, -3), Remainder(8, 7, 0) });
        Assert.Equal(new[] { 1, 2, -2, -1, 0 }, new[] { Remainder(7, 7, 3), Remainder(7, -7, 3), Remainder(7, 7, -3), Remainder(7, -7, -3), Remainder(7, 7, 0) });
    }

    /// <summary>
    /// OneHot's indices of another type than int64 are cast first — int32 by an integer conversion, float by CastInt8's table
    /// of truncated codes — and the one-hot step runs on nanoFramework as on .NET (negative indices count from the end).
    /// </summary>
    [Fact]
    public void OneHot_takes_int32_and_float_indices_through_integer_casts_on_both_targets()
    {
        Graph OneHot(ElementType type) => new GraphBuilder(11).Input("i", type, 2, 2)
            .Constant("depth", T.I(T.S(), 4)).Constant("values", T.F(T.S(2), 0f, 1f))
            .Node("OneHot", new[] { "i", "depth", "values" }, new[] { "y" }, Int("axis", -1))
            .Output("y").Graph;
        float[] expected = { 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0 }; // indices 0, 3, −1 (the last), 2
        var (fromInts, intSteps) = RunEveryWay(OneHot(ElementType.Int32), new Array[] { new[] { 0, 3, -1, 2 } });
        Assert.Contains(intSteps, k => k.Kind == KernelKind.Conversion);
        Assert.Equal(expected, (float[])fromInts[0]);
        // Float indices inside the calibrated range [−4, 4]: integers come back from their codes (CastInt8.IntegerInCell).
        var calibration = Uniform(16, 4, 3, 4f).Append(new[] { -4f, 4f, 0f, 0f }).ToArray();
        var (fromFloats, floatSteps) = RunEveryWay(OneHot(ElementType.Float32), new Array[] { new[] { 0f, 3f, -1f, 2f } }, calibration);
        Assert.Contains(floatSteps, k => k.Kind == KernelKind.CastInt8);
        Assert.Equal(expected, (float[])fromFloats[0]);
    }

    [Fact]
    public void Float_steps_have_no_nanoFramework_flavour()
    {
        // The nanoFramework target is integer-only: float forms stay refused (MB1106 when a plan holds one).
        var floats = new ArenaSlice("f", ElementType.Float32, 4, 0);
        var bools = new ArenaSlice("b", ElementType.Bool, 4, 0);
        var longs = new ArenaSlice("l", ElementType.Int64, 4, 0);
        var strides = new[] { 1 };
        var operand = new TypedOperand(floats, null, strides);
        Assert.Null(new Predicate("p", PredicateOperation.Less, new[] { 4 }, operand, operand, bools).NanoHelpers);
        Assert.Null(new Select("s", new[] { 4 }, new TypedOperand(bools, null, strides), operand, operand, floats).NanoHelpers);
        Assert.Null(new TopKIndices("t", 1, 4, 1, 4, true, floats, longs).NanoHelpers);
        Assert.Null(new OneHotKernel("o", 1, 4, 1, longs, new TypedOperand(null, new[] { 0f, 1f }, new[] { 1 }), floats).NanoHelpers);
        Assert.Null(new GatherIndexed("g", new[] { 4 }, operand, 4, 1, new TypedOperand(longs, null, strides), floats).NanoHelpers);
    }
}
