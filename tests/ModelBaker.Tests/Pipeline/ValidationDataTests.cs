using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Pipeline;

/// <summary>
/// Validation data that repeats the calibration data cannot judge the bake: MB1307 says so with the count, and the
/// report's summary line and JSON mark the figures as optimistic.
/// </summary>
public sealed class ValidationDataTests
{
    private static BakeOptions Options(string validation) => SampleModels.DigitsOptions() with { ValidationPath = validation };

    [Fact]
    public void Validating_on_the_calibration_file_warns_MB1307_with_the_count()
    {
        var log = new RecordingLog();
        var (_, report) = Baker.BakeWithReport(Options(SampleModels.DigitsCalibration), log);
        int count = SampleModels.Rows(SampleModels.DigitsCalibration).Length;
        var warning = Assert.Single(log.Warnings, w => w.Code == ErrorCodes.ValidationIsCalibration);
        Assert.Contains($"{count} of the {count} validation samples", warning.Message);
        // The report says so too: in the summary line a build prints, and in the JSON.
        Assert.EndsWith($" (optimistic: {count} of the {count} validation samples are calibration samples)", report.Summary("DigitsMlp"));
        Assert.Contains($"\"calibrationSamples\": {count}", report.ToJson());
    }

    [Fact]
    public void Validation_data_with_some_calibration_samples_warns_with_their_number()
    {
        using var folder = new TempFolder();
        var calibration = SampleModels.Rows(SampleModels.DigitsCalibration);
        var heldOut = SampleModels.DigitsTestInputs();
        // Ten held-out digits, then three calibration ones.
        string mixed = folder.Path("mixed.npy");
        Npy.Write(mixed, heldOut.Take(10).Concat(calibration.Skip(5).Take(3)).ToArray());
        var log = new RecordingLog();
        Baker.Bake(Options(mixed), log);
        var warning = Assert.Single(log.Warnings, w => w.Code == ErrorCodes.ValidationIsCalibration);
        Assert.Contains("3 of the 13 validation samples", warning.Message);
    }

    [Fact]
    public void Held_out_validation_data_does_not_warn()
    {
        var log = new RecordingLog();
        var (_, report) = Baker.BakeWithReport(Options(TestData.Path("sample", "data", "digits_test_x.npy")), log);
        Assert.DoesNotContain(log.Warnings, w => w.Code == ErrorCodes.ValidationIsCalibration);
        Assert.DoesNotContain("optimistic", report.Summary("DigitsMlp"));
        Assert.DoesNotContain("calibrationSamples", report.ToJson());
    }
}
