using ModelBaker.Tests.Support;
using ModelBaker.Cli;

namespace ModelBaker.Tests.Cli;

/// <summary>Runs `modelbaker` in process through <see cref="Program.Run"/> and keeps what it printed.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public static CliResult Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Program.Run(args, stdout, stderr);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

public static class SampleModel
{
    public static string Onnx => SampleModels.DigitsModel;
    public static string Calibration => SampleModels.DigitsCalibration;
}
