using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using static ModelBaker.Tests.Operators.GraphBuilder;
using static ModelBaker.Tests.Operators.OperatorTestRunner;

namespace ModelBaker.Tests.Operators;

public class GemmTests
{
    // A = [[1,2,3],[4,5,6]], B = [[1,2],[3,4],[5,6]]: A·B = [[22,28],[49,64]].
    private static readonly float[] A = { 1, 2, 3, 4, 5, 6 };
    private static readonly float[] ATransposed = { 1, 4, 2, 5, 3, 6 };
    private static readonly float[] B = { 1, 2, 3, 4, 5, 6 };
    private static readonly float[] BTransposed = { 1, 3, 5, 2, 4, 6 };

    private static Tensor GemmOf(int transA, int transB, Tensor? c, float alpha = 1, float beta = 1)
    {
        var a = transA == 1 ? T.F(T.S(3, 2), ATransposed) : T.F(T.S(2, 3), A);
        var b = transB == 1 ? T.F(T.S(2, 3), BTransposed) : T.F(T.S(3, 2), B);
        var inputs = c == null ? new Tensor?[] { a, b } : new Tensor?[] { a, b, c };
        return Run("Gemm", inputs, new[] { Int("transA", transA), Int("transB", transB), Float("alpha", alpha), Float("beta", beta) })[0];
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    public void Transposes_select_the_same_product(int transA, int transB)
    {
        var y = GemmOf(transA, transB, null);
        Assert.Equal(T.S(2, 2), y.Shape);
        AssertClose(new float[] { 22, 28, 49, 64 }, y.Floats!);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    public void Alpha_scales_the_product_and_beta_scales_C(int transA, int transB)
    {
        var y = GemmOf(transA, transB, T.F(T.S(2, 2), 1, 2, 3, 4), alpha: 2f, beta: 0.5f);
        AssertClose(new float[] { 44.5f, 57, 99.5f, 130 }, y.Floats!);
    }

    [Fact]
    public void C_of_shape_N_broadcasts_along_rows() =>
        AssertClose(new float[] { 32, 48, 59, 84 }, GemmOf(0, 0, T.F(T.S(2), 10, 20)).Floats!);

    [Fact]
    public void C_of_shape_M_by_1_broadcasts_along_columns() =>
        AssertClose(new float[] { 32, 38, 69, 84 }, GemmOf(0, 0, T.F(T.S(2, 1), 10, 20)).Floats!);

    [Fact]
    public void Scalar_C_broadcasts_everywhere() =>
        AssertClose(new float[] { 23, 29, 50, 65 }, GemmOf(0, 0, T.F(T.S(), 1)).Floats!);

    [Fact]
    public void Defaults_are_alpha_1_beta_1_no_transpose()
    {
        var y = Run("Gemm", new Tensor?[] { T.F(T.S(2, 3), A), T.F(T.S(3, 2), B), T.F(T.S(2), 1, 1) })[0];
        AssertClose(new float[] { 23, 29, 50, 65 }, y.Floats!);
    }

    [Fact]
    public void Mismatched_inner_dimensions_are_a_shape_error_naming_the_node()
    {
        var e = Assert.Throws<BakeException>(() => Run("Gemm", new Tensor?[] { T.F(T.S(2, 3), A), T.F(T.S(2, 3), A) }));
        Assert.Equal(ErrorCodes.ShapeError, e.Code);
        Assert.Contains("'Gemm_0' (Gemm)", e.Message);
        Assert.Contains("[2,3]", e.Message);
    }

    [Fact]
    public void C_that_does_not_broadcast_is_a_shape_error()
    {
        var e = Assert.Throws<BakeException>(() => GemmOf(0, 0, T.F(T.S(3), 1, 2, 3)));
        Assert.Equal(ErrorCodes.ShapeError, e.Code);
        Assert.Contains("[3]", e.Message);
    }
}
