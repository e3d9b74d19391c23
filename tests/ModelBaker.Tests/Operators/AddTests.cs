using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using static ModelBaker.Tests.Operators.OperatorTestRunner;

namespace ModelBaker.Tests.Operators;

public class AddTests
{
    [Fact]
    public void Same_shapes_add_element_wise() =>
        AssertClose(new float[] { 11, 22 }, Run1("Add", T.F(T.S(2), 1, 2), T.F(T.S(2), 10, 20)).Floats!);

    [Fact]
    public void A_bias_of_shape_N_broadcasts_over_rows()
    {
        var y = Run1("Add", T.Range(T.S(2, 3)), T.F(T.S(3), 10, 20, 30));
        Assert.Equal(T.S(2, 3), y.Shape);
        AssertClose(new float[] { 10, 21, 32, 13, 24, 35 }, y.Floats!);
    }

    [Fact]
    public void Both_operands_can_broadcast()
    {
        var y = Run1("Add", T.F(T.S(2, 1), 100, 200), T.F(T.S(1, 3), 1, 2, 3));
        Assert.Equal(T.S(2, 3), y.Shape);
        AssertClose(new float[] { 101, 102, 103, 201, 202, 203 }, y.Floats!);
    }

    [Fact]
    public void Lower_rank_operand_aligns_to_the_right()
    {
        var y = Run1("Add", T.F(T.S(2, 1, 1), 100, 200), T.F(T.S(2, 2), 1, 2, 3, 4));
        Assert.Equal(T.S(2, 2, 2), y.Shape);
        AssertClose(new float[] { 101, 102, 103, 104, 201, 202, 203, 204 }, y.Floats!);
    }

    [Fact]
    public void Scalar_adds_everywhere() =>
        AssertClose(new float[] { 1.5f, 2.5f }, Run1("Add", T.F(T.S(), 0.5f), T.F(T.S(2), 1, 2)).Floats!);

    [Fact]
    public void Int64_shapes_add_exactly()
    {
        var y = Run1("Add", T.I(T.S(2), 4_000_000_000L, 3), T.I(T.S(), 1));
        Assert.Equal(ElementType.Int64, y.Type);
        Assert.Equal(new long[] { 4_000_000_001L, 4 }, y.Int64s);
    }

    [Fact]
    public void Incompatible_shapes_are_a_shape_error_with_both_shapes()
    {
        var e = Assert.Throws<BakeException>(() => Run1("Add", T.Range(T.S(2, 3)), T.Range(T.S(2))));
        Assert.Equal(ErrorCodes.ShapeError, e.Code);
        Assert.Contains("[2,3]", e.Message);
        Assert.Contains("[2]", e.Message);
        Assert.Contains("'Add_0' (Add)", e.Message);
    }

    [Fact]
    public void Mixed_element_types_are_an_invalid_graph() =>
        Assert.Equal(ErrorCodes.InvalidGraph,
            Assert.Throws<BakeException>(() => Run1("Add", T.F(T.S(1), 1), T.I(T.S(1), 1))).Code);
}
