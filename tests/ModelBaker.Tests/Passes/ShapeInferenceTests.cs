using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Passes;
using ModelBaker.Tests.Operators;
using static ModelBaker.Tests.Operators.GraphBuilder;

namespace ModelBaker.Tests.Passes;

public class ShapeInferenceTests
{
    private static GraphBuilder Mlp() => new GraphBuilder()
        .Input("x", 1, 2, 2)
        .Constant("w", T.Range(T.S(4, 3)))
        .Constant("b", T.F(T.S(3), 1, 2, 3))
        .Constant("shape", T.I(T.S(2), 0, -1))
        .Node("Flatten", new[] { "x" }, new[] { "flat" })
        .Node("Gemm", new[] { "flat", "w", "b" }, new[] { "h" })
        .Node("Relu", new[] { "h" }, new[] { "r" })
        .Node("Reshape", new[] { "r", "shape" }, new[] { "y" })
        .Output("y");

    [Fact]
    public void Infers_every_shape_in_order()
    {
        var graph = Mlp().Graph;
        ShapeInference.Run(graph);
        Assert.Equal(T.S(1, 4), graph["flat"].Shape);
        Assert.Equal(T.S(1, 3), graph["h"].Shape);
        Assert.Equal(T.S(1, 3), graph["y"].Shape);
        Assert.Equal(ElementType.Float32, graph["y"].Type);
    }

    [Fact]
    public void Creates_output_values_the_importer_did_not_declare()
    {
        var graph = new GraphBuilder().Input("x", 3).Graph;
        graph.Nodes.Add(new Node("n", "Relu", new[] { "x" }, new[] { "y" }, new Dictionary<string, ModelBaker.Core.Ir.Attribute>()));
        graph.Outputs.Add("y");
        ShapeInference.Run(graph);
        Assert.Equal(T.S(3), graph["y"].Shape);
    }

    [Fact]
    public void Reading_a_value_nobody_produces_is_an_invalid_graph()
    {
        var graph = new GraphBuilder().Input("x", 2).Node("Add", new[] { "x", "ghost" }, new[] { "y" }).Output("y").Graph;
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(graph));
        Assert.Equal(ErrorCodes.InvalidGraph, e.Code);
        Assert.Contains("'ghost'", e.Message);
        Assert.Contains("'Add_0' (Add)", e.Message);
    }

    [Fact]
    public void Nodes_out_of_topological_order_are_an_invalid_graph_that_says_so()
    {
        var graph = new GraphBuilder().Input("x", 2)
            .Node("Relu", new[] { "h" }, new[] { "y" })
            .Node("Tanh", new[] { "x" }, new[] { "h" })
            .Output("y").Graph;
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(graph));
        Assert.Equal(ErrorCodes.InvalidGraph, e.Code);
        Assert.Contains("topological", e.Message);
    }

    [Fact]
    public void Unsupported_operators_are_reported_before_any_shape_work() =>
        Assert.Equal(ErrorCodes.UnsupportedOperators, Assert.Throws<BakeException>(() => ShapeInference.Run(
            new GraphBuilder().Input("x", 2).Node("NoSuchOperator", new[] { "x" }, new[] { "y" }).Output("y").Graph)).Code);

    [Fact]
    public void Shape_errors_name_the_node_and_the_shapes()
    {
        var graph = new GraphBuilder().Input("x", 2, 5).Constant("w", T.Range(T.S(4, 3)))
            .Node("MatMul", new[] { "x", "w" }, new[] { "y" }).Output("y").Graph;
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(graph));
        Assert.Equal(ErrorCodes.ShapeError, e.Code);
        Assert.Contains("'MatMul_0' (MatMul)", e.Message);
        Assert.Contains("[2,5]", e.Message);
        Assert.Contains("[4,3]", e.Message);
    }

    [Fact]
    public void More_outputs_than_the_operator_defines_is_an_invalid_graph()
    {
        var graph = new GraphBuilder().Input("x", 2).Node("Relu", new[] { "x" }, new[] { "y", "extra" }).Output("y").Graph;
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(graph));
        Assert.Equal(ErrorCodes.InvalidGraph, e.Code);
        Assert.Contains("'Relu_0' (Relu)", e.Message);
    }

    [Fact]
    public void Two_producers_of_one_value_are_an_invalid_graph()
    {
        var graph = new GraphBuilder().Input("x", 2)
            .Node("Relu", new[] { "x" }, new[] { "y" }).Node("Tanh", new[] { "x" }, new[] { "y" }).Output("y").Graph;
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(graph));
        Assert.Equal(ErrorCodes.InvalidGraph, e.Code);
        Assert.Contains("'Tanh_1' (Tanh)", e.Message);
    }
}
