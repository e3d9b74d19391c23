using ModelBaker.Tests.Support;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Onnx;
using static ModelBaker.Tests.Onnx.ProtoBuilder;

namespace ModelBaker.Tests.Onnx;

public class ExternalDataTests
{
    [Fact]
    public void External_initializer_is_read_from_beside_the_model()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Path("weights"));
        // 8 bytes of something else first, so the offset matters.
        File.WriteAllBytes(dir.Path("weights", "w.bin"), FloatBytes(-9, -9, 1.5f, -2.25f, -9));
        string model = Save(AddModel(External("W", 2, "weights/w.bin", offset: 8, length: 8)), dir.Path("model.onnx"));

        var g = OnnxModelReader.Load(model);
        Assert.Equal(new[] { 1.5f, -2.25f }, g["W"].Constant!.Floats);
    }

    [Fact]
    public void External_data_without_offset_and_length_is_the_whole_file()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.Path("w.bin"), FloatBytes(3, 4));
        string model = Save(AddModel(External("W", 2, "w.bin")), dir.Path("model.onnx"));
        Assert.Equal(new[] { 3f, 4f }, OnnxModelReader.Load(model)["W"].Constant!.Floats);
    }

    [Fact]
    public void Location_escaping_the_model_folder_is_MB1003()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Path("model"));
        File.WriteAllBytes(dir.Path("escape.bin"), FloatBytes(1, 2)); // exists: refusing it is about the path
        string model = Save(AddModel(External("W", 2, "../escape.bin")), dir.Path("model", "model.onnx"));

        var e = Assert.Throws<BakeException>(() => OnnxModelReader.Load(model));
        Assert.Equal(ErrorCodes.ExternalDataOutsideModelFolder, e.Code);
        Assert.Contains("'W'", e.Message);
    }

    [Theory]
    [InlineData("sub/../../escape.bin")]
    [InlineData("/etc/passwd")]
    [InlineData("\\escape.bin")]
    public void Absolute_or_sneaky_locations_are_MB1003(string location)
    {
        using var dir = new TempFolder();
        string model = Save(AddModel(External("W", 2, location)), dir.Path("model.onnx"));
        Assert.Equal(ErrorCodes.ExternalDataOutsideModelFolder, Assert.Throws<BakeException>(() => OnnxModelReader.Load(model)).Code);
    }

    [Fact]
    public void Missing_external_file_is_MB1004()
    {
        using var dir = new TempFolder();
        string model = Save(AddModel(External("W", 2, "gone.bin")), dir.Path("model.onnx"));
        var e = Assert.Throws<BakeException>(() => OnnxModelReader.Load(model));
        Assert.Equal(ErrorCodes.ExternalDataMissing, e.Code);
        Assert.Contains("gone.bin", e.Message);
    }

    [Fact]
    public void Range_past_the_end_of_the_file_is_MB1004()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.Path("w.bin"), FloatBytes(1, 2));
        string model = Save(AddModel(External("W", 2, "w.bin", offset: 4, length: 8)), dir.Path("model.onnx"));
        Assert.Equal(ErrorCodes.ExternalDataMissing, Assert.Throws<BakeException>(() => OnnxModelReader.Load(model)).Code);
    }
}
