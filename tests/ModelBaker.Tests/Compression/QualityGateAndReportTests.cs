using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Reporting;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Compression;

public sealed class QualityGateAndReportTests
{
    private static BakeOptions Validated(float sparsity, double? maxDrop, bool reconstruction = true) =>
        SampleModels.DigitsOptions(sparsity) with
        {
            ValidationPath = TestData.Path("sample", "data", "digits_test_x.npy"),
            ValidationLabelsPath = TestData.Path("sample", "data", "digits_test_y.npy"),
            MaxAccuracyDrop = maxDrop,
            Reconstruction = reconstruction,
        };

    [Fact]
    public void A_model_that_loses_too_much_accuracy_fails_with_MB1401_stating_both_numbers()
    {
        // Without calibration data there is no automatic recovery: the gate judges the bake as asked for.
        var e = Assert.Throws<BakeException>(() => Baker.BakeWithReport(Validated(0.9f, maxDrop: 1, reconstruction: false) with { CalibrationPath = null }, new RecordingLog()));
        Assert.Equal(ErrorCodes.AccuracyGateFailed, e.Code);
        Assert.Matches(@"fell from 98\.61% \(float model\) to \d+\.\d\d% \(baked\), a drop of \d+\.\d\d points, more than MaxAccuracyDrop=1", e.Message);
    }

    [Fact]
    public void A_model_within_the_limit_passes_and_the_report_holds_the_validation()
    {
        var (plan, report) = Baker.BakeWithReport(Validated(0.5f, maxDrop: 1), new RecordingLog());
        var v = report.Validation!;
        Assert.Equal(359, v.Samples);
        Assert.Equal(98.61, v.FloatTop1!.Value, 2);
        Assert.Equal(98.33, v.BakedTop1!.Value, 2);
        Assert.Equal(v.FloatTop1!.Value - v.BakedTop1!.Value, v.Drop!.Value, 9);
        Assert.Contains("top-1 98.61% → 98.33% on 359 validation samples", report.Summary("Samples.DigitsMlp"));
        // Recovery judged the bake on the Validation data, within budget: nothing held back, nothing escalated.
        Assert.Equal("validation", report.Recovery!.JudgedOn);
        Assert.Equal("as requested", Assert.Single(report.Recovery.Steps).Name);
    }

    [Fact]
    public void Without_labels_the_gate_measures_agreement_with_the_float_model()
    {
        var options = Validated(0.5f, maxDrop: 5) with { ValidationLabelsPath = null };
        var report = Baker.BakeWithReport(options, new RecordingLog()).Report;
        Assert.Null(report.Validation!.FloatTop1);
        Assert.InRange(report.Validation.Agreement!.Value, 95, 100);
    }

    [Fact]
    public void Report_numbers_agree_with_the_plan()
    {
        var (plan, report) = Baker.BakeWithReport(SampleModels.DigitsOptions(0.5f), new RecordingLog());
        Assert.Equal(plan.WeightBytes, report.BakedWeightBytes);
        Assert.Equal(plan.ArenaBytes, report.ArenaBytes);
        Assert.Equal(Core.Plan.MemoryPlanner.LowerBoundBytes(plan.Inputs, plan.Outputs, plan.Kernels), report.ArenaLowerBoundBytes);
        Assert.True(report.ArenaLowerBoundBytes > 0 && report.ArenaLowerBoundBytes <= report.ArenaBytes);
        Assert.Equal(plan.Header.FloatWeightBytes, report.FloatWeightBytes);
        Assert.Equal(plan.Kernels.Count, report.Layers.Count);
        Assert.Equal(plan.Kernels.Sum(k => k.WeightBytes), report.Layers.Sum(l => l.Bytes));
        long zeros = plan.Kernels.Sum(k => (long)k.ZeroParameters), parameters = plan.Kernels.Sum(k => (long)k.Parameters);
        Assert.Equal((double)zeros / parameters, report.AchievedSparsity, 9);
        Assert.InRange(report.AchievedSparsity, 0.49, 0.52); // int8 rounding may zero a few more weights
        Assert.All(report.Layers, l => Assert.InRange(l.OutputError!.Value, 0, 0.2));

        string json = report.ToJson();
        foreach (string field in new[] { "floatWeightBytes", "bakedWeightBytes", "arenaBytes", "achievedSparsity", "layers", "name", "op", "parameters", "sparsity", "encoding", "bytes", "clusters", "outputError" })
            Assert.Contains($"\"{field}\": ", json);
        Assert.Contains($"\"bakedWeightBytes\": {plan.WeightBytes},", json);
    }
}
