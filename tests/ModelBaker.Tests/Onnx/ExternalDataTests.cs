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

    [Fact]
    public void A_folder_link_inside_the_model_folder_pointing_outside_is_MB1003()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Path("model"));
        Directory.CreateDirectory(dir.Path("secret"));
        File.WriteAllBytes(dir.Path("secret", "w.bin"), FloatBytes(1, 2));
        Directory.CreateSymbolicLink(dir.Path("model", "etc"), dir.Path("secret"));
        string model = Save(AddModel(External("W", 2, "etc/w.bin")), dir.Path("model", "model.onnx"));

        var e = Assert.Throws<BakeException>(() => OnnxModelReader.Load(model));
        Assert.Equal(ErrorCodes.ExternalDataOutsideModelFolder, e.Code);
        Assert.Contains("symbolic link", e.Message);
    }

    [Fact]
    public void A_file_link_pointing_outside_is_MB1003_whatever_its_own_length()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Path("model"));
        File.WriteAllBytes(dir.Path("outside.bin"), FloatBytes(1, 2));
        File.CreateSymbolicLink(dir.Path("model", "w.bin"), dir.Path("outside.bin"));
        string model = Save(AddModel(External("W", 2, "w.bin")), dir.Path("model", "model.onnx"));

        Assert.Equal(ErrorCodes.ExternalDataOutsideModelFolder, Assert.Throws<BakeException>(() => OnnxModelReader.Load(model)).Code);
    }

    [Fact]
    public void Links_that_stay_inside_the_model_folder_are_followed()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.Path("model", "blobs"));
        File.WriteAllBytes(dir.Path("model", "blobs", "d"), FloatBytes(5, 6));
        Directory.CreateSymbolicLink(dir.Path("model", "data"), "blobs");
        File.CreateSymbolicLink(dir.Path("model", "w.bin"), "data/../blobs/d");
        string model = Save(AddModel(External("W", 2, "w.bin")), dir.Path("model", "model.onnx"));

        Assert.Equal(new[] { 5f, 6f }, OnnxModelReader.Load(model)["W"].Constant!.Floats);
    }

    [Fact]
    public void A_link_loop_is_MB1003_not_a_hang()
    {
        using var dir = new TempFolder();
        File.CreateSymbolicLink(dir.Path("a.bin"), "b.bin");
        File.CreateSymbolicLink(dir.Path("b.bin"), "a.bin");
        string model = Save(AddModel(External("W", 2, "a.bin")), dir.Path("model.onnx"));
        Assert.Equal(ErrorCodes.ExternalDataOutsideModelFolder, Assert.Throws<BakeException>(() => OnnxModelReader.Load(model)).Code);
    }

    [Fact]
    public async System.Threading.Tasks.Task A_fifo_is_refused_without_being_opened()
    {
        if (OperatingSystem.IsWindows()) return; // no FIFOs in the file system there
        using var dir = new TempFolder();
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", dir.Path("pipe.bin"))) mkfifo.WaitForExit();
        Assert.True(File.Exists(dir.Path("pipe.bin")));
        foreach (long? length in new long?[] { null, 8 })
        {
            string model = Save(AddModel(External("W", 2, "pipe.bin", length: length)), dir.Path("model.onnx"));
            var load = System.Threading.Tasks.Task.Run(() => OnnxModelReader.Load(model));
            Assert.True(await System.Threading.Tasks.Task.WhenAny(load, System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(30))) == load, "Reading a FIFO blocked the bake.");
            var e = Assert.IsType<BakeException>(load.Exception!.InnerException);
            Assert.Equal(ErrorCodes.ExternalDataMissing, e.Code);
        }
    }

    [Theory]
    [InlineData("w\0.bin")]
    [InlineData("w\n.bin")]
    public void A_location_with_control_characters_is_MB1003_and_shown_escaped(string escaped)
    {
        string location = escaped.Replace("\\0", "\0").Replace("\\n", "\n");
        using var dir = new TempFolder();
        string model = Save(AddModel(External("W", 2, location)), dir.Path("model.onnx"));
        var e = Assert.Throws<BakeException>(() => OnnxModelReader.Load(model));
        Assert.Equal(ErrorCodes.ExternalDataOutsideModelFolder, e.Code);
        Assert.DoesNotContain(location, e.Message);
    }

    [Fact]
    public void External_data_longer_than_the_shape_needs_is_MB1002_before_reading_it()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.Path("w.bin"), FloatBytes(1, 2, 3));
        string model = Save(AddModel(External("W", 2, "w.bin")), dir.Path("model.onnx"));
        var e = Assert.Throws<BakeException>(() => OnnxModelReader.Load(model));
        Assert.Equal(ErrorCodes.ModelUnreadable, e.Code);
        Assert.Contains("needs 8 bytes", e.Message);
    }

    [Fact]
    public void A_huge_offset_is_reported_without_overflow()
    {
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.Path("w.bin"), FloatBytes(1, 2));
        string model = Save(AddModel(External("W", 2, "w.bin", offset: long.MaxValue - 4, length: 8)), dir.Path("model.onnx"));
        var e = Assert.Throws<BakeException>(() => OnnxModelReader.Load(model));
        Assert.Equal(ErrorCodes.ExternalDataMissing, e.Code);
        Assert.Contains($"offset {long.MaxValue - 4}", e.Message);
        Assert.DoesNotContain("-", e.Message.Replace("re-", "").Replace("-name", ""));
    }
}
