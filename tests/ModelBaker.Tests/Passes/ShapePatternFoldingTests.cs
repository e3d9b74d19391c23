using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using Attribute = ModelBaker.Core.Ir.Attribute;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Passes;

/// <summary>
/// The shape arithmetic exporters emit (torch's Flatten: Shape → Gather → Unsqueeze → Concat → Reshape) folds away
/// at bake time: shape inference evaluates it in node order, so the Reshape sees a constant target shape.
/// </summary>
public class ShapePatternFoldingTests
{
    private static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };

    /// <summary>x.view(x.size(0), -1) as torch exports it (opset 13: axes as inputs), then a Relu that must run.</summary>
    private static Graph TorchFlatten(long opset = 13)
    {
        var b = new GraphBuilder(opset).Input("x", 2, 3, 4)
            .Constant("zero", Tensor.FromInt64s(Array.Empty<int>(), new long[] { 0 }))
            .Constant("minusOne", Tensor.FromInt64s(new[] { 1 }, new long[] { -1 }))
            .Node("Shape", new[] { "x" }, new[] { "shape" })
            .Node("Gather", new[] { "shape", "zero" }, new[] { "batch" }, GraphBuilder.Int("axis", 0));
        if (opset >= 13) b.Constant("axes", Tensor.FromInt64s(new[] { 1 }, new long[] { 0 })).Node("Unsqueeze", new[] { "batch", "axes" }, new[] { "batch1" });
        else b.Node("Unsqueeze", new[] { "batch" }, new[] { "batch1" }, Ints("axes", 0));
        return b.Node("Concat", new[] { "batch1", "minusOne" }, new[] { "target" }, GraphBuilder.Int("axis", 0))
            .Node("Reshape", new[] { "x", "target" }, new[] { "flat" })
            .Node("Relu", new[] { "flat" }, new[] { "y" })
            .Output("y").Graph;
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    public void Torch_flatten_folds_to_a_reshape_with_a_constant_shape(long opset)
    {
        var graph = TorchFlatten(opset);
        ConstantFolding.Run(graph);
        Assert.Equal(new[] { "Reshape", "Relu" }, graph.Nodes.Select(n => n.OpType));
        Assert.Equal(new long[] { 2, -1 }, graph["target"].Constant!.Int64s);
        Assert.Equal(new[] { 2, 12 }, graph["y"].Shape);
    }

    [Fact]
    public void Folding_twice_gives_the_same_graph_and_the_baked_plan_has_only_the_relu()
    {
        var graph = TorchFlatten();
        ShapeInference.Run(graph);
        ShapeInference.Run(graph); // re-running recomputes folded values rather than taking them for initializers
        ConstantFolding.Run(graph);
        ConstantFolding.Run(graph);
        Assert.Equal(new[] { "Reshape", "Relu" }, graph.Nodes.Select(n => n.OpType));

        var plan = Baker.Bake(TorchFlatten(), "test", new BakeOptions("m.onnx", "M", "T") { Precision = Precision.Float32 }, new RecordingLog());
        Assert.Single(plan.Kernels);
        var x = Enumerable.Range(0, 24).Select(i => i - 12f).ToArray();
        Assert.Equal(x.Select(v => Math.Max(0, v)), PlanInterpreter.Run(plan, new[] { x })[0]);
    }

    [Fact]
    public void A_shape_fed_to_a_graph_output_is_written_by_one_copy_step()
    {
        var plan = Baker.Bake(new GraphBuilder(15).Input("x", 2, 3, 4).Node("Shape", new[] { "x" }, new[] { "s" }, GraphBuilder.Int("start", 1)).Output("s").Graph,
            "test", new BakeOptions("m.onnx", "M", "T") { Precision = Precision.Float32 }, new RecordingLog());
        Assert.Equal(KernelKind.Concat, Assert.Single(plan.Kernels).Kind);
        Assert.Equal(new long[] { 3, 4 }, (long[])PlanInterpreter.RunTensors(plan, new Array[] { new float[24] })[0]);
    }

    [Fact]
    public void A_slice_with_runtime_starts_is_unsupported_usage_naming_the_node()
    {
        var graph = new GraphBuilder().Input("x", 4).Input("starts", ElementType.Int64, 1)
            .Constant("ends", Tensor.FromInt64s(new[] { 1 }, new long[] { 3 }))
            .Node("Slice", new[] { "x", "starts", "ends" }, new[] { "y" }).Output("y").Graph;
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(graph));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("'Slice_0' (Slice)", e.Message);
        Assert.Contains("'starts'", e.Message);
    }

    [Fact]
    public void Folded_results_match_the_unfolded_reference()
    {
        var input = new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new[] { 2, 3, 4 }, Enumerable.Range(0, 24).Select(i => i * 0.5f - 6).ToArray()) };
        var before = FloatInterpreter.Run(TorchFlatten(), input)["y"];
        var folded = TorchFlatten();
        ConstantFolding.Run(folded);
        var after = FloatInterpreter.Run(folded, input)["y"];
        Assert.Equal(before.Shape, after.Shape);
        Assert.Equal(before.Floats, after.Floats);
    }
}
