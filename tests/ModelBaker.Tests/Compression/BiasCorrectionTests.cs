using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Compression;

public sealed class BiasCorrectionTests
{
    private static BakeOptions Cnn(bool correct) =>
        new(TestData.Path("sample", "models", "digits_cnn.onnx"), "DigitsCnn", "Samples")
        {
            Sparsity = 0.75f,
            Clusters = 16,
            BiasCorrection = correct,
            CalibrationPath = SampleModels.DigitsCalibration,
            ValidationPath = TestData.Path("sample", "data", "digits_test_x.npy"),
            ValidationLabelsPath = TestData.Path("sample", "data", "digits_test_y.npy"),
        };

    [Fact]
    public void CorrectingTheMeanRoundingErrorRecoversAccuracyOfAHeavilyCompressedCnn()
    {
        double without = Baker.BakeWithReport(Cnn(false), new RecordingLog()).Report.Validation!.BakedTop1!.Value;
        double with = Baker.BakeWithReport(Cnn(true), new RecordingLog()).Report.Validation!.BakedTop1!.Value;
        Assert.True(with > without, $"with bias correction {with:F2}%, without {without:F2}%");
    }
}
