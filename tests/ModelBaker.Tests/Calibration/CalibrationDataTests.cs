using System.Text;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Calibration;

/// <summary>
/// Calibration files as careless users and hostile ones write them: headers with garbage, overflowing or negative
/// shapes, NaN and ±Inf values, the [features, samples] layout, data that is one value everywhere or one outlier away
/// from useless. Each gets its coded error or warning; none reaches the bake as an internal error.
/// </summary>
public sealed class CalibrationDataTests
{
    /// <summary>A float32 .npy whose header says <paramref name="shape"/> and whose data is <paramref name="values"/>.</summary>
    private static string WriteNpy(TempFolder dir, string shape, float[] values, string descr = "<f4")
    {
        string path = dir.Path("data.npy");
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({shape}), }}";
        header = header.PadRight((header.Length + 11 + 63) / 64 * 64 - 11) + "\n";
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
        writer.Write((ushort)header.Length);
        writer.Write(Encoding.ASCII.GetBytes(header));
        foreach (float v in values) writer.Write(v);
        return path;
    }

    private static BakeException Refusal(string calibration)
    {
        var options = SampleModels.DigitsOptions(0f) with { CalibrationPath = calibration };
        return Assert.Throws<BakeException>(() => Baker.Bake(options, new RecordingLog()));
    }

    private static RecordingLog Bake(string calibration)
    {
        var log = new RecordingLog();
        Baker.Bake(SampleModels.DigitsOptions(0f) with { CalibrationPath = calibration, Reconstruction = false }, log);
        return log;
    }

    private static float[] Digits(int samples) => SampleModels.DigitsTestInputs().Take(samples).SelectMany(x => x).ToArray();

    [Theory]
    [InlineData("abc, 64")]
    [InlineData("-200, -64")]
    [InlineData("-200, 64")]
    [InlineData("99999999999999999999, 64")]
    [InlineData("65536, 65536")]
    [InlineData("1.5, 64")]
    public void A_header_shape_that_is_garbage_negative_or_overflowing_is_MB1301(string shape)
    {
        using var dir = new TempFolder();
        var e = Refusal(WriteNpy(dir, shape, Digits(4)));
        Assert.Equal(ErrorCodes.CalibrationUnreadable, e.Code);
        Assert.Contains("shape", e.Message);
    }

    [Fact]
    public void Header_garbage_and_an_absurd_header_length_are_MB1301()
    {
        using var dir = new TempFolder();
        string path = dir.Path("data.npy");
        File.WriteAllBytes(path, new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
        Assert.Equal(ErrorCodes.CalibrationUnreadable, Refusal(path).Code);
        File.WriteAllBytes(path, new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 0xFF, 0xFF, 0xFF, 0x7F });
        Assert.Equal(ErrorCodes.CalibrationUnreadable, Refusal(path).Code);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void Non_finite_values_are_MB1304_naming_the_sample(float bad, string shown)
    {
        using var dir = new TempFolder();
        var values = Digits(8);
        values[3 * 64 + 5] = bad;
        var e = Refusal(WriteNpy(dir, "8, 64", values));
        Assert.Equal(ErrorCodes.CalibrationNotFinite, e.Code);
        Assert.Contains($"{shown} in sample 3, element 5", e.Message);
    }

    [Fact]
    public void All_NaN_data_is_MB1304()
    {
        using var dir = new TempFolder();
        Assert.Equal(ErrorCodes.CalibrationNotFinite, Refusal(WriteNpy(dir, "4, 64", Enumerable.Repeat(float.NaN, 256).ToArray())).Code);
    }

    [Fact]
    public void Float64_values_beyond_float32_are_MB1304()
    {
        using var dir = new TempFolder();
        string path = dir.Path("data.npy");
        string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 64), }";
        header = header.PadRight((header.Length + 11 + 63) / 64 * 64 - 11) + "\n";
        using (var writer = new BinaryWriter(File.Create(path)))
        {
            writer.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
            writer.Write((ushort)header.Length);
            writer.Write(Encoding.ASCII.GetBytes(header));
            for (int i = 0; i < 64; i++) writer.Write(i == 0 ? 1e300 : 0.5);
        }
        Assert.Equal(ErrorCodes.CalibrationNotFinite, Refusal(path).Code);
    }

    [Fact]
    public void The_features_by_samples_layout_is_MB1302_with_the_transpose_hint()
    {
        using var dir = new TempFolder();
        var samples = SampleModels.DigitsTestInputs().Take(200).ToArray();
        var transposed = Enumerable.Range(0, 64).SelectMany(f => samples.Select(s => s[f])).ToArray();
        var e = Refusal(WriteNpy(dir, "64, 200", transposed));
        Assert.Equal(ErrorCodes.CalibrationShapeMismatch, e.Code);
        Assert.Contains("[features, samples]", e.Message);
        Assert.Contains("x.T", e.Message);
    }

    [Fact]
    public void Samples_first_and_flat_files_are_accepted()
    {
        using var dir = new TempFolder();
        Assert.Empty(Bake(WriteNpy(dir, "16, 64", Digits(16))).Warnings);
        Assert.Empty(Bake(WriteNpy(dir, "1024,", Digits(16))).Warnings);
        Assert.Empty(Bake(WriteNpy(dir, "16, 8, 8", Digits(16))).Warnings);
    }

    [Fact]
    public void Data_that_is_one_value_everywhere_warns_MB1306()
    {
        using var dir = new TempFolder();
        var log = Bake(WriteNpy(dir, "16, 64", new float[16 * 64]));
        var warning = Assert.Single(log.Warnings, w => w.Code == ErrorCodes.CalibrationDegenerate);
        Assert.Contains("the same value (0) everywhere", warning.Message);
    }

    [Fact]
    public void One_huge_outlier_warns_MB1306_naming_it()
    {
        using var dir = new TempFolder();
        var values = Digits(32);
        values[100] = 3e38f;
        var log = Bake(WriteNpy(dir, "32, 64", values));
        var warning = Assert.Single(log.Warnings, w => w.Code == ErrorCodes.CalibrationDegenerate);
        Assert.Contains("3E+38", warning.Message);
    }
}
