using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Operators;

namespace ModelBaker.Tests.Operators;

public class OperatorRegistryTests
{
    [Theory]
    [InlineData("Gemm")] [InlineData("MatMul")] [InlineData("Add")] [InlineData("Relu")] [InlineData("Sigmoid")]
    [InlineData("Tanh")] [InlineData("Softmax")] [InlineData("Flatten")] [InlineData("Reshape")]
    [InlineData("Identity")] [InlineData("Dropout")]
    public void Finds_every_first_release_operator(string opType) =>
        Assert.Equal(opType, OperatorRegistry.Find(opType)!.OpType);

    [Fact]
    public void Unknown_operators_are_not_found() => Assert.Null(OperatorRegistry.Find("Conv"));

    [Fact]
    public void EnsureSupported_lists_every_unsupported_node_at_once()
    {
        var graph = new GraphBuilder().Input("x", 1, 1, 4, 4)
            .Node("Conv", new[] { "x" }, new[] { "a" })
            .Node("Relu", new[] { "a" }, new[] { "b" })
            .Node("MaxPool", new[] { "b" }, new[] { "c" })
            .Node("Conv", new[] { "c" }, new[] { "d" })
            .Output("d").Graph;
        var e = Assert.Throws<BakeException>(() => OperatorRegistry.EnsureSupported(graph));
        Assert.Equal(ErrorCodes.UnsupportedOperators, e.Code);
        Assert.Contains("'Conv_0' (Conv)", e.Message);
        Assert.Contains("'MaxPool_2' (MaxPool)", e.Message);
        Assert.Contains("'Conv_3' (Conv)", e.Message);
        Assert.DoesNotContain("Relu_1", e.Message);
        Assert.Contains("Supported operators:", e.Message);
        Assert.Contains("Gemm", e.Message);
        Assert.Equal(3, e.Message.Split('\n').Count(line => line.TrimStart().StartsWith("'")));
    }

    [Fact]
    public void EnsureSupported_accepts_a_supported_graph() =>
        OperatorRegistry.EnsureSupported(new GraphBuilder().Input("x", 2).Node("Relu", new[] { "x" }, new[] { "y" }).Output("y").Graph);
}
