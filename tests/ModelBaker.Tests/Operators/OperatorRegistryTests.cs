using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Operators;

namespace ModelBaker.Tests.Operators;

public class OperatorRegistryTests
{
    [Theory]
    [InlineData("Gemm")] [InlineData("MatMul")] [InlineData("Add")] [InlineData("Relu")] [InlineData("Sigmoid")]
    [InlineData("Tanh")] [InlineData("Softmax")] [InlineData("Flatten")] [InlineData("Reshape")]
    [InlineData("Identity")] [InlineData("Dropout")]
    [InlineData("Conv")] [InlineData("MaxPool")] [InlineData("AveragePool")] [InlineData("GlobalAveragePool")]
    [InlineData("GlobalMaxPool")] [InlineData("BatchNormalization")]
    public void Finds_every_first_release_operator(string opType) =>
        Assert.Equal(opType, OperatorRegistry.Find(opType)!.OpType);

    [Fact]
    public void Unknown_operators_are_not_found() => Assert.Null(OperatorRegistry.Find("NoSuchOperator"));

    [Fact]
    public void EnsureSupported_lists_every_unsupported_node_at_once()
    {
        var graph = new GraphBuilder().Input("x", 1, 1, 4, 4)
            .Node("NoSuchOperator", new[] { "x" }, new[] { "a" })
            .Node("Relu", new[] { "a" }, new[] { "b" })
            .Node("OtherMissingOperator", new[] { "b" }, new[] { "c" })
            .Node("NoSuchOperator", new[] { "c" }, new[] { "d" })
            .Output("d").Graph;
        var e = Assert.Throws<BakeException>(() => OperatorRegistry.EnsureSupported(graph));
        Assert.Equal(ErrorCodes.UnsupportedOperators, e.Code);
        Assert.Contains("'NoSuchOperator_0' (NoSuchOperator)", e.Message);
        Assert.Contains("'OtherMissingOperator_2' (OtherMissingOperator)", e.Message);
        Assert.Contains("'NoSuchOperator_3' (NoSuchOperator)", e.Message);
        Assert.DoesNotContain("Relu_1", e.Message);
        Assert.Contains("Supported operators:", e.Message);
        Assert.Contains("Gemm", e.Message);
        Assert.Equal(3, e.Message.Split('\n').Count(line => line.TrimStart().StartsWith("'")));
    }

    [Fact]
    public void EnsureSupported_accepts_a_supported_graph() =>
        OperatorRegistry.EnsureSupported(new GraphBuilder().Input("x", 2).Node("Relu", new[] { "x" }, new[] { "y" }).Output("y").Graph);
}
