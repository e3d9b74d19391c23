using ModelBaker.Core.Calibration;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Reporting;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Compression;

/// <summary>
/// Automatic recovery under an accuracy budget (docs/compression.md, "Automatic recovery"): measured on held-back
/// calibration samples (every 5th of the 200 digits: 40) or on Validation, escalated only past the budget, and a coded
/// error when nothing recovers.
/// </summary>
public sealed class AutomaticRecoveryTests
{
    private static BakeOptions Mlp(float sparsity) => SampleModels.DigitsOptions(sparsity);

    private static BakeOptions Model(string name, float sparsity, int? clusters) =>
        new(TestData.Path("sample", "models", name + ".onnx"), "Model", "Samples")
        {
            Sparsity = sparsity,
            Clusters = clusters,
            CalibrationPath = SampleModels.DigitsCalibration,
        };

    [Fact]
    public void Within_budget_the_bake_is_measured_on_held_back_samples_and_not_escalated()
    {
        var log = new RecordingLog();
        var report = Baker.BakeWithReport(Mlp(0.5f), log).Report;

        var recovery = report.Recovery!;
        Assert.Equal("held-back calibration", recovery.JudgedOn);
        Assert.Equal(40, recovery.Samples);
        Assert.Equal(5, recovery.HoldBackEvery);
        Assert.Equal(1, recovery.Budget, 9); // the default 1 point: on 40 samples, not one disagreement
        Assert.True(recovery.DefaultBudget);
        var step = Assert.Single(recovery.Steps);
        Assert.Equal("as requested", step.Name);
        Assert.Equal("Sparsity=\"0.5\"", step.Settings);
        Assert.True(step.WithinBudget);
        Assert.False(recovery.Escalated);
        // The held-back samples are not calibrated on.
        Assert.Contains("Calibrating digits_mlp.onnx on 160 samples (MinMax).", log.Messages);
        Assert.Contains("digits_mlp.onnx: 40 of the 200 calibration samples (one in 5) are held back to judge the compressed model; the other 160 calibrate it.", log.Messages);
        Assert.Contains($", agreement with float {100 - step.Drop:0.00}% on 40 held-back calibration samples", report.Summary("Samples.DigitsMlp"));
        Assert.DoesNotContain("recovered", report.Summary("Samples.DigitsMlp"));
        string json = report.ToJson();
        Assert.Contains("\"recovery\": {", json);
        Assert.Contains("\"judgedOn\": \"held-back calibration\"", json);
        Assert.Contains("\"kept\": \"as requested\"", json);
        Assert.Contains("\"withinBudget\": true", json);
    }

    [Fact]
    public void Plain_int8_holds_nothing_back_and_is_checked_on_its_calibration_samples()
    {
        var log = new RecordingLog();
        var report = Baker.BakeWithReport(Mlp(0), log).Report;
        Assert.Null(report.Recovery);
        Assert.Contains("Calibrating digits_mlp.onnx on 200 samples (MinMax).", log.Messages);
        Assert.DoesNotContain("held-back", report.Summary("Samples.DigitsMlp"));
        Assert.Equal(64, report.CalibrationCheck!.Samples);
        Assert.Contains(" on 64 calibration samples (optimistic: calibrated on them)", report.Summary("Samples.DigitsMlp"));
        Assert.DoesNotContain(log.Warnings, w => w.Code == ErrorCodes.Int8DisagreesOnCalibration);
    }

    [Fact]
    public void A_destroyed_model_recovers_with_the_first_step_that_fits_and_two_bakes_give_the_same_plan()
    {
        // Sparsity 0.9 without reconstruction costs the MLP tens of points; reconstruction, the first step, recovers it.
        var options = Mlp(0.9f) with { Reconstruction = false };
        var (plan, report) = Baker.BakeWithReport(options, new RecordingLog());

        var recovery = report.Recovery!;
        Assert.True(recovery.Escalated);
        Assert.Equal(["as requested", "reconstruction"], recovery.Steps.Select(s => s.Name));
        Assert.Equal("reconstruction", recovery.KeptStep.Name);
        Assert.Equal(1, recovery.Kept);
        Assert.False(recovery.Steps[0].WithinBudget);
        Assert.True(recovery.Steps[0].Drop > 1, $"drop {recovery.Steps[0].Drop}");
        Assert.True(recovery.KeptStep.WithinBudget);
        Assert.True(recovery.KeptStep.Drop <= 1);
        Assert.Equal("Sparsity=\"0.9\" Reconstruction=\"false\"", recovery.Steps[0].Settings);
        Assert.Equal("Sparsity=\"0.9\"", recovery.KeptStep.Settings);
        Assert.All(recovery.Steps, s => Assert.True(s.Seconds > 0));
        Assert.Matches(@"recovered by reconstruction: drop \d+\.\d\d → \d\.\d\d points \(budget 1, \d+\.\d s more\)", report.Summary("Samples.DigitsMlp"));
        Assert.Contains("\"kept\": \"reconstruction\"", report.ToJson());

        var again = Baker.Bake(options, new RecordingLog());
        Assert.Equal(PlanFile.ToBytes(plan), PlanFile.ToBytes(again));
    }

