using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Codegen;

/// <summary>Fusions must be exact: a folded step computes what the nodes did, whatever order they came in.</summary>
public sealed class FusionTests
{
    private static void AssertPlanMatchesInterpreter(Graph graph, float[] input)
    {
        string folder = Path.Combine(Path.GetTempPath(), "modelbaker-fusion-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "fusion.onnx");
        OnnxModelWriter.Save(graph, path);
        var plan = Baker.Bake(new BakeOptions(path, "Fusion", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var expected = FloatInterpreter.Run(OnnxModelReader.Load(path), new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new[] { 1, input.Length }, input) });
        Directory.Delete(folder, true);
        Assert.Equal(expected[graph.Outputs[0]].AsFloats(), PlanInterpreter.Run(plan, new[] { input })[0]);
    }

    private static GraphBuilder Identity2() => new GraphBuilder()
        .Input("x", 1, 2)
        .Constant("w", T.F(T.S(2, 2), 1, 0, 0, 1))
        .Node("MatMul", new[] { "x", "w" }, new[] { "m" });

    [Fact]
    public void An_add_after_a_fused_Relu_is_not_folded_into_the_bias()
    {
        var graph = Identity2()
            .Node("Relu", new[] { "m" }, new[] { "r" })
            .Constant("c", T.F(T.S(2), 5, 5))
            .Node("Add", new[] { "r", "c" }, new[] { "y" })
            .Output("y").Graph;
        AssertPlanMatchesInterpreter(graph, new[] { -10f, 1f }); // [5, 6], not [0, 6]
    }

    [Fact]
    public void Disjoint_clamps_compose_to_the_second_ranges_bound()
    {
        var graph = Identity2()
            .Node("Relu", new[] { "m" }, new[] { "r" })
            .Node("Clip", new[] { "r" }, new[] { "y" }, Float("min", -5f), Float("max", -1f))
            .Output("y").Graph;
        graph.Opset = 6; // Clip bounds as attributes
        AssertPlanMatchesInterpreter(graph, new[] { -10f, 3f }); // every value ends at −1
    }
}
