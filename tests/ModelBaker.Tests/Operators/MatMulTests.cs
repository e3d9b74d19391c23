using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using static ModelBaker.Tests.Operators.OperatorTestRunner;

namespace ModelBaker.Tests.Operators;

public class MatMulTests
{
    private static readonly Tensor B = T.F(T.S(3, 2), 1, 2, 3, 4, 5, 6);

    [Fact]
    public void Two_matrices()
    {
        var y = Run1("MatMul", T.F(T.S(2, 3), 1, 2, 3, 4, 5, 6), B);
        Assert.Equal(T.S(2, 2), y.Shape);
        AssertClose(new float[] { 22, 28, 49, 64 }, y.Floats!);
    }

    [Fact]
    public void One_dimensional_A_is_a_row_vector_and_its_dimension_is_dropped()
    {
        var y = Run1("MatMul", T.F(T.S(3), 1, 2, 3), B);
        Assert.Equal(T.S(2), y.Shape);
        AssertClose(new float[] { 22, 28 }, y.Floats!);
    }

    [Fact]
    public void One_dimensional_B_is_a_column_vector_and_its_dimension_is_dropped()
    {
        var y = Run1("MatMul", T.F(T.S(2, 3), 1, 2, 3, 4, 5, 6), T.F(T.S(3), 1, 1, 1));
        Assert.Equal(T.S(2), y.Shape);
        AssertClose(new float[] { 6, 15 }, y.Floats!);
    }

    [Fact]
    public void Two_vectors_give_a_scalar()
    {
        var y = Run1("MatMul", T.F(T.S(3), 1, 2, 3), T.F(T.S(3), 4, 5, 6));
        Assert.Empty(y.Shape);
        AssertClose(new float[] { 32 }, y.Floats!);
    }

    [Fact]
    public void Batched_A_shares_one_B()
    {
        var y = Run1("MatMul", T.Range(T.S(2, 2, 3)), B);
        Assert.Equal(T.S(2, 2, 2), y.Shape);
        AssertClose(new float[] { 13, 16, 40, 52, 67, 88, 94, 124 }, y.Floats!);
    }

    [Fact]
    public void Batch_dimensions_broadcast_both_ways()
    {
        // A [2,1,2,3] and B [3,3,2] broadcast to batch [2,3]; each output matrix is A[i,0] · B[j].
        var a = T.Range(T.S(2, 1, 2, 3));
        var b = T.Range(T.S(3, 3, 2), 0.5f);
        var y = Run1("MatMul", a, b);
        Assert.Equal(T.S(2, 3, 2, 2), y.Shape);
        for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
        for (int r = 0; r < 2; r++)
        for (int c = 0; c < 2; c++)
        {
            float expected = 0;
            for (int k = 0; k < 3; k++) expected += a.Floats![i * 6 + r * 3 + k] * b.Floats![j * 6 + k * 2 + c];
            Assert.Equal(expected, y.Floats![((i * 3 + j) * 2 + r) * 2 + c]);
        }
    }

    [Fact]
    public void Mismatched_inner_dimensions_are_a_shape_error()
    {
        var e = Assert.Throws<BakeException>(() => Run1("MatMul", T.F(T.S(2, 2), 1, 2, 3, 4), B));
        Assert.Equal(ErrorCodes.ShapeError, e.Code);
        Assert.Contains("[3,2]", e.Message);
    }

    [Fact]
    public void Batch_dimensions_that_do_not_broadcast_are_a_shape_error()
    {
        var e = Assert.Throws<BakeException>(() => Run1("MatMul", T.Range(T.S(2, 2, 3)), T.Range(T.S(3, 3, 2))));
        Assert.Equal(ErrorCodes.ShapeError, e.Code);
    }
}
