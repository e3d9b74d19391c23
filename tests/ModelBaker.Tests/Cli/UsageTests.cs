using ModelBaker.Tests.Support;
using ModelBaker.Cli;

namespace ModelBaker.Tests.Cli;

public class UsageTests
{
    [Theory]
    [InlineData]
    [InlineData("help")]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_lists_the_commands_and_global_options(params string[] args)
    {
        var result = CliResult.Run(args);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        foreach (string text in new[] { "Usage:", "bake <MODEL.onnx>", "generate <MODEL.onnx>", "inspect <MODEL.onnx>", "evaluate <MODEL.onnx>",
                     "conformance <DIR>", "--version", "--verbose", "Exit codes: 0 success, 1 bake error" })
            Assert.Contains(text, result.Out);
    }

    [Fact]
    public void Help_for_one_command_shows_only_its_options()
    {
        var result = CliResult.Run("inspect", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("inspect <MODEL.onnx> [options]", result.Out);
        Assert.Contains("--sparsity <S>", result.Out);
        Assert.DoesNotContain("--class-name", result.Out);
        Assert.Equal(result.Out, CliResult.Run("help", "inspect").Out);

        var bake = CliResult.Run("bake", "-h").Out;
        foreach (string text in new[] { "--sparsity <S>", "--precision <P>", "--calibration <F>", "--class-name <N>", "--namespace <NS>", "-o, --output <DIR>", "--verbose" })
            Assert.Contains(text, bake);
    }

    [Fact]
    public void Version_prints_the_bakers_version()
    {
        var result = CliResult.Run("--version");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"modelbaker {ModelBaker.Core.Pipeline.Baker.Version}", result.Out.Trim());
    }

    [Theory]
    [InlineData("Unrecognized command or argument '--bogus'", "bake", "model.onnx", "--bogus")]
    [InlineData("Unrecognized command or argument '--class-name'", "inspect", "model.onnx", "--class-name", "X")]
    [InlineData("Unrecognized command or argument 'bkae'", "bkae", "model.onnx")]
    [InlineData("Required argument missing for option: '--sparsity'", "bake", "model.onnx", "--sparsity")]
    [InlineData("Required argument 'MODEL.onnx' missing", "bake")]
    [InlineData("Unrecognized command or argument 'b.onnx'", "inspect", "a.onnx", "b.onnx")]
    [InlineData("expects a single argument but 2 were provided", "bake", "model.onnx", "--sparsity", "0.1", "--sparsity", "0.2")]
    [InlineData("Unrecognized command or argument 'yes'", "bake", "model.onnx", "--verbose=yes")]
    [InlineData("unknown command 'bogus'", "help", "bogus")]
    public void A_bad_command_line_exits_with_2_and_shows_usage(string message, params string[] args)
    {
        var result = CliResult.Run(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("", result.Out);
        Assert.StartsWith("error: ", result.Error);
        Assert.Contains(message, result.Error);
        Assert.Contains("Usage:", result.Error);
    }

    [Theory]
    [InlineData("MB1201", "out of range", "--sparsity", "1.5")]
    [InlineData("MB1201", "out of range", "--sparsity", "-0.1")]
    [InlineData("MB1201", "not a number", "--sparsity", "half")]
    [InlineData("MB1202", "use Int8 or Float32", "--precision", "Int4")]
    [InlineData("MB1206", "not a valid C# identifier", "--class-name", "class")]
    [InlineData("MB1207", "not a valid C# namespace", "--namespace", "My..App")]
    public void A_bad_option_value_exits_with_2_and_names_its_code(string code, string message, string option, string value)
    {
        var result = CliResult.Run("bake", SampleModel.Onnx, option, value);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith($"error {code}: {option}", result.Error);
        Assert.Contains(message, result.Error);
        Assert.Contains("Run 'modelbaker help bake' for usage.", result.Error);
    }

    [Fact]
    public void Sparsity_1_5_says_what_the_range_is()
    {
        var result = CliResult.Run("inspect", SampleModel.Onnx, "--sparsity", "1.5");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error MB1201: --sparsity 1.5 is out of range", result.Error);
        Assert.Contains("at least 0 and less than 1", result.Error);
    }

    [Fact]
    public void Verbose_is_accepted_anywhere()
    {
        using var folder = new TempFolder();
        Assert.Equal(0, CliResult.Run("--verbose", "bake", SampleModel.Onnx, "--precision", "Float32", "-o", folder.Root).ExitCode);
        Assert.Equal(0, CliResult.Run("bake", SampleModel.Onnx, "--precision", "Float32", "-o", folder.Root, "--verbose").ExitCode);
    }

    [Fact]
    public void An_unreadable_model_is_MB1002()
    {
        using var folder = new TempFolder();
        string model = Path.Combine(folder.Root, "garbage.onnx");
        File.WriteAllText(model, "this is not protobuf");
        var result = CliResult.Run("inspect", model);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error MB1002: ", result.Error);
    }
}

public class InternalErrorTests
{
    private sealed class Crashing : ModelBaker.Cli.Commands.ICommand
    {
        public System.CommandLine.Command Definition { get; } = new("crash", "Throws.");
        public int Execute(System.CommandLine.ParseResult parsed, ModelBaker.Cli.Commands.CliContext context) => throw new InvalidOperationException("boom");
    }

    private static CliResult Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr, new[] { new Crashing() });
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void An_unexpected_exception_is_MB9001_with_exit_code_3_and_no_stack_trace()
    {
        var result = Run("crash");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith("error MB9001: internal error: boom", result.Error);
        Assert.DoesNotContain(" at ", result.Error);
        Assert.Contains("--verbose", result.Error);
    }

    [Theory]
    [InlineData("--verbose", "crash")]
    [InlineData("crash", "--verbose")]
    public void Verbose_shows_the_stack_trace(params string[] args)
    {
        var result = Run(args);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("System.InvalidOperationException: boom", result.Error);
        Assert.Contains(" at ", result.Error);
    }
}
