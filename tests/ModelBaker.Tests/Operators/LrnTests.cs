using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Operators;

/// <summary>LRN: shape rules, the float reference against ONNX Runtime, the LrnFloat step against the reference, int8 in a float island.</summary>
public sealed class LrnTests
{
    private static Graph LrnGraph(int[] x, Attribute[] attributes) =>
        new GraphBuilder(9).Input("x", x).Node("LRN", new[] { "x" }, new[] { "y" }, attributes).Output("y").Graph;

    public static IEnumerable<object[]> Cases => new[]
    {
        new object[] { new[] { 1, 5, 4, 4 }, 3, 1e-4f, 0.75f, 1f },
        new object[] { new[] { 2, 7, 3, 5 }, 5, 0.5f, 0.75f, 2f },
        new object[] { new[] { 1, 3, 2, 3 }, 9, 2f, 1.5f, 0.5f },    // window wider than the channels
        new object[] { new[] { 1, 96, 5, 5 }, 5, 1e-4f, 0.75f, 1f },  // AlexNet's attributes
    };

    private static Attribute[] Attributes(int size, float alpha, float beta, float bias) =>
        new[] { Int("size", size), GraphBuilder.Float("alpha", alpha), GraphBuilder.Float("beta", beta), GraphBuilder.Float("bias", bias) };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reference_and_plan_match_ONNX_Runtime(int[] x, int size, float alpha, float beta, float bias)
    {
        var graph = LrnGraph(x, Attributes(size, alpha, beta, bias));
        ShapeInference.Run(graph);
        var feeds = new Dictionary<string, Tensor> { ["x"] = OrtOracle.RandomTensor(new Random(size), x, 3f) };
        var reference = FloatInterpreter.Run(graph, feeds);
        OrtOracle.AssertMatches(graph, feeds, reference, $"LRN {ShapeMath.Format(x)} size {size}");

        var plan = Baker.Bake(LrnGraph(x, Attributes(size, alpha, beta, bias)), "test",
            new BakeOptions("lrn.onnx", "Lrn", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var actual = Tensor.FromFloats(x, PlanInterpreter.Run(plan, new[] { feeds["x"].AsFloats() })[0]);
        Assert.True(OrtOracle.MaxError(reference["y"], actual, "LRN plan") <= 1e-5);
    }

    /// <summary>ONNX Runtime runs 4-D inputs and odd sizes only; ONNX defines any N × C × spatial… and any size: checked by hand.</summary>
    [Fact]
    public void Other_ranks_normalize_across_channels_as_the_formula_says()
    {
        // Channels 0..2 of one position hold 1, 2, 3; size 2: channel c sums c and c + 1 (⌊1/2⌋ = 0 before, ⌈1/2⌉ = 1 after).
        foreach (var shape in new[] { new[] { 1, 3, 1 }, new[] { 1, 3, 1, 1, 1 } })
        {
            var graph = LrnGraph(shape, new[] { Int("size", 2), GraphBuilder.Float("alpha", 2f), GraphBuilder.Float("beta", 1f), GraphBuilder.Float("bias", 1f) });
            ShapeInference.Run(graph);
            var y = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = T.F(shape, 1, 2, 3) })["y"].AsFloats();
            Assert.Equal(new[] { 1 / (1 + 1f * 5), 2 / (1 + 1f * 13), 3 / (1 + 1f * 9) }, y, new FloatTolerance(1e-6f));
            var plan = Baker.Bake(LrnGraph(shape, new[] { Int("size", 2), GraphBuilder.Float("alpha", 2f), GraphBuilder.Float("beta", 1f), GraphBuilder.Float("bias", 1f) }),
                "test", new BakeOptions("lrn.onnx", "Lrn", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
            Assert.Equal(y, PlanInterpreter.Run(plan, new[] { new[] { 1f, 2f, 3f } })[0], new FloatTolerance(1e-6f));
        }
    }

    private sealed class FloatTolerance : IEqualityComparer<float>
    {
        private readonly float _tolerance;
        public FloatTolerance(float tolerance) => _tolerance = tolerance;
        public bool Equals(float a, float b) => Math.Abs(a - b) <= _tolerance;
        public int GetHashCode(float value) => 0;
    }

    [Fact]
    public void Defaults_are_ONNXs()
    {
        var x = new[] { 1, 4, 3, 3 };
        var graph = LrnGraph(x, new[] { Int("size", 3) });
        ShapeInference.Run(graph);
        var feeds = new Dictionary<string, Tensor> { ["x"] = OrtOracle.RandomTensor(new Random(1), x, 30f) };
        OrtOracle.AssertMatches(graph, feeds, FloatInterpreter.Run(graph, feeds), "LRN defaults");
    }

    [Fact]
    public void Without_channels_or_size_is_an_error_naming_the_node()
    {
        var noSpatial = Assert.Throws<BakeException>(() => ShapeInference.Run(LrnGraph(new[] { 1, 4 }, new[] { Int("size", 3) })));
        Assert.Equal(ErrorCodes.ShapeError, noSpatial.Code);
        Assert.Contains("LRN_0", noSpatial.Message);
        var noSize = Assert.Throws<BakeException>(() => ShapeInference.Run(LrnGraph(new[] { 1, 4, 2, 2 }, Array.Empty<Attribute>())));
        Assert.Equal(ErrorCodes.InvalidGraph, noSize.Code);
        Assert.Contains("size", noSize.Message);
    }

    [Fact]
    public void int8_runs_it_in_a_float_island_and_nanoFramework_refuses_it()
    {
        var plan = Baker.Bake(LrnGraph(new[] { 1, 4, 3, 3 }, new[] { Int("size", 3) }), "test",
            new BakeOptions("lrn.onnx", "Lrn", "Tests") { Precision = Precision.Int8 }, new RecordingLog());
        Assert.Equal(new[] { KernelKind.FloatIslandEntry, KernelKind.LrnFloat, KernelKind.FloatIslandExit }, plan.Kernels.Select(k => k.Kind));
        var e = Assert.Throws<BakeException>(() => Baker.Bake(LrnGraph(new[] { 1, 4, 3, 3 }, new[] { Int("size", 3) }), "test",
            new BakeOptions("lrn.onnx", "Lrn", "Tests") { Precision = Precision.Int8, Target = CodeTarget.NanoFramework }, new RecordingLog()));
        Assert.Equal(ErrorCodes.FloatIslandOnTarget, e.Code);
        Assert.Contains("LRN_0", e.Message);
        Assert.Contains("CodeTarget=\"Net\"", e.Message);
    }
}
