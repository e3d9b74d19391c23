using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Tests.Operators;
using static ModelBaker.Tests.Operators.GraphBuilder;

namespace ModelBaker.Tests.Interpreter;

public class FloatInterpreterTests
{
    private static Graph Model() => new GraphBuilder()
        .Input("x", 1, 2)
        .Constant("w", T.F(T.S(2, 2), 1, -1, 2, 1))
        .Node("MatMul", new[] { "x", "w" }, new[] { "h" })
        .Node("Relu", new[] { "h" }, new[] { "y" })
        .Output("y").Graph;

    private static Dictionary<string, Tensor> Feed(params float[] x) => new() { ["x"] = T.F(T.S(1, 2), x) };

    [Fact]
    public void Returns_the_graph_outputs()
    {
        var results = FloatInterpreter.Run(Model(), Feed(1, 2));
        Assert.Equal(new[] { "y" }, results.Keys);
        Assert.Equal(new float[] { 5, 1 }, results["y"].Floats);
    }

    [Fact]
    public void Keeps_every_activation_when_asked()
    {
        var results = FloatInterpreter.Run(Model(), Feed(1, -2), keepIntermediates: true);
        Assert.Equal(new float[] { -3, -3 }, results["h"].Floats);
        Assert.Equal(new float[] { 0, 0 }, results["y"].Floats);
        Assert.True(results.ContainsKey("x"));
    }

    [Fact]
    public void Accepts_flat_input_of_the_right_length()
    {
        var results = FloatInterpreter.Run(Model(), new Dictionary<string, Tensor> { ["x"] = T.F(T.S(2), 1, 2) });
        Assert.Equal(T.S(1, 2), results["y"].Shape);
    }

    [Fact]
    public void A_missing_input_is_an_argument_exception_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => FloatInterpreter.Run(Model(), new Dictionary<string, Tensor>()));
        Assert.Contains("'x'", e.Message);
    }

    [Fact]
    public void A_wrong_input_length_is_an_argument_exception_with_both_lengths()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            FloatInterpreter.Run(Model(), new Dictionary<string, Tensor> { ["x"] = T.F(T.S(3), 1, 2, 3) }));
        Assert.Contains("3 elements", e.Message);
        Assert.Contains("expects 2", e.Message);
    }

    [Fact]
    public void An_unknown_input_name_is_an_argument_exception()
    {
        var feeds = Feed(1, 2);
        feeds["typo"] = T.F(T.S(1), 0);
        Assert.Throws<ArgumentException>(() => FloatInterpreter.Run(Model(), feeds));
    }
}
