using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.Linq;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Reporting;

namespace ModelBaker.Cli.Commands;

/// <summary>
/// `modelbaker evaluate MODEL.onnx --validation X [--validation-labels Y] [bake options]`: bakes in memory and prints
/// what compression cost — bytes before and after, top-1 of the float and the baked model, agreement, sparsity — as one
/// table row (the harness behind docs/compression.md); with --verbose, a row per step with its output error; with --tsv,
/// the same figures unformatted, tab-separated, for scripts (build/measure_zoo.sh). Writes no files.
/// </summary>
public sealed class EvaluateCommand : ICommand
{
    private readonly BakeArguments bake = new();
    private readonly Option<bool> tsv = new("--tsv") { Description = "Print a header line and one tab-separated row of unformatted figures (for scripts)." };

    /// <summary>
    /// Keeps the --validation data out of the bake: automatic recovery then judges on held-back calibration samples, as in
    /// a build without Validation, and --validation only measures the result (the harness's recovery rows).
    /// </summary>
    private readonly Option<bool> recoveryOnCalibration = new("--recovery-on-calibration")
    {
        Description = "Automatic recovery judges on held-back calibration samples (as a build without Validation does); --validation only measures the result.",
    };

    public EvaluateCommand()
    {
        Definition = bake.AddTo(new Command("evaluate", "Bake in memory and measure size and accuracy against the float model (needs --validation)."), naming: false);
        Definition.Options.Add(recoveryOnCalibration);
        Definition.Options.Add(tsv);
    }

    public Command Definition { get; }

    public int Execute(ParseResult parsed, CliContext context)
    {
        var options = bake.ToOptions(parsed);
        if (options.ValidationPath == null) throw new UsageException("evaluate needs --validation (inputs to measure on).");

        // The bake's log goes to standard error: standard output is the table alone.
        var (plan, report) = parsed.GetValue(recoveryOnCalibration)
            ? BakeProgress.Run(context, log => BakeThenMeasure(options, log), infoWriter: context.Error)
            : BakeProgress.Run(context, log => Baker.BakeWithReport(options, log), infoWriter: context.Error);
        var v = report.Validation!;
        if (parsed.GetValue(tsv))
        {
            WriteTsv(context, plan.Header.ModelFileName, plan.Header.Precision.ToString(), report, v);
            return Program.Success;
        }
        string Percent(double? value) => value is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) + "%" : "-";
        var table = Tables.Create("model", "precision", ">sparsity", ">float bytes", ">baked bytes", ">ratio", ">float top-1", ">baked top-1", ">drop", ">agreement", ">output error", "encodings");
        table.Row(plan.Header.ModelFileName, plan.Header.Precision.ToString(), report.AchievedSparsity.ToString("0.000", CultureInfo.InvariantCulture),
            Format.Count(report.FloatWeightBytes), Format.Count(report.BakedWeightBytes),
            ((double)report.FloatWeightBytes / report.BakedWeightBytes).ToString("0.0", CultureInfo.InvariantCulture) + "x",
            Percent(v.FloatTop1), Percent(v.BakedTop1), v.Drop is { } drop ? drop.ToString("0.00", CultureInfo.InvariantCulture) : "-", Percent(v.Agreement),
            // The worst output's relative RMS error against the float model: the measure of a model that is not a classifier.
            v.Outputs.Count == 0 ? "-" : v.Outputs.Max(o => o.RelativeError).ToString("0.0000", CultureInfo.InvariantCulture),
            string.Join(",", report.Layers.Where(l => l.Parameters > 0).Select(l => l.Encoding).Distinct()));
        Tables.Write(context.Out, table);
        if (context.Verbose)
        {
            context.Out.WriteLine();
            var layers = Tables.Create("step", "kind", ">parameters", ">sparsity", "encoding", ">bytes", ">output error", "flag");
            foreach (var l in report.Layers)
                layers.Row(l.Name, l.RunsInFloat != null ? l.Op + " (in float)" : l.Op, Format.Count(l.Parameters), l.Sparsity.ToString("0.000", CultureInfo.InvariantCulture), l.Encoding,
                    Format.Count(l.Bytes), l.OutputError is { } e ? e.ToString("0.0000", CultureInfo.InvariantCulture) : "-", l.Flag ?? "");
            Tables.Write(context.Out, layers);
        }
        return Program.Success;
    }

    /// <summary>
    /// The row's figures without thousands separators, units or rounding beyond what the measure holds (round-trip
    /// doubles), so a script can compute with them; absent top-1 (no labels), drop and agreement (not a classifier) are
    /// empty. Columns are only ever appended.
    /// </summary>
    private static void WriteTsv(CliContext context, string model, string precision, BakeReport report, AccuracyResult v)
    {
        string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        string Optional(double? value) => value is { } x ? Number(x) : "";
        // What automatic recovery did, when it ran: the data that judged it, its budget there, each step's name and
        // drop on that data ("name=drop;…"), the step kept, and the build seconds all steps cost.
        var r = report.Recovery;
        context.Out.WriteLine(string.Join('\t', "model", "precision", "sparsity", "float_bytes", "baked_bytes", "float_top1", "baked_top1", "drop", "agreement", "samples",
            "recovery_judged_on", "recovery_samples", "recovery_budget", "recovery_steps", "recovery_kept", "recovery_seconds"));
        context.Out.WriteLine(string.Join('\t', model, precision, Number(report.AchievedSparsity),
            report.FloatWeightBytes.ToString(CultureInfo.InvariantCulture), report.BakedWeightBytes.ToString(CultureInfo.InvariantCulture),
            Optional(v.FloatTop1), Optional(v.BakedTop1), Optional(v.Drop), Optional(v.Agreement), v.Samples.ToString(CultureInfo.InvariantCulture),
            r?.JudgedOn ?? "", r?.Samples.ToString(CultureInfo.InvariantCulture) ?? "", r != null ? Number(r.Budget) : "",
            r != null ? string.Join(';', r.Steps.Select(s => s.Name + "=" + s.Drop.ToString("0.00", CultureInfo.InvariantCulture))) : "",
            r?.KeptStep.Name ?? "", r != null ? r.Steps.Sum(s => s.Seconds).ToString("0.0", CultureInfo.InvariantCulture) : ""));
    }

    /// <summary>The bake without its validation data, then the float model as exported and the baked one compared on it.</summary>
    private static BakeResult BakeThenMeasure(BakeOptions options, IBakeLog log)
    {
        var (plan, report) = Baker.BakeWithReport(options with { ValidationPath = null, ValidationLabelsPath = null }, log);
        var reference = Baker.Bake(new BakeOptions(options.ModelPath, options.ClassName, options.Namespace) { Precision = Precision.Float32 }, new NullLog());
        var inputs = CalibrationSet.Open(options.ValidationPath!, plan.Inputs);
        var labels = options.ValidationLabelsPath != null ? NpyReader.Read(options.ValidationLabelsPath).AsFloats().Select(l => (int)l).ToArray() : null;
        return new BakeResult(plan, report with { Validation = Evaluation.Compare(reference, plan, inputs, labels) });
    }

    private sealed class NullLog : IBakeLog
    {
        public void Info(string message) { }
        public void Warning(string code, string message) { }
    }
}
