using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Options;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// DepthToSpace and SpaceToDepth (one Remap step over a six-axis view): hand-computed layouts, the reference and the
/// float plan against ONNX Runtime, int8 and nanoFramework plans.
/// </summary>
public sealed class UpsamplingTests
{
    private static Attribute Str(string name, string value) => new() { Name = name, Kind = AttributeKind.String, String = value };

    private static Graph Graph(string op, int[] x, params Attribute[] attributes) =>
        new GraphBuilder(13).Input("x", x).Node(op, new[] { "x" }, new[] { "y" }, attributes).Output("y").Graph;

    private static float[] RunPlan(string op, int[] x, Attribute[] attributes, float[] input, Precision precision = Precision.Float32) =>
        PlanInterpreter.Run(Baker.Bake(Graph(op, x, attributes), "test",
            new BakeOptions("d2s.onnx", "D2s", "Tests") { Precision = precision }, new RecordingLog()), new[] { input })[0];

    private static float[] Reference(string op, int[] x, Attribute[] attributes, float[] input)
    {
        var graph = Graph(op, x, attributes);
        ShapeInference.Run(graph);
        return FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = T.F(x, input) })["y"].AsFloats();
    }

    public static IEnumerable<object[]> HandCases => new[]
    {
        // x = 0..7 as [1, 8, 1, 1], blocksize 2, depth 2. DCR: y[d, i, j] = x[(i·2 + j)·2 + d]; CRD: y[d, i, j] = x[d·4 + i·2 + j].
        new object[] { "DepthToSpace", new[] { 1, 8, 1, 1 }, "DCR", new float[] { 0, 2, 4, 6, 1, 3, 5, 7 } },
        new object[] { "DepthToSpace", new[] { 1, 8, 1, 1 }, "CRD", new float[] { 0, 1, 2, 3, 4, 5, 6, 7 } },
        // x = 0..7 as [1, 2, 2, 2]: y channel (i·2 + j)·2 + c = x[c, i, j].
        new object[] { "SpaceToDepth", new[] { 1, 2, 2, 2 }, "", new float[] { 0, 4, 1, 5, 2, 6, 3, 7 } },
    };

    [Theory]
    [MemberData(nameof(HandCases))]
    public void Layouts_match_hand_computed_values(string op, int[] x, string mode, float[] expected)
    {
        var attributes = mode.Length == 0 ? new[] { Int("blocksize", 2) } : new[] { Int("blocksize", 2), Str("mode", mode) };
        float[] input = Enumerable.Range(0, 8).Select(i => (float)i).ToArray();
        Assert.Equal(expected, Reference(op, x, attributes, input));
        Assert.Equal(expected, RunPlan(op, x, attributes, input));
    }

    public static IEnumerable<object[]> OrtCases => new[]
    {
        new object[] { "DepthToSpace", new[] { 2, 18, 2, 3 }, 3, "DCR" },
        new object[] { "DepthToSpace", new[] { 1, 8, 3, 2 }, 2, "CRD" },
        new object[] { "DepthToSpace", new[] { 1, 3, 2, 2 }, 1, "DCR" },
        new object[] { "SpaceToDepth", new[] { 2, 3, 6, 4 }, 2, "" },
        new object[] { "SpaceToDepth", new[] { 1, 2, 3, 6 }, 3, "" },
    };

    [Theory]
    [MemberData(nameof(OrtCases))]
    public void Reference_and_float_plan_match_ONNX_Runtime(string op, int[] x, int blocksize, string mode)
    {
        var attributes = mode.Length == 0 ? new[] { Int("blocksize", blocksize) } : new[] { Int("blocksize", blocksize), Str("mode", mode) };
        var graph = Graph(op, x, attributes);
        ShapeInference.Run(graph);
        var feeds = new Dictionary<string, Tensor> { ["x"] = OrtOracle.RandomTensor(new Random(blocksize), x, 3f) };
        var reference = FloatInterpreter.Run(graph, feeds);
        OrtOracle.AssertMatches(graph, feeds, reference, $"{op} {ShapeMath.Format(x)} b {blocksize} {mode}");
        // A pure copy: the plan must give the reference's numbers exactly.
        Assert.Equal(reference["y"].AsFloats(), RunPlan(op, x, attributes, feeds["x"].AsFloats()));
    }

    [Fact]
    public void int8_and_nanoFramework_plans_copy_without_a_float_island()
    {
        var x = new[] { 1, 8, 2, 2 };
        var attributes = new[] { Int("blocksize", 2), Str("mode", "CRD") };
        var plan = Baker.Bake(Graph("DepthToSpace", x, attributes), "test",
            new BakeOptions("d2s.onnx", "D2s", "Tests") { Precision = Precision.Int8 }, new RecordingLog());
        Assert.Contains(KernelKind.Remap, plan.Kernels.Select(k => k.Kind));
        Assert.DoesNotContain(KernelKind.FloatIslandEntry, plan.Kernels.Select(k => k.Kind));
        float[] input = Enumerable.Range(0, 32).Select(i => i / 16f - 1f).ToArray(); // inside the default calibration range
        float[] expected = Reference("DepthToSpace", x, attributes, input);
        float[] actual = PlanInterpreter.Run(plan, new[] { input })[0];
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 0.01f, $"element {i}: {actual[i]} vs {expected[i]}");
        Baker.Bake(Graph("SpaceToDepth", new[] { 1, 2, 4, 4 }, Int("blocksize", 2)), "test",
            new BakeOptions("s2d.onnx", "S2d", "Tests") { Precision = Precision.Int8, Target = CodeTarget.NanoFramework }, new RecordingLog());
    }

    [Fact]
    public void Bad_shapes_and_modes_are_refused_with_codes()
    {
        var channels = Assert.Throws<BakeException>(() => ShapeInference.Run(Graph("DepthToSpace", new[] { 1, 6, 2, 2 }, Int("blocksize", 2))));
        Assert.Equal(ErrorCodes.ShapeError, channels.Code);
        Assert.Contains("DepthToSpace_0", channels.Message);
        var spatial = Assert.Throws<BakeException>(() => ShapeInference.Run(Graph("SpaceToDepth", new[] { 1, 1, 3, 4 }, Int("blocksize", 2))));
        Assert.Equal(ErrorCodes.ShapeError, spatial.Code);
        var rank = Assert.Throws<BakeException>(() => ShapeInference.Run(Graph("SpaceToDepth", new[] { 4, 4, 4 }, Int("blocksize", 2))));
        Assert.Equal(ErrorCodes.ShapeError, rank.Code);
        var mode = Assert.Throws<BakeException>(() => ShapeInference.Run(Graph("DepthToSpace", new[] { 1, 4, 2, 2 }, Int("blocksize", 2), Str("mode", "RDC"))));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, mode.Code);
    }
}