    [Fact]
    public void The_depthwise_CNN_that_Sparsity_075_and_16_clusters_destroys_recovers_within_budget()
    {
        var log = new RecordingLog();
        var report = Baker.BakeWithReport(Model("digits_dscnn", 0.75f, 16), log).Report;

        var recovery = report.Recovery!;
        Assert.True(recovery.Steps[0].Drop > 10, $"as requested: {recovery.Steps[0].Drop}");
        Assert.True(recovery.KeptStep.WithinBudget);
        Assert.True(recovery.KeptStep.Drop <= recovery.Budget);
        Assert.Equal(recovery.Steps.Count - 1, recovery.Kept); // the first step within budget ends it
        Assert.All(recovery.Steps.Take(recovery.Kept), s => Assert.False(s.WithinBudget));
        Assert.Equal("network distillation", recovery.Steps[1].Name); // reconstruction was already on
        Assert.Contains($"recovered by {recovery.KeptStep.Name}", report.Summary("Samples.Model"));
    }

    [Fact]
    public void When_no_step_meets_the_budget_the_build_fails_with_MB1403_stating_both_numbers()
    {
        // All but 2 % of the weights gone, two shared values each, and agreement on all 359 digits required.
        var options = Model("digits_mlp", 0.98f, 2) with
        {
            ValidationPath = TestData.Path("sample", "data", "digits_test_x.npy"),
            MaxAccuracyDrop = 0,
        };
        var e = Assert.Throws<BakeException>(() => Baker.BakeWithReport(options, new RecordingLog()));
        Assert.Equal(ErrorCodes.RecoveryFailed, e.Code);
        Assert.Matches(@"^digits_mlp\.onnx: the requested compression \(Sparsity=""0\.98"" Clusters=""2""\) loses \d+\.\d\d points of top-1 agreement with the float model on 359 validation samples, more than the budget of 0 points \(MaxAccuracyDrop\)\. ", e.Message);
        Assert.Matches(@"Automatic recovery tried network distillation \(\d+\.\d\d\), less compression in .*; the best reached \d+\.\d\d points, with Sparsity=""0\.98"" Clusters=""2""", e.Message);
        Assert.Contains("set MaxAccuracyDrop=\"none\"", e.Message);
    }

    [Fact]
    public void MaxAccuracyDrop_none_bakes_the_requested_compression_unmeasured()
    {
        var log = new RecordingLog();
        var options = Mlp(0.9f) with { Reconstruction = false, NoAccuracyBudget = true };
        var report = Baker.BakeWithReport(options, log).Report;
        Assert.Null(report.Recovery);
        Assert.Contains("digits_mlp.onnx: MaxAccuracyDrop=\"none\": the compressed model is not measured against the float model and not recovered.", log.Messages);
        Assert.Contains("Calibrating digits_mlp.onnx on 200 samples (MinMax).", log.Messages);
    }

    [Fact]
    public void Too_few_calibration_samples_to_hold_back_warn_MB1308()
    {
        using var folder = new TempFolder();
        string calibration = folder.Path("few.npy");
        Npy.Write(calibration, SampleModels.Rows(SampleModels.DigitsCalibration).Take(60).ToArray());
        var log = new RecordingLog();
        var report = Baker.BakeWithReport(Mlp(0.5f) with { CalibrationPath = calibration }, log).Report;
        Assert.Null(report.Recovery);
        var (code, message) = Assert.Single(log.Warnings, w => w.Code == ErrorCodes.TooFewSamplesToJudge);
        Assert.Contains("the 60 calibration samples", message);
        Assert.Contains("Give Validation inputs, or at least 100 calibration samples", message);
    }

    [Fact]
    public void A_model_without_a_class_vector_output_is_baked_without_recovery_and_the_log_says_so()
    {
        using var folder = new TempFolder();
        string calibration = folder.Path("x.npy");
        Npy.Write(calibration, Enumerable.Range(0, 200).Select(i => new[] { (float)(i * 2 * Math.PI / 200) }).ToArray());
        var log = new RecordingLog();
        var options = new BakeOptions(TestData.Path("models", "sine", "model.onnx"), "Sine", "Samples") { Sparsity = 0.5f, CalibrationPath = calibration };
        var report = Baker.BakeWithReport(options, log).Report;
        Assert.Null(report.Recovery);
        Assert.Contains(log.Messages, m => m.Contains("needs a single class-vector output; this model has one output of shape [1, 1]"));
    }

    [Fact]
    public void Held_back_samples_are_every_kth_in_order()
    {
        using var folder = new TempFolder();
        string path = folder.Path("n.npy");
        Npy.Write(path, Enumerable.Range(0, 12).Select(i => new[] { (float)i }).ToArray());
        var set = CalibrationSet.Open(path, Baker.Bake(new BakeOptions(TestData.Path("models", "sine", "model.onnx"), "Sine", "Samples") { Precision = Precision.Float32 }, new RecordingLog()).Inputs);
        var (kept, held) = set.HoldBack(5);
        Assert.Equal(10, kept.Count);
        Assert.Equal(2, held.Count);
        Assert.Equal([4f, 9f], held.Samples().Select(s => ((float[])s[0])[0]));
        Assert.Equal([0f, 1, 2, 3, 5, 6, 7, 8, 10, 11], kept.Samples().Select(s => ((float[])s[0])[0]));
    }

    [Fact]
    public void The_budget_is_the_one_place_that_decides_too_much()
    {
        var one = new AccuracyResult(40, null, null, 97.5); // one disagreement in 40
        Assert.True(QualityBudget.Default.Exceeded(one)); // the default is 1 point on any number of samples
        Assert.True(new QualityBudget(1, IsDefault: false).Exceeded(one));
        Assert.False(new QualityBudget(2.5, IsDefault: false).Exceeded(one));
        Assert.False(QualityBudget.Default.Exceeded(new AccuracyResult(40, null, null, 100)));
        Assert.False(QualityBudget.Default.Exceeded(new AccuracyResult(400, null, null, 99)));
        Assert.True(QualityBudget.Default.Exceeded(new AccuracyResult(400, null, null, 98.75)));
    }
}
