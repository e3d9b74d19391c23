using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Passes;
using ModelBaker.Tests.Operators;
using static ModelBaker.Tests.Operators.GraphBuilder;

namespace ModelBaker.Tests.Passes;

public class ConstantFoldingTests
{
    // y = x · reshape(w + 1) + b: the weight arithmetic is all constant and folds away.
    private static Graph Model() => new GraphBuilder()
        .Input("x", 1, 4)
        .Constant("w", T.Range(T.S(12), 0.25f))
        .Constant("one", T.F(T.S(), 1))
        .Constant("shape", T.I(T.S(2), 4, -1))
        .Constant("b", T.F(T.S(3), 1, 2, 3))
        .Node("Add", new[] { "w", "one" }, new[] { "w1" })
        .Node("Reshape", new[] { "w1", "shape" }, new[] { "w2" })
        .Node("MatMul", new[] { "x", "w2" }, new[] { "h" })
        .Node("Add", new[] { "h", "b" }, new[] { "y" })
        .Output("y").Graph;

    [Fact]
    public void Folds_nodes_whose_inputs_are_all_constant()
    {
        var graph = Model();
        ConstantFolding.Run(graph);
        Assert.Equal(new[] { "MatMul", "Add" }, graph.Nodes.Select(n => n.OpType));
        Assert.Equal(T.S(4, 3), graph["w2"].Constant!.Shape);
        Assert.Equal(1.25f, graph["w2"].Constant!.Floats![1]);
    }

    [Fact]
    public void Drops_constants_only_the_folded_nodes_read()
    {
        var graph = Model();
        ConstantFolding.Run(graph);
        Assert.False(graph.Values.ContainsKey("w"));
        Assert.False(graph.Values.ContainsKey("w1"));
        Assert.False(graph.Values.ContainsKey("shape"));
        Assert.True(graph.Values.ContainsKey("b"));
    }

    [Fact]
    public void Folding_does_not_change_the_result()
    {
        var input = new Dictionary<string, Tensor> { ["x"] = T.F(T.S(1, 4), 1, -2, 3, 0.5f) };
        var before = FloatInterpreter.Run(Model(), input)["y"];
        var folded = Model();
        ConstantFolding.Run(folded);
        Assert.Equal(before.Floats, FloatInterpreter.Run(folded, input)["y"].Floats);
    }

    [Fact]
    public void A_graph_output_that_folds_stays_available()
    {
        var graph = new GraphBuilder().Input("x", 2).Constant("c", T.F(T.S(2), -1, 1))
            .Node("Relu", new[] { "c" }, new[] { "k" }).Node("Add", new[] { "x", "x" }, new[] { "y" })
            .Output("y", "k").Graph;
        ConstantFolding.Run(graph);
        Assert.Single(graph.Nodes);
        var results = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = T.F(T.S(2), 1, 2) });
        Assert.Equal(new float[] { 0, 1 }, results["k"].Floats);
    }

    [Fact]
    public void Graph_inputs_are_never_folded_even_with_an_initializer_default()
    {
        var graph = new GraphBuilder().Input("x", 2).Node("Relu", new[] { "x" }, new[] { "y" }).Output("y").Graph;
        graph["x"].Constant = T.F(T.S(2), 1, 2);
        ConstantFolding.Run(graph);
        Assert.Single(graph.Nodes);
    }
}
