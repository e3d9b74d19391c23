using System.Collections.Generic;
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
    public string Name => "conformance";
    public string ArgumentsSyntax => "DIR";
    public string Summary => "Run the ONNX backend test cases below DIR through generated C# (float mode).";
    public IReadOnlyList<OptionSpec> Options => new OptionSpec[0];

    public int Execute(ParsedArguments args, CliContext context)
    {
        if (args.Positionals.Count != 1) throw new UsageException("conformance takes one folder of test cases.");
        string root = args.Positionals[0];
        if (!Directory.Exists(root)) throw new UsageException($"'{root}' is not a folder.");

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
