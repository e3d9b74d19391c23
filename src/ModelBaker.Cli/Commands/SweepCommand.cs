using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Reporting;

namespace ModelBaker.Cli.Commands;

/// <summary>
/// `modelbaker sweep MODEL.onnx --calibration C [--validation V] [--sparsities …] [--clusters …] [bake options]`: bakes
/// every sparsity × clusters setting in memory, as `evaluate` bakes one, and prints the accuracy/bytes trade-off as a
/// table with the Pareto front marked, and writes it as an SVG chart (docs/compression.md#modelbaker-sweep).
/// </summary>
public sealed class SweepCommand : ICommand
{
    public const string DefaultSparsities = "0,0.25,0.5,0.6,0.7,0.75,0.8,0.9";
    public const string DefaultClusters = "none,16";

    private readonly BakeArguments bake = new();
    private readonly Option<string> sparsities = BakeArguments.Text("--sparsities", "LIST", $"Sparsities to bake, comma-separated (default {DefaultSparsities}).");
    private readonly Option<string> clusters = BakeArguments.Text("--clusters", "LIST", $"Shared values per layer to bake each sparsity with, comma-separated; none = no clustering (default {DefaultClusters}).");
    private readonly Option<string> output = BakeArguments.Text("--output", "PATH", "The SVG chart's file, or a folder for MODEL.sweep.svg (default: MODEL.sweep.svg in the current folder).", "-o");

    public SweepCommand()
    {
        Definition = bake.AddTo(new Command("sweep",
            "Bake several sparsity and clusters settings in memory; print the accuracy/bytes trade-off and write it as an SVG chart (needs --calibration; measured on --validation, else on held-back calibration samples)."),
            naming: false, setting: false);
        Definition.Options.Add(sparsities);
        Definition.Options.Add(clusters);
        Definition.Options.Add(output);
    }

    public Command Definition { get; }

    public int Execute(ParseResult parsed, CliContext context)
    {
        var options = bake.ToOptions(parsed);
        if (options.CalibrationPath == null)
            throw new UsageException("sweep needs --calibration (representative inputs: each setting is calibrated, refit and, without --validation, measured on them).");
        var settings = Settings(parsed.GetValue(sparsities) ?? DefaultSparsities, parsed.GetValue(clusters) ?? DefaultClusters);
        string model = Path.GetFileName(options.ModelPath);
        string chartPath = ChartPath(parsed.GetValue(output), model);

        // The bakes' warnings (once each) go to standard error; standard output is the table alone.
        var trials = BakeProgress.Run(context, log =>
        {
            var runner = new SettingTrials(options, log);
            foreach (var setting in settings)
            {
                log.Info($"{model}: baking {setting.Label} ({runner.Tried.Count + 1} of {settings.Count})…");
                runner.Run(setting);
            }
            return runner;
        }, infoWriter: context.Error);
        var tried = trials.Tried;
        var first = tried[0].Validation;
        bool labelled = first.FloatTop1 != null;
        string dropName = labelled ? "top-1 drop" : "agreement drop";
        var front = ParetoFront.Of(tried.Select(t => (t.Bytes, t.Drop)).ToList());

        long floatBytes = tried[0].Result.Report.FloatWeightBytes;
        context.Out.WriteLine($"{model}: float model {Format.Bytes(floatBytes)}" +
            (labelled ? $", top-1 {Percent(first.FloatTop1!.Value)}" : "") + $"; measured on {trials.MeasuredOn(first)}.");
        var table = Tables.Create("setting", labelled ? ">top-1" : ">agreement", ">drop", ">baked bytes", ">ratio", "front");
        for (int i = 0; i < tried.Count; i++)
        {
            var t = tried[i];
            table.Row(t.Setting.Label, Percent(labelled ? t.Validation.BakedTop1!.Value : t.Validation.Agreement!.Value),
                t.Drop.ToString("0.00", CultureInfo.InvariantCulture), Format.Count(t.Bytes),
                (floatBytes / (double)t.Bytes).ToString("0.0", CultureInfo.InvariantCulture) + "x",
                front[i] ? "*" : "");
        }
        Tables.Write(context.Out, table);
        if (options.MaxAccuracyDrop is { } budget)
        {
            var best = tried.Where(t => t.Drop <= budget).OrderBy(t => t.Bytes).FirstOrDefault();
            context.Out.WriteLine(best != null
                ? FormattableString.Invariant($"Smallest within MaxAccuracyDrop={budget:0.##}: {best.Setting.Label} ({Format.Bytes(best.Bytes)}, drop {best.Drop:0.00}); pin with {best.Setting.Pin}.")
                : FormattableString.Invariant($"No setting is within MaxAccuracyDrop={budget:0.##}."));
        }

        string title = $"{model}: {dropName} against baked bytes";
        string svg = TradeOffChart.Svg(title, dropName, tried.Select(t => new TradeOffChart.Point(t.Setting.Label, t.Bytes, t.Drop)).ToList(), options.MaxAccuracyDrop);
        BakeCommand.Write(chartPath, () => AtomicFile.WriteText(chartPath, svg));
        context.Out.WriteLine($"Wrote {chartPath}");
        return Program.Success;
    }

    private static string Percent(double value) => value.ToString("0.00", CultureInfo.InvariantCulture) + "%";

    /// <summary>--output as a file, or as a folder (existing, or ending in a separator) for MODEL.sweep.svg.</summary>
    private static string ChartPath(string? output, string model)
    {
        string name = Path.GetFileNameWithoutExtension(model) + ".sweep.svg";
        if (output == null) return Path.GetFullPath(name);
        bool folder = Directory.Exists(output) || output.EndsWith("/", StringComparison.Ordinal) || output.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal);
        return Path.GetFullPath(folder ? Path.Combine(output, name) : output);
    }

    /// <summary>Every sparsity with every clusters value, in the order given (MB1414 for a value that is neither).</summary>
    internal static IReadOnlyList<CompressionSetting> Settings(string sparsityList, string clustersList)
    {
        var s = Split(sparsityList, "--sparsities").Select(text =>
            float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && v >= 0 && v < 1
                ? v
                : throw Invalid($"--sparsities has '{text}'; each must be a number with 0 <= S < 1, '.' as decimal separator (e.g. {DefaultSparsities}).")).ToList();
        var k = Split(clustersList, "--clusters").Select(text =>
            string.Equals(text, "none", StringComparison.OrdinalIgnoreCase) ? (int?)null
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 2 && v <= 256 ? v
            : throw Invalid($"--clusters has '{text}'; each must be none or a whole number of shared values from 2 to 256 (e.g. {DefaultClusters}).")).ToList();
        return s.SelectMany(sparsity => k.Select(c => new CompressionSetting(sparsity, c))).Distinct().ToList();
    }

    private static IEnumerable<string> Split(string list, string option)
    {
        var items = list.Split(',').Select(t => t.Trim()).ToList();
        if (items.Any(t => t.Length == 0)) throw Invalid($"{option} '{list}' has an empty item; give values separated by commas.");
        return items;
    }

    private static UsageException Invalid(string message) => new(message, ErrorCodes.InvalidSweepSettings, showUsage: false);
}
