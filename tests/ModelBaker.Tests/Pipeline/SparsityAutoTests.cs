using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Options;
using ModelBaker.Core.Reporting;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Pipeline;

/// <summary>
/// Sparsity="auto" on the sample digits MLP (200 calibration digits, the 359 labelled test digits as Validation), without
/// layer reconstruction so that a search's dozen or so bakes take seconds. The searches are run once per test run and
/// shared. (With reconstruction, the default, docs/compression.md#sparsityauto has the measurements.)
/// </summary>
public sealed class SparsityAutoTests
{
    private static BakeOptions Auto(double? budget) => SampleModels.DigitsOptions(0) with
    {
        SparsityAuto = true,
        MaxAccuracyDrop = budget,
        ValidationPath = TestData.Path("sample", "data", "digits_test_x.npy"),
        ValidationLabelsPath = TestData.Path("sample", "data", "digits_test_y.npy"),
        Reconstruction = false,
    };

    private static readonly Lazy<BakeResult> Loose = new(() => Baker.BakeWithReport(Auto(1), new RecordingLog()));
    private static readonly Lazy<BakeResult> Tight = new(() => Baker.BakeWithReport(Auto(0.3), new RecordingLog()));

    /// <summary>The global bisection's choice: the largest grid sparsity within the budget, of the first settings tried.</summary>
    private static SearchTrial Global(SearchReport search, double budget) =>
        search.Trials.Where(t => t.LayerSparsity == null && t.Clusters == null && t.Drop <= budget).OrderByDescending(t => t.Sparsity).First();

    [Fact]
    public void Auto_bisects_a_global_sparsity_then_tries_clusters_and_keeps_the_smallest_within_the_budget()
    {
        var (plan, report) = Loose.Value;
        var search = report.Search!;
        // Bisection: 0, 0.95, then the middle of what is left until the largest within the budget is next to the smallest beyond.
        Assert.Equal(new[] { 0f, 0.95f, 0.45f, 0.7f, 0.55f, 0.6f, 0.65f }, search.Trials.Take(7).Select(t => t.Sparsity));
        Assert.All(search.Trials.Take(7), t => Assert.Null(t.LayerSparsity));
        Assert.Equal(0.65f, Global(search, 1).Sparsity);
        Assert.True(search.Trials.Single(t => t.Sparsity == 0.7f && t.LayerSparsity == null).Drop > 1);
        // Then the per-layer refinement (at most LayerSparsitySearch.MaxBakes bakes), then 16 clusters on what it found.
        var perLayer = search.Trials.Skip(7).Where(t => t.Clusters == null).ToList();
        Assert.InRange(perLayer.Count, 1, LayerSparsitySearch.MaxBakes);
        Assert.All(perLayer, t => Assert.NotNull(t.LayerSparsity));
        // Here 16 clusters on the global choice is the smallest within the budget.
        Assert.Equal(0.65f, search.Sparsity);
        Assert.Equal(16, search.Clusters);
        Assert.Null(search.LayerSparsity);
        Assert.Equal(0.65f, plan.Header.Sparsity);
        Assert.Equal(search.Trials.Where(t => t.Drop <= 1).Min(t => t.Bytes), report.BakedWeightBytes);
        Assert.Equal(report.Validation!.Drop!.Value, search.Drop, 9);
        Assert.Equal("the 359 Validation samples ('digits_test_x.npy', labelled)", search.MeasuredOn);

        string summary = report.Summary("Samples.DigitsMlp");
        Assert.Contains($"chosen: Sparsity 0.65, Clusters 16 (drop {search.Drop:0.00} ≤ MaxAccuracyDrop 1 on the 359 Validation samples ('digits_test_x.npy', labelled); {search.Trials.Count} settings baked in ", summary);
        Assert.EndsWith("; pin with Sparsity=\"0.65\" Clusters=\"16\"", summary);
        string json = report.ToJson();
        Assert.Contains("\"search\": {", json);
        Assert.Contains("\"pin\": \"Sparsity=\\\"0.65\\\" Clusters=\\\"16\\\"\"", json);
        Assert.Contains("\"layerSparsity\": null,", json);

        // The build writes the settings tried next to the report as a chart: one point each, the budget dashed.
        var svg = System.Xml.Linq.XDocument.Parse(report.SearchChart()!).Root!;
        Assert.Equal(search.Trials.Count, svg.Elements().Count(e => ((string?)e.Attribute("class"))?.Split(' ').Contains("point") == true));
        Assert.Contains(svg.Elements(), e => (string?)e.Attribute("class") == "budget");
    }

