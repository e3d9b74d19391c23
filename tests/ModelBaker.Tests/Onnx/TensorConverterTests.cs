using ModelBaker.Tests.Support;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;

namespace ModelBaker.Tests.Onnx;

public class TensorConverterTests
{
    [Fact]
    public void Reads_an_onnx_test_data_file()
    {
        var t = TensorConverter.ReadTensorFile(TestData.Path("models", "mnist8", "test_data_set_0", "input_0.pb"));
        Assert.Equal(ElementType.Float32, t.Type);
        Assert.Equal(new[] { 1, 1, 28, 28 }, t.Shape);

        var output = TensorConverter.ReadTensorFile(TestData.Path("models", "mnist8", "test_data_set_0", "output_0.pb"));
        Assert.Equal(new[] { 1, 10 }, output.Shape);
    }

    [Fact]
    public void Written_tensor_files_read_back_equal()
    {
        using var dir = new TempFolder();
        var tensors = new[]
        {
            Tensor.FromFloats(new[] { 2, 2 }, new[] { 1f, -0.5f, float.NaN, float.NegativeInfinity }),
            Tensor.FromInt64s(new[] { 3 }, new long[] { -5, 0, long.MaxValue }),
            Tensor.FromInt64s(new[] { 2 }, new long[] { -128, 127 }, ElementType.Int8),
            Tensor.FromInt64s(new[] { 2 }, new long[] { 0, 1 }, ElementType.Bool),
        };
        foreach (var t in tensors)
        {
            TensorConverter.WriteTensorFile(t, dir.Path("t.pb"), "t");
            GraphAssert.TensorEqual(t, TensorConverter.ReadTensorFile(dir.Path("t.pb")), t.ToString());
        }
    }

    [Fact]
    public void Missing_and_garbage_tensor_files_are_reported()
    {
        using var dir = new TempFolder();
        Assert.Equal(ErrorCodes.ModelNotFound, Assert.Throws<BakeException>(() => TensorConverter.ReadTensorFile(dir.Path("none.pb"))).Code);
        File.WriteAllText(dir.Path("bad.pb"), "hello");
        Assert.Equal(ErrorCodes.ModelUnreadable, Assert.Throws<BakeException>(() => TensorConverter.ReadTensorFile(dir.Path("bad.pb"))).Code);
    }
}
