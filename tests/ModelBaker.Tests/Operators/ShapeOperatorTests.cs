using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Passes;
using static ModelBaker.Tests.Operators.GraphBuilder;
using static ModelBaker.Tests.Operators.OperatorTestRunner;

namespace ModelBaker.Tests.Operators;

public class FlattenTests
{
    [Theory]
    [InlineData(0, 1, 24)]
    [InlineData(1, 2, 12)]
    [InlineData(2, 6, 4)]
    [InlineData(3, 24, 1)]
    [InlineData(-1, 6, 4)]
    [InlineData(-2, 2, 12)]
    [InlineData(-3, 1, 24)]
    public void Axis_splits_the_dimensions(int axis, int rows, int columns)
    {
        var x = T.Range(T.S(2, 3, 4));
        var y = Run("Flatten", new Tensor?[] { x }, new[] { Int("axis", axis) })[0];
        Assert.Equal(T.S(rows, columns), y.Shape);
        Assert.Equal(x.Floats, y.Floats);
    }

    [Fact]
    public void Default_axis_is_1() => Assert.Equal(T.S(2, 12), Run1("Flatten", T.Range(T.S(2, 3, 4))).Shape);

    [Fact]
    public void Axis_beyond_the_rank_is_unsupported_usage() =>
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, Assert.Throws<BakeException>(
            () => Run("Flatten", new Tensor?[] { T.Range(T.S(2, 3)) }, new[] { Int("axis", 3) })).Code);
}

public class ReshapeTests
{
    private static Tensor Reshape(Tensor x, long[] shape, int allowZero = 0) =>
        Run("Reshape", new Tensor?[] { x, T.I(T.S(shape.Length), shape) }, new[] { Int("allowzero", allowZero) },
            constants: new Dictionary<int, Tensor> { [1] = T.I(T.S(shape.Length), shape) })[0];

    [Theory]
    [InlineData(new long[] { 0, -1 }, new[] { 2, 12 })]
    [InlineData(new long[] { -1 }, new[] { 24 })]
    [InlineData(new long[] { 4, 0, 2 }, new[] { 4, 3, 2 })]
    [InlineData(new long[] { 0, 0, -1 }, new[] { 2, 3, 4 })]
    [InlineData(new long[] { 1, -1, 2, 3 }, new[] { 1, 4, 2, 3 })]
    [InlineData(new long[] { 6, 4 }, new[] { 6, 4 })]
    public void Zero_copies_and_minus_one_infers(long[] shape, int[] expected)
    {
        var x = T.Range(T.S(2, 3, 4));
        var y = Reshape(x, shape);
        Assert.Equal(expected, y.Shape);
        Assert.Equal(x.Floats, y.Floats);
    }

    [Fact]
    public void With_allowzero_a_zero_is_a_real_zero_dimension()
    {
        var e = Assert.Throws<BakeException>(() => Reshape(T.Range(T.S(2, 12)), new long[] { 0, 12 }, allowZero: 1));
        Assert.Equal(ErrorCodes.ShapeError, e.Code);
        Assert.Contains("[0,12]", e.Message);
    }

    [Fact]
    public void Two_minus_ones_are_a_shape_error() =>
        Assert.Equal(ErrorCodes.ShapeError,
            Assert.Throws<BakeException>(() => Reshape(T.Range(T.S(2, 3, 4)), new long[] { -1, -1 })).Code);

    [Fact]
    public void Element_count_mismatch_is_a_shape_error_with_both_shapes()
    {
        var e = Assert.Throws<BakeException>(() => Reshape(T.Range(T.S(2, 3, 4)), new long[] { 5, 5 }));
        Assert.Equal(ErrorCodes.ShapeError, e.Code);
        Assert.Contains("[2,3,4]", e.Message);
        Assert.Contains("[5,5]", e.Message);
    }

    [Fact]
    public void Shape_computed_at_run_time_is_unsupported_usage_naming_the_node()
    {
        var graph = new GraphBuilder().Input("x", 2, 3).Input("shape", ElementType.Int64, 2)
            .Node("Reshape", new[] { "x", "shape" }, new[] { "y" }).Output("y").Graph;
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(graph));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("'Reshape_0' (Reshape)", e.Message);
        Assert.Contains("'shape'", e.Message);
    }
}

public class IdentityAndDropoutTests
{
    [Fact]
    public void Identity_copies_any_type()
    {
        var y = Run1("Identity", T.I(T.S(3), 1, 2, 3));
        Assert.Equal(ElementType.Int64, y.Type);
        Assert.Equal(new long[] { 1, 2, 3 }, y.Int64s);
    }

    [Fact]
    public void Dropout_is_identity_and_its_mask_is_all_true()
    {
        var x = T.Range(T.S(2, 2));
        var outputs = Run("Dropout", new Tensor?[] { x }, outputCount: 2, opset: 13);
        Assert.Equal(x.Floats, outputs[0].Floats);
        Assert.Equal(ElementType.Bool, outputs[1].Type);
        Assert.Equal(T.S(2, 2), outputs[1].Shape);
        Assert.All(outputs[1].Int64s!, v => Assert.Equal(1L, v));
    }

    [Fact]
    public void Dropout_before_opset10_has_a_mask_of_the_input_type()
    {
        var outputs = Run("Dropout", new Tensor?[] { T.Range(T.S(3)) }, outputCount: 2, opset: 7);
        Assert.Equal(new float[] { 1, 1, 1 }, outputs[1].Floats);
    }

    [Fact]
    public void Dropout_ignores_the_ratio_when_training_mode_is_false()
    {
        var x = T.Range(T.S(4));
        var inputs = new Tensor?[] { x, T.F(T.S(), 0.5f), Tensor.FromInt64s(T.S(), new[] { 0L }, ElementType.Bool) };
        var y = Run("Dropout", inputs, constants: new Dictionary<int, Tensor> { [1] = inputs[1]!, [2] = inputs[2]! })[0];
        Assert.Equal(x.Floats, y.Floats);
    }

    [Fact]
    public void Dropout_in_training_mode_is_unsupported_usage()
    {
        var inputs = new Tensor?[] { T.Range(T.S(4)), null, Tensor.FromInt64s(T.S(), new[] { 1L }, ElementType.Bool) };
        var e = Assert.Throws<BakeException>(() => Run("Dropout", inputs, constants: new Dictionary<int, Tensor> { [2] = inputs[2]! }));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("'Dropout_0' (Dropout)", e.Message);
    }
}