    [Fact]
    public void Per_layer_refinement_moves_single_layers_to_a_smaller_model_within_the_budget_and_the_pin_says_which()
    {
        var (plan, report) = Tight.Value;
        var search = report.Search!;
        var global = Global(search, 0.3);
        Assert.Equal(0.35f, global.Sparsity);
        // The chosen model: within the budget, smaller than the global choice (and its clustered form), layers set apart.
        Assert.InRange(search.Drop, double.NegativeInfinity, 0.3);
        Assert.True(report.BakedWeightBytes < global.Bytes, $"{report.BakedWeightBytes} >= {global.Bytes}");
        Assert.Equal(search.Trials.Where(t => t.Drop <= 0.3).Min(t => t.Bytes), report.BakedWeightBytes);
        Assert.Equal("/net/net.0/Gemm=0.364;/net/net.2/Gemm=0.61", search.LayerSparsity!.ToString());
        Assert.Equal(0.4f, search.Sparsity);
        Assert.Null(search.Clusters);
        Assert.Equal(new[] { "/net/net.0/Gemm", "/net/net.2/Gemm", "/net/net.4/Gemm" }, search.Layers.Select(l => l.Name));
        Assert.Equal(0.61, search.Layers[1].Sparsity, 3);
        Assert.All(search.Layers, l => Assert.NotNull(l.Cost));

        const string pin = "Sparsity=\"0.4\" LayerSparsity=\"/net/net.0/Gemm=0.364;/net/net.2/Gemm=0.61\"";
        Assert.Equal(pin, search.Pin);
        string summary = report.Summary("Samples.DigitsMlp");
        Assert.Contains("chosen: Sparsity 0.4 with 2 layers apart (/net/net.0/Gemm=0.364, /net/net.2/Gemm=0.61) (drop ", summary);
        Assert.EndsWith("; pin with " + pin, summary);
        string json = report.ToJson();
        Assert.Contains("\"layerSparsity\": \"/net/net.0/Gemm=0.364;/net/net.2/Gemm=0.61\",", json);
        Assert.Contains("\"name\": \"/net/net.4/Gemm\",", json);
    }

    [Fact]
    public void Pinning_the_chosen_setting_bakes_the_same_plan_byte_for_byte()
    {
        foreach (var (auto, budget) in new[] { (Loose.Value, 1.0), (Tight.Value, 0.3) })
        {
            var search = auto.Report.Search!;
            var pinned = Baker.Bake(Auto(budget) with { SparsityAuto = false, Sparsity = search.Sparsity, Clusters = search.Clusters, LayerSparsity = search.LayerSparsity },
                new RecordingLog());
            Assert.Equal(PlanFile.ToBytes(pinned), PlanFile.ToBytes(auto.Plan));
        }
        // As a user pins the per-layer choice: the metadata the summary line prints, parsed as a project file's.
        var tight = Tight.Value.Report.Search!;
        var parsed = LayerSparsity.Parse(tight.LayerSparsity!.ToString()).Value!;
        var fromText = Baker.Bake(Auto(0.3) with { SparsityAuto = false, Sparsity = tight.Sparsity, LayerSparsity = parsed }, new RecordingLog());
        Assert.Equal(PlanFile.ToBytes(fromText), PlanFile.ToBytes(Tight.Value.Plan));
    }

    [Fact]
    public void A_tighter_budget_gives_a_lower_or_equal_global_sparsity_and_no_smaller_model()
    {
        var tight = Tight.Value.Report.Search!;
        var loose = Loose.Value.Report.Search!;
        Assert.Equal(0.3, tight.MaxAccuracyDrop);
        Assert.InRange(tight.Drop, double.NegativeInfinity, 0.3);
        Assert.True(Global(tight, 0.3).Sparsity <= Global(loose, 1).Sparsity, $"{Global(tight, 0.3).Sparsity} > {Global(loose, 1).Sparsity}");
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
