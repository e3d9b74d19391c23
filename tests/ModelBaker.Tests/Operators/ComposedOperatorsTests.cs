using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Options;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;
using static ModelBaker.Tests.Operators.GraphBuilder;
using static ModelBaker.Tests.Operators.T;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Operators made of steps the plan already has — written as other nodes by shape inference (CastLike, Hardmax, the
/// composed reductions, InstanceNormalization, GroupNormalization), moved by a Remap (Expand, Tile), folded (Range) or
/// new functions and reductions of existing steps (Log, Reciprocal, ReduceMin, ReduceProd). Float values are held to
/// conformance cases (the ONNX backend ones, and tests/data/onnx/made from build/make_operator_cases.py, numpy
/// references); here: every made case passes, and each operator's int8 plan is integer and runs the same bits as its
/// nanoFramework class.
/// </summary>
public sealed class ComposedOperatorsTests
{
    private readonly ITestOutputHelper _output;
    public ComposedOperatorsTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Every_made_conformance_case_passes()
    {
        var results = ConformanceCase.Find(TestData.Path("onnx", "made")).Select(ConformanceRunner.Run).ToList();
        foreach (var result in results) _output.WriteLine(result.ToString());
        Assert.Equal(17, results.Count);
        Assert.All(results, r => Assert.True(r.Outcome == Outcome.Pass, r.ToString()));
    }

    private static GraphBuilder X(long opset, params int[] shape) => new GraphBuilder(opset).Input("x", shape);

    /// <summary>One small graph per operator, input "x" and output "y".</summary>
    public static IEnumerable<object[]> Graphs()
    {
        yield return Case("Log", () => X(13, 2, 6).Node("Abs", new[] { "x" }, new[] { "a" }).Node("Log", new[] { "a" }, new[] { "y" }).Output("y").Graph);
        yield return Case("Reciprocal", () => X(13, 2, 6).Node("Relu", new[] { "x" }, new[] { "r" }).Constant("one", F(S(), 1f))
            .Node("Add", new[] { "r", "one" }, new[] { "s" }).Node("Reciprocal", new[] { "s" }, new[] { "y" }).Output("y").Graph);
        yield return Case("CastLike", () => X(15, 2, 6).Constant("like", Tensor.FromInt64s(S(1), new long[] { 0 }, ElementType.Int32))
            .Node("CastLike", new[] { "x", "like" }, new[] { "i" }).Constant("float", F(S(1), 0f)).Node("CastLike", new[] { "i", "float" }, new[] { "y" }).Output("y").Graph);
        yield return Case("ReduceMin", () => X(13, 3, 4, 5).Node("ReduceMin", new[] { "x" }, new[] { "y" }, Ints("axes", 1)).Output("y").Graph);
        yield return Case("ReduceL1", () => X(18, 3, 4, 5).Constant("axes", I(S(1), -1)).Node("ReduceL1", new[] { "x", "axes" }, new[] { "y" }).Output("y").Graph);
        yield return Case("ReduceL2", () => X(13, 3, 4, 5).Node("ReduceL2", new[] { "x" }, new[] { "y" }, Ints("axes", 0, 2), Int("keepdims", 0)).Output("y").Graph);
        yield return Case("ReduceLogSumExp", () => X(13, 3, 4, 5).Node("ReduceLogSumExp", new[] { "x" }, new[] { "y" }, Ints("axes", 2)).Output("y").Graph);
        yield return Case("ReduceLogSum", () => X(13, 3, 4, 5).Node("Abs", new[] { "x" }, new[] { "a" })
            .Node("ReduceLogSum", new[] { "a" }, new[] { "y" }, Ints("axes", 1)).Output("y").Graph);
        yield return Case("Hardmax", () => X(13, 3, 7).Node("Hardmax", new[] { "x" }, new[] { "y" }).Output("y").Graph);
        yield return Case("Hardmax opset 11", () => X(11, 2, 3, 4).Node("Hardmax", new[] { "x" }, new[] { "y" }, Int("axis", 1)).Output("y").Graph);
        yield return Case("InstanceNormalization", () => X(13, 1, 3, 4, 4).Constant("scale", F(S(3), 1f, 0.5f, -2f)).Constant("bias", F(S(3), 0f, 0.25f, 1f))
            .Node("InstanceNormalization", new[] { "x", "scale", "bias" }, new[] { "y" }).Output("y").Graph);
        yield return Case("GroupNormalization", () => X(18, 1, 4, 3, 3).Constant("scale", F(S(2), 1.5f, -1f)).Constant("bias", F(S(2), 0.5f, 0f))
            .Node("GroupNormalization", new[] { "x", "scale", "bias" }, new[] { "y" }, Int("num_groups", 2)).Output("y").Graph);
        yield return Case("Expand", () => X(13, 3, 1).Constant("shape", I(S(3), 2, 1, 4)).Node("Expand", new[] { "x", "shape" }, new[] { "y" }).Output("y").Graph);
        yield return Case("Tile", () => X(13, 2, 3).Constant("repeats", I(S(2), 2, 3)).Node("Tile", new[] { "x", "repeats" }, new[] { "y" }).Output("y").Graph);
    }

    private static object[] Case(string name, Func<Graph> make) => new object[] { name, make };

    [Theory]
    [MemberData(nameof(Graphs))]
    public void Int8_plans_are_integer_and_the_nanoFramework_class_runs_the_same_bits(string name, Func<Graph> make)
    {
        using var folder = new TempFolder();
        int length = ShapeMath.Length(make().Values["x"].Shape!);
        var random = new Random(name.Length * 7919);
        float[][] Draw(int n) => Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray()).ToArray();
        string calibration = folder.Path("calibration.npy");
        NpyWriter.Write(calibration, Draw(32));
        BakedPlan Bake(CodeTarget target) => Baker.Bake(make(), "test", new BakeOptions($"{name}.onnx", "Composed", "Tests")
            { Precision = Precision.Int8, CalibrationPath = calibration, Target = target }, new RecordingLog());

        var net = Bake(CodeTarget.Net);
        Int8FlavourChecks.AssertIntegerStepsOnly(net);
        Int8FlavourChecks.AssertNetAndNanoFrameworkAgreeBitForBit(net, Bake(CodeTarget.NanoFramework), Draw(8));
    }

    public static IEnumerable<object[]> Islands()
    {
        yield return new object[] { "ReduceProd", (Func<Graph>)(() => X(13, 2, 3).Node("ReduceProd", new[] { "x" }, new[] { "y" }, Ints("axes", 1)).Output("y").Graph),
            "a product of its elements spans more orders of magnitude" };
    }

    /// <summary>Steps that ran in float islands until they got integer forms: a power and a remainder of two tensors.</summary>
    public static IEnumerable<object[]> FormerIslands()
    {
        yield return new object[] { "Pow", (Func<Graph>)(() => X(13, 2, 3).Node("Abs", new[] { "x" }, new[] { "a" }).Node("Pow", new[] { "a", "x" }, new[] { "y" }).Output("y").Graph) };
        yield return new object[] { "Mod", (Func<Graph>)(() => X(13, 2, 3).Constant("d", F(S(3), 0.5f, -1.5f, 2f))
            .Node("Mod", new[] { "x", "d" }, new[] { "y" }, Int("fmod", 1)).Output("y").Graph) };
    }

    [Theory]
    [MemberData(nameof(Islands))]
    public void Steps_without_an_int8_form_run_in_a_float_island_and_the_nanoFramework_flavour_refuses_them_with_the_reason(
        string name, Func<Graph> make, string reason)
    {
        using var folder = new TempFolder();
        var random = new Random(3);
        string calibration = folder.Path("calibration.npy");
        NpyWriter.Write(calibration, Enumerable.Range(0, 32).Select(_ => Enumerable.Range(0, 6).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray());
        var int8 = Baker.Bake(make(), "test", new BakeOptions($"{name}.onnx", "Island", "Tests") { Precision = Precision.Int8, CalibrationPath = calibration },
            new RecordingLog());
        Assert.Single(int8.Kernels, k => k is IFloatOnlyKernel);
        var x = Enumerable.Range(0, 6).Select(i => 0.25f * i - 0.6f).ToArray();
        var reference = Baker.Bake(make(), "test", new BakeOptions($"{name}.onnx", "Island", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var expected = PlanInterpreter.Run(reference, new[] { x })[0];
        var actual = PlanInterpreter.Run(int8, new[] { x })[0];
        float range = expected.Max() - expected.Min();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 0.05f * range + 1e-3f, $"{name}[{i}]: {actual[i]} against {expected[i]}");
        var e = Assert.Throws<Core.Diagnostics.BakeException>(() => Baker.Bake(make(), "test",
            new BakeOptions($"{name}.onnx", "Island", "Tests") { Precision = Precision.Int8, Target = CodeTarget.NanoFramework }, new RecordingLog()));
        Assert.Equal(Core.Diagnostics.ErrorCodes.FloatIslandOnTarget, e.Code);
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [MemberData(nameof(FormerIslands))]
    public void Powers_and_remainders_of_two_tensors_are_integer_steps_close_to_float_on_both_targets(string name, Func<Graph> make)
    {
        using var folder = new TempFolder();
        var random = new Random(3);
        string calibration = folder.Path("calibration.npy");
        NpyWriter.Write(calibration, Enumerable.Range(0, 32).Select(_ => Enumerable.Range(0, 6).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray());
        BakedPlan Int8(CodeTarget target) => Baker.Bake(make(), "test",
            new BakeOptions($"{name}.onnx", "Island", "Tests") { Precision = Precision.Int8, CalibrationPath = calibration, Target = target }, new RecordingLog());
        var int8 = Int8(CodeTarget.Net);
        Assert.DoesNotContain(int8.Kernels, k => k is IFloatOnlyKernel);
        var x = Enumerable.Range(0, 6).Select(i => 0.25f * i - 0.6f).ToArray();
        var reference = Baker.Bake(make(), "test", new BakeOptions($"{name}.onnx", "Island", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var expected = PlanInterpreter.Run(reference, new[] { x })[0];
        var actual = PlanInterpreter.Run(int8, new[] { x })[0];
        float range = expected.Max() - expected.Min();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 0.05f * range + 1e-3f, $"{name}[{i}]: {actual[i]} against {expected[i]}");
        Assert.Equal(actual, PlanInterpreter.Run(Int8(CodeTarget.NanoFramework), new[] { x })[0]);
    }

    [Fact]
    public void Shapes_known_only_at_run_time_are_refused_with_the_fix()
    {
        var expand = Assert.Throws<Core.Diagnostics.BakeException>(() => Core.Passes.ShapeInference.Run(new GraphBuilder(13).Input("x", 3, 1).Input("shape", ElementType.Int64, 2)
            .Node("Expand", new[] { "x", "shape" }, new[] { "y" }).Output("y").Graph));
        Assert.Equal(Core.Diagnostics.ErrorCodes.UnsupportedOperatorUsage, expand.Code);
        Assert.Contains("shape 'shape' is computed at run time", expand.Message);
        var range = Assert.Throws<Core.Diagnostics.BakeException>(() => Core.Passes.ShapeInference.Run(new GraphBuilder(13).Input("limit", ElementType.Int64)
            .Constant("start", I(S(), 0)).Constant("delta", I(S(), 1)).Node("Range", new[] { "start", "limit", "delta" }, new[] { "y" }).Output("y").Graph));
        Assert.Equal(Core.Diagnostics.ErrorCodes.UnsupportedOperatorUsage, range.Code);
        Assert.Contains("limit 'limit' is computed at run time", range.Message);
        var groups = Assert.Throws<Core.Diagnostics.BakeException>(() => Core.Passes.ShapeInference.Run(new GraphBuilder(18).Input("x", 1, 4, 2, 2)
            .Constant("scale", F(S(3), 1f, 1f, 1f)).Constant("bias", F(S(3), 0f, 0f, 0f))
            .Node("GroupNormalization", new[] { "x", "scale", "bias" }, new[] { "y" }, Int("num_groups", 3)).Output("y").Graph));
        Assert.Equal(Core.Diagnostics.ErrorCodes.InvalidGraph, groups.Code);
        Assert.Contains("4 channels do not divide into 3 groups", groups.Message);
    }
}
