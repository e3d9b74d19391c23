using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Pipeline;

/// <summary>
/// Sparsity="auto" on the sample digits MLP (200 calibration digits, the 359 labelled test digits as Validation). The
/// searches are run once per test run and shared: each is eight bakes.
/// </summary>
public sealed class SparsityAutoTests
{
    private static BakeOptions Auto(double? budget) => SampleModels.DigitsOptions(0) with
    {
        SparsityAuto = true,
        MaxAccuracyDrop = budget,
        ValidationPath = TestData.Path("sample", "data", "digits_test_x.npy"),
        ValidationLabelsPath = TestData.Path("sample", "data", "digits_test_y.npy"),
    };

    private static readonly Lazy<BakeResult> Loose = new(() => Baker.BakeWithReport(Auto(1), new RecordingLog()));
    private static readonly Lazy<BakeResult> Tight = new(() => Baker.BakeWithReport(Auto(0.3), new RecordingLog()));

    [Fact]
    public void Auto_finds_the_largest_grid_sparsity_within_the_budget_and_the_report_and_summary_say_it()
    {
        var (plan, report) = Loose.Value;
        var search = report.Search!;
        Assert.Equal(0.85f, search.Sparsity);
        Assert.Null(search.Clusters); // 0.85 with 16 clusters was tried and lost more than a point
        Assert.Equal(0.85f, plan.Header.Sparsity);
        Assert.Equal(1, search.MaxAccuracyDrop);
        Assert.InRange(search.Drop, double.NegativeInfinity, 1);
        Assert.Equal(report.Validation!.Drop!.Value, search.Drop, 9);
        Assert.Equal(0.56, search.Drop, 2);
        // Bisection: 0, 0.95, then the grid between, then the clusters on the found point; every setting baked once.
        Assert.Equal(new[] { 0f, 0.95f, 0.45f, 0.7f, 0.8f, 0.85f, 0.9f, 0.85f }, search.Trials.Select(t => t.Sparsity));
        Assert.Equal(new int?[] { null, null, null, null, null, null, null, 16 }, search.Trials.Select(t => t.Clusters));
        Assert.All(search.Trials.Where(t => t.Sparsity <= 0.85f && t.Clusters == null), t => Assert.InRange(t.Drop, double.NegativeInfinity, 1));
        Assert.True(search.Trials.Single(t => t.Sparsity == 0.9f).Drop > 1);
        Assert.True(search.Trials.Single(t => t.Clusters == 16).Drop > 1);
        Assert.Equal("the 359 Validation samples ('digits_test_x.npy', labelled)", search.MeasuredOn);

        string summary = report.Summary("Samples.DigitsMlp");
        Assert.Contains("chosen: Sparsity 0.85 (drop 0.56 ≤ MaxAccuracyDrop 1 on the 359 Validation samples ('digits_test_x.npy', labelled); 8 settings baked in ", summary);
        Assert.EndsWith("; pin with Sparsity=\"0.85\"", summary);
        string json = report.ToJson();
        Assert.Contains("\"search\": {", json);
        Assert.Contains("\"pin\": \"Sparsity=\\\"0.85\\\"\"", json);
        Assert.Contains("\"sparsity\": 0.85,", json);

        // The build writes the settings tried next to the report as a chart: one point each, the budget dashed.
        var svg = System.Xml.Linq.XDocument.Parse(report.SearchChart()!).Root!;
        Assert.Equal(8, svg.Elements().Count(e => ((string?)e.Attribute("class"))?.Split(' ').Contains("point") == true));
        Assert.Contains(svg.Elements(), e => (string?)e.Attribute("class") == "budget");
    }

    [Fact]
    public void Pinning_the_chosen_setting_bakes_the_same_plan_byte_for_byte()
    {
        var auto = Loose.Value;
        var pinned = Baker.Bake(Auto(1) with { SparsityAuto = false, Sparsity = auto.Report.Search!.Sparsity, Clusters = auto.Report.Search.Clusters }, new RecordingLog());
        Assert.Equal(PlanFile.ToBytes(pinned), PlanFile.ToBytes(auto.Plan));
    }

    [Fact]
    public void A_tighter_budget_gives_a_lower_or_equal_sparsity()
    {
        var tight = Tight.Value.Report.Search!;
        var loose = Loose.Value.Report.Search!;
        Assert.Equal(0.3, tight.MaxAccuracyDrop);
        Assert.InRange(tight.Drop, double.NegativeInfinity, 0.3);
        Assert.True(tight.Sparsity <= loose.Sparsity, $"{tight.Sparsity} > {loose.Sparsity}");
        Assert.True(Tight.Value.Report.BakedWeightBytes >= Loose.Value.Report.BakedWeightBytes);
    }

