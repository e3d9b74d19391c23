using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using ModelBaker.Cli.Conformance;

namespace ModelBaker.Cli.Commands;

/// <summary>
/// `modelbaker conformance DIR`: every ONNX backend test case below DIR through the generated C#, one line per
/// case (PASS, FAIL or SKIP with the reason), then "N passed, N failed, N skipped". Exit code 1 if any failed.
/// DIR may also hold "light" real-architecture models (light_NAME.onnx, input_0.pb, light_NAME_output_0.pb), whose lines
/// add bake, compile and run times, the generated source size and the largest errors.
/// </summary>
public sealed class ConformanceCommand : ICommand
{
    private readonly Argument<string> folder = new("DIR") { Description = "A folder holding ONNX backend test cases (model.onnx, test_data_set_*) or light models, at any depth." };

    public ConformanceCommand()
    {
        Definition = new Command("conformance", "Run the ONNX backend test cases below DIR through generated C# (float mode).");
        Definition.Arguments.Add(folder);
    }

    public Command Definition { get; }

    public int Execute(ParseResult parsed, CliContext context)
    {
        string root = parsed.GetValue(folder)!;
        if (!Directory.Exists(root)) throw new UsageException($"'{root}' is not a folder.", showUsage: false);

        var results = new List<CaseResult>();
        foreach (var testCase in ConformanceCase.Find(root))
        {
            var result = ConformanceRunner.Run(testCase);
            results.Add(result);
            // A whole architecture also gets its timings and errors; an operator case stays one plain line.
            context.Out.WriteLine(testCase.IsLightModel && result.Measurements != null ? $"{result} ({result.Measurements})" : result.ToString());
        }
        int passed = results.Count(r => r.Outcome == Outcome.Pass), failed = results.Count(r => r.Outcome == Outcome.Fail);
        context.Out.WriteLine($"{passed} passed, {failed} failed, {results.Count - passed - failed} skipped");
        return failed == 0 ? Program.Success : Program.BakeError;
    }
}
