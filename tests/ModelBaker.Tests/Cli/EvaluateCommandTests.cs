using System.Globalization;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Cli;

public class EvaluateCommandTests
{
    /// <summary>
    /// `evaluate --tsv` (what build/measure_zoo.sh reads) prints the figures of the table row unformatted: the same
    /// model, bytes and top-1 as the table, exact byte counts, and drop = float top-1 − baked top-1.
    /// </summary>
    [Fact]
    public void Tsv_prints_the_table_rows_figures_unformatted()
    {
        string[] args = { "evaluate", TestData.Path("zoo", "mlp1", "model.onnx"), "--calibration", SampleModel.Calibration,
            "--validation", TestData.Path("sample", "data", "digits_test_x.npy"), "--validation-labels", TestData.Path("sample", "data", "digits_test_y.npy") };
        var table = CliResult.Run(args);
        var tsv = CliResult.Run(args.Append("--tsv").ToArray());

        Assert.True(tsv.ExitCode == 0, tsv.ToString());
        var lines = tsv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Equal(new[] { "model", "precision", "sparsity", "float_bytes", "baked_bytes", "float_top1", "baked_top1", "drop", "agreement", "samples",
            "recovery_judged_on", "recovery_samples", "recovery_budget", "recovery_steps", "recovery_kept", "recovery_seconds" }, lines[0].Split('\t'));
        var row = lines[1].Split('\t');
        double Number(int column) => double.Parse(row[column], CultureInfo.InvariantCulture);
        Assert.Equal(new[] { "model.onnx", "Int8" }, row[..2]);
        Assert.Equal("9640", row[3]); // 2,410 float32 weights (64×32 + 32 + 32×10 + 10)
        Assert.Equal("359", row[9]);
        Assert.Equal(Number(5) - Number(6), Number(7), 9);
        Assert.All(row[10..], cell => Assert.Equal("", cell)); // plain int8: no recovery, nothing held back

        // The table's row holds the same figures, formatted.
        var cells = table.Out.Split('\n').Single(l => l.StartsWith("| model.onnx", StringComparison.Ordinal)).Trim('|', '\r').Split('|').Select(c => c.Trim()).ToArray();
        Assert.Equal(Number(2).ToString("0.000", CultureInfo.InvariantCulture), cells[2]);
        Assert.Equal(long.Parse(row[4], CultureInfo.InvariantCulture).ToString("N0", CultureInfo.InvariantCulture), cells[4]);
        Assert.Equal(Number(5).ToString("0.00", CultureInfo.InvariantCulture) + "%", cells[6]);
        Assert.Equal(Number(6).ToString("0.00", CultureInfo.InvariantCulture) + "%", cells[7]);
        Assert.Equal(Number(7).ToString("0.00", CultureInfo.InvariantCulture), cells[8]);
    }

    /// <summary>
    /// With compression and --recovery-on-calibration (a build without Validation), the row says what automatic recovery
    /// did: judged on the 40 calibration digits held back of 200, at the default budget (1 point),
    /// each step with its drop, the step kept. The held-back digits calibrate nothing, so the bake differs from one
    /// calibrated on all 200.
    /// </summary>
    [Fact]
    public void Tsv_says_what_automatic_recovery_did()
    {
        string[] args = { "evaluate", TestData.Path("zoo", "mlp1", "model.onnx"), "--calibration", SampleModel.Calibration, "--sparsity", "0.5",
            "--validation", TestData.Path("sample", "data", "digits_test_x.npy"), "--validation-labels", TestData.Path("sample", "data", "digits_test_y.npy"),
            "--recovery-on-calibration", "--tsv" };
        var tsv = CliResult.Run(args);

        Assert.True(tsv.ExitCode == 0, tsv.ToString());
        var row = tsv.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].TrimEnd('\r').Split('\t');
        Assert.Equal("359", row[9]); // measured on the test digits
        Assert.Equal(new[] { "held-back calibration", "40", "1" }, row[10..13]);
        var steps = row[13].Split(';');
        Assert.StartsWith("as requested=", steps[0], StringComparison.Ordinal);
        Assert.Contains(row[14] + "=", row[13], StringComparison.Ordinal); // the kept step is one of those tried
        // Its seconds, as a number (a recovery that keeps the first step can round to 0.0 on a fast machine).
        Assert.True(double.Parse(row[15], CultureInfo.InvariantCulture) >= 0, row[15]);
    }
}
