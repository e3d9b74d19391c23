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

    [Fact]
    public void Double_and_float16_data_become_float32()
    {
        double[] doubles = { 0.1, 1e300, -2.5, 1.0000000001 };
        var raw = new byte[doubles.Length * 8];
        Buffer.BlockCopy(doubles, 0, raw, 0, raw.Length);
        var fromRaw = new Core.Onnx.Protos.TensorProto { DataType = (int)ElementType.Double, RawData = Google.Protobuf.ByteString.CopyFrom(raw) };
        fromRaw.Dims.Add(4);
        var fromField = new Core.Onnx.Protos.TensorProto { DataType = (int)ElementType.Double };
        fromField.Dims.Add(4);
        fromField.DoubleData.AddRange(doubles);
        foreach (var proto in new[] { fromRaw, fromField })
        {
            var t = TensorConverter.ToTensor(proto, ".");
            Assert.Equal(ElementType.Float32, t.Type);
            Assert.Equal(new[] { 0.1f, float.PositiveInfinity, -2.5f, 1f }, t.Floats); // rounded to nearest
        }

        ushort[] halves = { 0x3555, 0x7C00, 0x0001, 0xC000 };
        var halfRaw = new Core.Onnx.Protos.TensorProto { DataType = (int)ElementType.Float16, RawData = Google.Protobuf.ByteString.CopyFrom(halves.SelectMany(BitConverter.GetBytes).ToArray()) };
        halfRaw.Dims.Add(4);
        var halfField = new Core.Onnx.Protos.TensorProto { DataType = (int)ElementType.Float16 };
        halfField.Dims.Add(4);
        halfField.Int32Data.AddRange(halves.Select(h => (int)h));
        foreach (var proto in new[] { halfRaw, halfField })
            Assert.Equal(new[] { 0.333251953125f, float.PositiveInfinity, 5.9604645E-08f, -2f }, TensorConverter.ToTensor(proto, ".").Floats);
    }
}
