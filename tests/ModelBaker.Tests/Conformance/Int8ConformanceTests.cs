using System.Globalization;
using System.Text.RegularExpressions;
using ModelBaker.Cli.Conformance;
using ModelBaker.Tests.Cli;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;

namespace ModelBaker.Tests.Conformance;

/// <summary>
/// `modelbaker conformance DIR --precision int8`: each case baked int8 (calibrated on inputs drawn like its own), run
/// as generated C#, and measured by each output's signal-to-noise ratio against the float reference outputs.
/// </summary>
public sealed class Int8ConformanceTests
{
    private readonly ITestOutputHelper _output;
    public Int8ConformanceTests(ITestOutputHelper output) => _output = output;

    private static readonly string[] Cases = { "test_argmax_default_axis_example", "test_batchnorm_example_training_mode", "test_relu", "test_softmax_example" };

    private static double Decibels(string line, string output) =>
        double.Parse(Regex.Match(line, $"'{output}' (-?[0-9.]+) dB").Groups[1].Value, CultureInfo.InvariantCulture);

    [Fact]
    public void Node_cases_report_each_outputs_signal_to_noise_ratio()
    {
        using var folder = new TempFolder();
        foreach (string name in Cases) CopyFolder(TestData.Path("onnx", "node", name), folder.Path(name));

        var result = CliResult.Run("conformance", folder.Root, "--precision", "int8");
        _output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Cases.Length + 1, lines.Length);
        Assert.Equal("4 measured, 0 failed, 0 skipped", lines[^1]);

        // ArgMax of int8 values keeps the order of the floats: the same indices.
        Assert.Equal("SNR test_argmax_default_axis_example: 'result' exact", lines[0]);
        // Training-mode BatchNormalization has no int8 form: its three outputs come from a float island.
        Assert.StartsWith("SNR test_batchnorm_example_training_mode: 'y' ", lines[1]);
        Assert.EndsWith(" (3 steps in float)", lines[1]);
        // An int8 tensor's step is 1/255 of its range: about 48 dB for a full-range uniform signal; relu and softmax lose a
        // little more to their ranges' unused parts, batch statistics to the float island's quantized inputs.
        foreach (var (line, output) in new[] { (lines[1], "y"), (lines[1], "output_mean"), (lines[1], "output_var"), (lines[2], "y"), (lines[3], "y") })
            Assert.InRange(Decibels(line, output), 25, 70);
        Assert.StartsWith("SNR test_relu: 'y' ", lines[2]);
        Assert.StartsWith("SNR test_softmax_example: 'y' ", lines[3]);
    }

    [Fact]
    public void A_gradient_boosted_classifier_comparing_tensors_of_two_scales_bakes_int8_with_its_labels_exact()
    {
        // LightGBM's graph compares two computed tensors (Less) whose calibrated ranges differ: one is read on the
        // other's grid through a threshold table (once refused with MB1130).
        using var folder = new TempFolder();
        const string name = "tract_lgbm_classifier_tensor";
        CopyFolder(TestData.Path("realmodels", name), folder.Path(name));

        var result = CliResult.Run("conformance", folder.Root, "--precision", "int8");
        _output.WriteLine(result.ToString());
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("1 measured, 0 failed, 0 skipped", lines[^1]);
        Assert.StartsWith($"SNR {name}: 'output' exact, 'probabilities' ", lines[0]);
    }

    [Fact]
    public void The_signal_to_noise_ratio_reads_exact_and_infinite_ratios_plainly()
    {
        Assert.Equal("'y' 41.2 dB", new OutputSnr("y", 41.2345).ToString());
        Assert.Equal("'y' exact", new OutputSnr("y", double.PositiveInfinity).ToString());
        Assert.Equal("'y' -inf dB", new OutputSnr("y", double.NegativeInfinity).ToString());
    }

    [Fact]
    public void The_help_documents_the_int8_precision()
    {
        var help = CliResult.Run("conformance", "--help");
        Assert.Contains("--precision", help.Out);
        Assert.Contains("signal-to-noise", help.Out);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string folder in Directory.GetDirectories(from)) CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
    }
}
