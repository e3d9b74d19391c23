using System.Xml.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Reporting;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Cli;

public sealed class SweepCommandTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static CliResult Sweep(string output, params string[] more) => CliResult.Run(new[]
    {
        "sweep", SampleModel.Onnx, "--calibration", SampleModel.Calibration,
        "--validation", TestData.Path("sample", "data", "digits_test_x.npy"),
        "--validation-labels", TestData.Path("sample", "data", "digits_test_y.npy"),
        "--output", output,
    }.Concat(more).ToArray());

    [Fact]
    public void Sweep_prints_the_table_and_writes_a_chart_with_a_point_per_setting_and_the_front_marked()
    {
        using var folder = new TempFolder();
        var result = Sweep(folder.Root, "--sparsities", "0,0.5,0.9", "--clusters", "none,16", "--max-accuracy-drop", "1");
        Assert.True(result.ExitCode == 0, result.ToString());
        string[] rows = result.Out.Split('\n').Where(l => l.StartsWith("| 0", StringComparison.Ordinal)).ToArray();
        Assert.Equal(new[] { "0", "0 + 16 clusters", "0.5", "0.5 + 16 clusters", "0.9", "0.9 + 16 clusters" },
            rows.Select(r => r.Split('|')[1].Trim()));
        Assert.Contains("| 0.5               | 98.33% | 0.28 |      11,371 |  6.1x | *     |", result.Out);
        Assert.Contains("digits_mlp.onnx: float model 68,904 B, top-1 98.61%; measured on the 359 Validation samples ('digits_test_x.npy', labelled).", result.Out);
        Assert.Contains("Smallest within MaxAccuracyDrop=1: ", result.Out);

        string path = folder.Path("digits_mlp.sweep.svg");
        Assert.Contains($"Wrote {path}", result.Out);
        var svg = XDocument.Load(path).Root!;
        Assert.Equal(Svg + "svg", svg.Name);
        var points = svg.Elements().Where(e => ((string?)e.Attribute("class"))?.Split(' ').Contains("point") == true).ToList();
        Assert.Equal(6, points.Count);
        int marked = rows.Count(r => r.Split('|')[6].Trim() == "*");
        Assert.InRange(marked, 2, 5);
        Assert.Equal(marked, points.Count(p => ((string)p.Attribute("class")!).Contains("front")));
        Assert.Equal(marked, ((string)svg.Elements(Svg + "polyline").Single(e => (string?)e.Attribute("class") == "front").Attribute("points")!).Split(' ').Length);
        Assert.Single(svg.Elements(Svg + "line"), e => (string?)e.Attribute("class") == "budget");
        var texts = svg.Elements(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("baked bytes (weights, biases, tables)", texts);
        Assert.Contains("top-1 drop (points; lower is better)", texts);
    }

    [Fact]
    public void The_same_sweep_writes_the_same_bytes()
    {
        using var folder = new TempFolder();
        var first = Sweep(folder.Path("a.svg"), "--sparsities", "0.5", "--clusters", "none,16");
        var second = Sweep(folder.Path("b.svg"), "--sparsities", "0.5", "--clusters", "none,16");
        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first + "\n" + second);
        Assert.Equal(File.ReadAllBytes(folder.Path("a.svg")), File.ReadAllBytes(folder.Path("b.svg")));
        Assert.Equal(first.Out.Replace("a.svg", "b.svg"), second.Out);
    }

    [Theory]
    [InlineData("--sparsities", "0.5,1")]
    [InlineData("--sparsities", "0.5,,0.7")]
    [InlineData("--clusters", "none,1")]
    [InlineData("--clusters", "sixteen")]
    public void A_bad_list_is_MB1414(string option, string value)
    {
        using var folder = new TempFolder();
        var result = Sweep(folder.Root, option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error {ErrorCodes.InvalidSweepSettings}: {option} ", result.Error);
        Assert.False(File.Exists(folder.Path("digits_mlp.sweep.svg")));
    }

    [Fact]
    public void Sparsity_auto_on_the_command_line_needs_a_budget()
    {
        var result = CliResult.Run("bake", SampleModel.Onnx, "--calibration", SampleModel.Calibration, "--sparsity", "auto");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error {ErrorCodes.SparsityAutoNeedsBudget}: ", result.Error);
    }

    [Fact]
    public void The_front_is_every_point_no_other_beats_on_both_counts()
    {
        var front = ParetoFront.Of(new (long, double)[] { (100, 0), (50, 1), (60, 1), (50, 1), (40, 5), (45, 6), (30, 30) });
        Assert.Equal(new[] { true, true, false, true, true, false, true }, front);
    }

    [Fact]
    public void A_point_beyond_the_axis_is_drawn_on_its_edge_with_its_value()
    {
        var svg = XDocument.Parse(TradeOffChart.Svg("t", "top-1 drop", new TradeOffChart.Point[] { new("0", 1000, 0), new("0.9", 200, 47.25) }, null)).Root!;
        var clipped = svg.Elements(Svg + "path").Single();
        Assert.Equal("point front clipped", (string?)clipped.Attribute("class"));
        Assert.Contains("0.9 (47.3)", svg.Elements(Svg + "text").Select(t => t.Value));
        Assert.DoesNotContain(svg.Elements(Svg + "line"), e => (string?)e.Attribute("class") == "budget");
    }
}
