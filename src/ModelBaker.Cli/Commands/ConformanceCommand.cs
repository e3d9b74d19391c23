using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Options;

namespace ModelBaker.Cli.Commands;

/// <summary>
/// `modelbaker conformance DIR`: every ONNX backend test case below DIR through the generated C#, one line per
/// case (PASS, FAIL or SKIP with the reason), then "N passed, N failed, N skipped". Exit code 1 if any failed.
/// DIR may also hold "light" real-architecture models (light_NAME.onnx, input_0.pb, light_NAME_output_0.pb), whose lines
/// add bake, compile and run times, the generated source size and the largest errors.
/// With --precision int8 each case is baked int8 instead (calibrated on inputs drawn like its own) and its line gives each
/// output's signal-to-noise ratio against the float reference ("SNR case: 'y' 41.2 dB"); the last line is then
/// "N measured, N failed, N skipped", a failure being a broken bake or run, or a NaN or infinite output.
/// </summary>
public sealed class ConformanceCommand : ICommand
{
    private readonly Argument<string> folder = new("DIR") { Description = "A folder holding ONNX backend test cases (model.onnx, test_data_set_*) or light models, at any depth." };

    private readonly Option<string> precision = BakeArguments.Text("--precision", "P",
        "Float32 (default): compare each output with the expected one (rtol 1e-4, atol 1e-5). Int8: bake int8, calibrated on " +
        $"{ConformanceRunner.CalibrationSamples} inputs drawn like the case's (same shapes, values in its data's ranges, fixed seed), and " +
        "print each output's signal-to-noise ratio in dB against the expected float outputs; a case fails only when the bake or the " +
        "generated code breaks or an output is NaN or infinite.");

    public ConformanceCommand()
    {
        Definition = new Command("conformance", "Run the ONNX backend test cases below DIR through generated C# (float mode; --precision int8: signal-to-noise ratios of int8 bakes).");
        Definition.Arguments.Add(folder);
        Definition.Options.Add(precision);
    }

    public Command Definition { get; }

    public int Execute(ParseResult parsed, CliContext context)
    {
        string root = parsed.GetValue(folder)!;
        if (!Directory.Exists(root)) throw new UsageException($"'{root}' is not a folder.", showUsage: false);

        bool int8 = parsed.GetValue(precision) is { } text && BakeArguments.ParsePrecision(text) == Precision.Int8;

        var results = new List<CaseResult>();
        foreach (var testCase in ConformanceCase.Find(root))
        {
            var result = int8 ? ConformanceRunner.RunInt8(testCase) : ConformanceRunner.Run(testCase);
            results.Add(result);
            // A whole architecture also gets its timings and errors; an operator case stays one plain line.
            context.Out.WriteLine(testCase.IsLightModel && result.Measurements != null ? $"{result} ({result.Measurements})" : result.ToString());
        }
        int passed = results.Count(r => r.Outcome == Outcome.Pass), failed = results.Count(r => r.Outcome == Outcome.Fail);
        context.Out.WriteLine($"{passed} {(int8 ? "measured" : "passed")}, {failed} failed, {results.Count - passed - failed} skipped");
        return failed == 0 ? Program.Success : Program.BakeError;
    }
}
