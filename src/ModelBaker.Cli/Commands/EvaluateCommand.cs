using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelBaker.Core.Pipeline;

namespace ModelBaker.Cli.Commands;

/// <summary>
/// `modelbaker evaluate MODEL.onnx --validation X [--validation-labels Y] [bake options]`: bakes in memory and prints
/// what compression cost — bytes before and after, top-1 of the float and the baked model, agreement, sparsity — as one
/// table row (the harness behind docs/compression.md); with --verbose, a row per step with its output error. Writes no files.
/// </summary>
public sealed class EvaluateCommand : ICommand
{
    public string Name => "evaluate";
    public string ArgumentsSyntax => "MODEL.onnx";
    public string Summary => "Bake in memory and measure size and accuracy against the float model (needs --validation).";
    public IReadOnlyList<OptionSpec> Options => BakeArguments.Compression;

    public int Execute(ParsedArguments args, CliContext context)
    {
        string modelPath = BakeArguments.ModelPath(args, Name);
        var options = BakeArguments.ToOptions(args, modelPath);
        if (options.ValidationPath == null) throw new UsageException("evaluate needs --validation (inputs to measure on).");

        var (plan, report) = Baker.BakeWithReport(options, new ConsoleBakeLog(context.Error, context.Error));
        var v = report.Validation!;
        string Percent(double? value) => value is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) + "%" : "-";
        var table = new TextTable("model", "precision", ">sparsity", ">float bytes", ">baked bytes", ">ratio", ">float top-1", ">baked top-1", ">drop", ">agreement", "encodings");
        table.Row(plan.Header.ModelFileName, plan.Header.Precision.ToString(), report.AchievedSparsity.ToString("0.000", CultureInfo.InvariantCulture),
            Format.Count(report.FloatWeightBytes), Format.Count(report.BakedWeightBytes),
            ((double)report.FloatWeightBytes / report.BakedWeightBytes).ToString("0.0", CultureInfo.InvariantCulture) + "x",
            Percent(v.FloatTop1), Percent(v.BakedTop1), v.Drop.ToString("0.00", CultureInfo.InvariantCulture), Percent(v.Agreement),
            string.Join(",", report.Layers.Where(l => l.Parameters > 0).Select(l => l.Encoding).Distinct()));
        table.WriteTo(context.Out);
        if (context.Verbose)
        {
            context.Out.WriteLine();
            var layers = new TextTable("step", "kind", ">parameters", ">sparsity", "encoding", ">bytes", ">output error");
            foreach (var l in report.Layers)
                layers.Row(l.Name, l.Op, Format.Count(l.Parameters), l.Sparsity.ToString("0.000", CultureInfo.InvariantCulture), l.Encoding,
                    Format.Count(l.Bytes), l.OutputError is { } e ? e.ToString("0.0000", CultureInfo.InvariantCulture) : "-");
            layers.WriteTo(context.Out);
        }
        return Program.Success;
    }
}
