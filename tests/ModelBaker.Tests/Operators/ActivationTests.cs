using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using static ModelBaker.Tests.Operators.GraphBuilder;
using static ModelBaker.Tests.Operators.OperatorTestRunner;

namespace ModelBaker.Tests.Operators;

public class ActivationTests
{
    private static readonly Tensor X = T.F(T.S(2, 2), -2, 0, 0.5f, 3);

    [Fact]
    public void Relu_clamps_negatives_to_zero() =>
        AssertClose(new float[] { 0, 0, 0.5f, 3 }, Run1("Relu", X).Floats!);

    [Fact]
    public void Sigmoid_is_the_logistic_function() =>
        AssertClose(new[] { 0.11920292f, 0.5f, 0.62245933f, 0.95257413f }, Run1("Sigmoid", X).Floats!);

    [Fact]
    public void Sigmoid_saturates_without_overflow() =>
        AssertClose(new[] { 0f, 1f }, Run1("Sigmoid", T.F(T.S(2), -1000, 1000)).Floats!);

    [Fact]
    public void Tanh_is_the_hyperbolic_tangent() =>
        AssertClose(new[] { -0.96402758f, 0f, 0.46211716f, 0.99505475f }, Run1("Tanh", X).Floats!);

    [Fact]
    public void Activations_keep_the_shape() =>
        Assert.Equal(T.S(2, 2), Run1("Tanh", X).Shape);

    [Fact]
    public void Integer_input_is_an_unsupported_element_type() =>
        Assert.Equal(ErrorCodes.UnsupportedElementType,
            Assert.Throws<BakeException>(() => Run1("Relu", T.I(T.S(2), 1, -1))).Code);
}

public class SoftmaxTests
{
    private static float[] SoftmaxOf(params double[] xs)
    {
        double sum = xs.Sum(Math.Exp);
        return xs.Select(x => (float)(Math.Exp(x) / sum)).ToArray();
    }

    [Fact]
    public void Opset13_defaults_to_the_last_axis()
    {
        var y = Run("Softmax", new Tensor?[] { T.Range(T.S(2, 3)) }, opset: 13)[0];
        AssertClose(SoftmaxOf(0, 1, 2).Concat(SoftmaxOf(3, 4, 5)).ToArray(), y.Floats!);
    }

    [Fact]
    public void Opset13_axis_0_normalizes_columns()
    {
        var y = Run("Softmax", new Tensor?[] { T.Range(T.S(2, 3)) }, new[] { Int("axis", 0) }, opset: 13)[0];
        var column = SoftmaxOf(0, 3); // every column differs by 3
        AssertClose(new[] { column[0], column[0], column[0], column[1], column[1], column[1] }, y.Floats!);
    }

    [Fact]
    public void Opset13_middle_axis_normalizes_along_that_dimension_only()
    {
        // [2,2,2] along axis 1: groups (0,2), (1,3), (4,6), (5,7), each softmax([a, a+2]).
        var y = Run("Softmax", new Tensor?[] { T.Range(T.S(2, 2, 2)) }, new[] { Int("axis", 1) }, opset: 13)[0];
        var pair = SoftmaxOf(0, 2);
        AssertClose(new[] { pair[0], pair[0], pair[1], pair[1], pair[0], pair[0], pair[1], pair[1] }, y.Floats!);
    }

    [Fact]
    public void Before_opset13_the_input_is_coerced_to_2D_at_axis()
    {
        // [2,2,2] at axis 1 is [2,4]: each half of the data is one group.
        var y = Run("Softmax", new Tensor?[] { T.Range(T.S(2, 2, 2)) }, new[] { Int("axis", 1) }, opset: 11)[0];
        AssertClose(SoftmaxOf(0, 1, 2, 3).Concat(SoftmaxOf(4, 5, 6, 7)).ToArray(), y.Floats!);
        Assert.Equal(T.S(2, 2, 2), y.Shape);
    }

    [Fact]
    public void Before_opset13_the_default_axis_is_1()
    {
        var y = Run("Softmax", new Tensor?[] { T.Range(T.S(2, 2, 2)) }, opset: 12)[0];
        AssertClose(SoftmaxOf(0, 1, 2, 3).Concat(SoftmaxOf(4, 5, 6, 7)).ToArray(), y.Floats!);
    }

    [Fact]
    public void Large_inputs_do_not_overflow() =>
        AssertClose(SoftmaxOf(0, 1), Run1("Softmax", T.F(T.S(1, 2), 1000, 1001)).Floats!);

    [Fact]
    public void Axis_out_of_range_is_unsupported_usage_naming_the_node()
    {
        var e = Assert.Throws<BakeException>(() => Run("Softmax", new Tensor?[] { T.Range(T.S(2, 3)) }, new[] { Int("axis", 2) }));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("'Softmax_0' (Softmax)", e.Message);
    }
}