    [Fact]
    public void Auto_without_MaxAccuracyDrop_fails_with_MB1410()
    {
        var e = Assert.Throws<BakeException>(() => Baker.BakeWithReport(Auto(null), new RecordingLog()));
        Assert.Equal(ErrorCodes.SparsityAutoNeedsBudget, e.Code);
        Assert.Contains("Add MaxAccuracyDrop=\"1\"", e.Message);
    }

    [Fact]
    public void Auto_without_calibration_fails_with_MB1411()
    {
        var e = Assert.Throws<BakeException>(() => Baker.BakeWithReport(Auto(1) with { CalibrationPath = null }, new RecordingLog()));
        Assert.Equal(ErrorCodes.SparsityAutoNeedsCalibration, e.Code);
        Assert.Contains("Add Calibration=", e.Message);
    }

    [Fact]
    public void Auto_fails_with_MB1412_when_even_no_pruning_exceeds_the_budget()
    {
        // Two shared values per layer cost the MLP far more than half a point at any sparsity.
        var e = Assert.Throws<BakeException>(() => Baker.BakeWithReport(Auto(0.5) with { Clusters = 2 }, new RecordingLog()));
        Assert.Equal(ErrorCodes.SparsityAutoNoSetting, e.Code);
        Assert.Matches(@"^digits_mlp\.onnx: Sparsity=""auto"" found no setting within MaxAccuracyDrop=0\.5: even Sparsity 0 with Clusters 2 loses \d+\.\d\d points on the 359 Validation samples", e.Message);
    }

    [Fact]
    public void Without_Validation_a_setting_is_measured_on_one_calibration_sample_in_five_held_back()
    {
        var options = SampleModels.DigitsOptions(0.5f);
        var log = new RecordingLog();
        var trials = new SettingTrials(options, log);
        Assert.Equal(ErrorCodes.JudgedOnHeldBackCalibration, Assert.Single(log.Warnings).Code);
        var trial = trials.Run(new CompressionSetting(0.5f, null));
        Assert.Equal(40, trial.Validation.Samples); // 200 / 5
        Assert.Null(trial.Validation.FloatTop1);
        Assert.Equal(0, trial.Validation.CalibrationSamples); // held back: none of them was fitted
        Assert.Equal("the 40 calibration samples held back from the bake (1 in 5)", trials.MeasuredOn(trial.Validation));
        Assert.Same(trial, trials.Run(new CompressionSetting(0.5f, null)));
    }

    [Fact]
    public void Too_few_calibration_samples_to_hold_back_fail_with_MB1413()
    {
        using var folder = new TempFolder();
        string few = folder.Path("few.npy");
        Npy.Write(few, SampleModels.Rows(SampleModels.DigitsCalibration).Take(60).ToArray());
        var e = Assert.Throws<BakeException>(() => Baker.BakeWithReport(SampleModels.DigitsOptions(0) with
        {
            CalibrationPath = few, SparsityAuto = true, MaxAccuracyDrop = 1,
        }, new RecordingLog()));
        Assert.Equal(ErrorCodes.TooFewSamplesToHoldBack, e.Code);
        Assert.Contains("has 60 samples, so only 12 would be held back (at least 20 are needed)", e.Message);
    }

    [Fact]
    public void The_item_metadata_takes_auto_and_checks_what_it_needs()
    {
        string project = Directory.CreateTempSubdirectory("mb-auto-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(project, "net.onnx"), new byte[] { 0 });
            File.WriteAllBytes(Path.Combine(project, "calib.npy"), new byte[] { 0 });
            OptionsParser.Result Parse(params (string, string)[] m) =>
                OptionsParser.Parse("net.onnx", m.ToDictionary(p => p.Item1, p => p.Item2), project, "App");

            // MaxAccuracyDrop without Validation is allowed with auto: it measures on held-back calibration samples.
            var options = Parse(("Sparsity", "Auto"), ("MaxAccuracyDrop", "1"), ("Calibration", "calib.npy")).Options!;
            Assert.True(options.SparsityAuto);
            Assert.Equal(0f, options.Sparsity);
            Assert.Equal(ErrorCodes.SparsityAutoNeedsBudget, Assert.Single(Parse(("Sparsity", "auto"), ("Calibration", "calib.npy")).Problems).Code);
            Assert.Equal(ErrorCodes.SparsityAutoNeedsCalibration, Assert.Single(Parse(("Sparsity", "auto"), ("MaxAccuracyDrop", "1")).Problems).Code);
            Assert.Equal(ErrorCodes.ConflictingMetadata,
                Assert.Single(Parse(("Sparsity", "auto"), ("MaxAccuracyDrop", "1"), ("Calibration", "calib.npy"), ("PruningThreshold", "0.1")).Problems).Code);
            // A number needs Validation, or Calibration to hold samples back from, to measure its budget on.
            Assert.Equal(ErrorCodes.ConflictingMetadata, Assert.Single(Parse(("Sparsity", "0.5"), ("MaxAccuracyDrop", "1")).Problems).Code);
        }
        finally { Directory.Delete(project, recursive: true); }
    }
}
