using ModelBaker.Tests.Support;
namespace ModelBaker.Tests.Cli;

public class InspectCommandTests
{
    [Fact]
    public void Inspect_prints_the_node_table_the_steps_and_the_totals()
    {
        var result = CliResult.Run("inspect", SampleModel.Onnx, "--calibration", SampleModel.Calibration);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Error);
        var lines = result.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        Assert.Contains("  input   'pixels' float32[1,64]", lines);
        var rows = Rows(lines);
        Assert.Contains(rows, r => r.SequenceEqual(new[] { "node", "op", "inputs", "output", "parameters", "bytes (float32)" }));
        // 64×128 + 128, 128×64 + 64, 64×10 + 10 float parameters.
        Assert.Contains(rows, r => r.SequenceEqual(new[] { "/net/net.0/Gemm", "Gemm", "[1,64]", "[1,128]", "8,320", "33,280" }));
        Assert.Contains(rows, r => r[0] == "/net/net.2/Gemm" && r[4] == "8,256");
        Assert.Contains(rows, r => r[0] == "/net/net.4/Gemm" && r[4] == "650");
        Assert.Contains(rows, r => r.SequenceEqual(new[] { "total", "", "", "", "17,226", "68,904" }));

        Assert.Contains("Baked plan: Int8, sparsity 0, 3 steps", lines);
        Assert.Contains(rows, r => r[0] == "1" && r[1] == "'/net/net.0/Gemm' (Gemm) + '/net/net.1/Relu' (Relu)" && r[2] == "FullyConnectedInt8");
        Assert.Contains(lines, l => l.StartsWith("Weights  68,904 B -> ", StringComparison.Ordinal) && l.EndsWith("x smaller)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Arena    ", StringComparison.Ordinal) && l.EndsWith("x sbyte)", StringComparison.Ordinal));
    }

    /// <summary>The cells of every table row ("| a | b |"), trimmed.</summary>
    private static List<string[]> Rows(IEnumerable<string> lines) =>
        lines.Where(l => l.StartsWith("| ", StringComparison.Ordinal))
            .Select(l => l.Trim('|').Split('|').Select(c => c.Trim()).ToArray()).ToList();

    [Fact]
    public void Inspect_columns_line_up_and_numbers_align_right()
    {
        var result = CliResult.Run("inspect", SampleModel.Onnx, "--precision", "Float32");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int header = lines.FindIndex(l => l.StartsWith("| node ", StringComparison.Ordinal));
        var table = lines.Skip(header - 1).TakeWhile(l => l.Length > 0).ToList();
        Assert.All(table, l => Assert.Equal(table[0].Length, l.Length));
        // A number ends where its column does: "|      8,320 |".
        Assert.Contains(table, l => l.Contains("|      8,320 |", StringComparison.Ordinal));
        Assert.Contains("Baked plan: Float32, sparsity 0, 3 steps", lines);
        Assert.Contains(lines, l => l.Contains("FullyConnectedFloat"));
    }

    [Fact]
    public void Inspect_runs_on_the_sine_model_with_sparsity()
    {
        var result = CliResult.Run("inspect", TestData.Path("models", "sine", "model.onnx"), "--sparsity", "0.3", "--precision", "Float32");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("| dense_3 ", result.Out);
        Assert.Contains("Baked plan: Float32, sparsity 0.3", result.Out);
    }

    [Fact]
    public void Inspect_reports_unsupported_operators_as_MB1101()
    {
        using var folder = new TempFolder();
        string model = folder.Path("custom.onnx");
        ModelBaker.Core.Onnx.OnnxModelWriter.Save(new ModelBaker.Tests.Operators.GraphBuilder().Input("x", 1, 4)
            .Node("NoSuchOperator", new[] { "x" }, new[] { "y" }).Output("y").Graph, model);
        var result = CliResult.Run("inspect", model);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error MB1101: ", result.Error);
    }
}
