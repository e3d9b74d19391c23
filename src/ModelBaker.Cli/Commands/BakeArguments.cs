using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;

namespace ModelBaker.Cli.Commands;

/// <summary>
/// The MODEL.onnx argument and the bake options shared by `bake`, `generate`, `inspect` and `evaluate`, turned from
/// strings into a <see cref="BakeOptions"/> with the same rules (and MB12xx codes) as the CompressedModel item's
/// metadata. Each command gets its own instance (System.CommandLine symbols belong to one command).
/// </summary>
public sealed class BakeArguments
{
    public const string DefaultNamespace = "ModelBaker.Generated";

    public Argument<string> Model { get; } = new("MODEL.onnx") { Description = "The ONNX model." };

    public Option<string> Sparsity { get; } = Text("--sparsity", "S", "Fraction of the weights pruned, 0 <= S < 1 (default 0); with --pruning structured, removed with whole filters; auto: the smallest model within --max-accuracy-drop (needs --calibration).");
    public Option<string> Precision { get; } = Text("--precision", "P", "Int8 or Float32 (default Int8).");
    public Option<string> Calibration { get; } = Text("--calibration", "F", "Representative inputs for int8: a .npy file or a folder of TensorProto .pb files.");
    public Option<string> ClassName { get; } = Text("--class-name", "N", "Generated class name (default: the model file name in PascalCase).");
    public Option<string> Namespace { get; } = Text("--namespace", "NS", $"Generated namespace (default {DefaultNamespace}).");

    /// <summary>The options that map one to one onto CompressedModel metadata, checked by the same OptionsParser rules.</summary>
    private readonly (Option<string> Option, string Metadata)[] metadata =
    {
        (Text("--pruning", "MODE", "Unstructured (default: spread over layers by size), Uniform (the same share of every layer), Global (one threshold) or Structured (whole filters)."), "Pruning"),
        (Text("--layer-sparsity", "LIST", "Some layers' own sparsity, by ONNX node name, instead of their share of --sparsity: \"conv1=0.8;fc1=0.6\" (what --sparsity auto pins its per-layer choice with)."), "LayerSparsity"),
        (Text("--pruning-threshold", "T", "Prune every weight with |w| < T (instead of --sparsity)."), "PruningThreshold"),
        (Text("--reconstruction", "BOOL", "Refit kept weights on the calibration data after pruning (default true)."), "Reconstruction"),
        (Text("--clusters", "K", "Share K values (2..256) among each layer's weights: k-means, codebook + packed codes."), "Clusters"),
        (Text("--bias-correction", "BOOL", "Correct biases for the mean int8 weight rounding error (default false)."), "BiasCorrection"),
        (Text("--distillation", "SCOPE", "Distil from the float model on the calibration data: false (default), head (or true) or network."), "Distillation"),
        (Text("--distillation-temperature", "T", "Softmax temperature of the distillation loss (default 4)."), "DistillationTemperature"),
        (Text("--calibration-method", "M", "MinMax (default), Percentile or Entropy."), "CalibrationMethod"),
        (Text("--calibration-percentile", "P", "For Percentile: share of |values| kept in range, in percent (default 99.99)."), "CalibrationPercentile"),
        (Text("--validation", "F", "Inputs to compare the float and baked models on (.npy or a folder of .pb files)."), "Validation"),
        (Text("--validation-labels", "F", "A .npy of class labels, one per validation sample."), "ValidationLabels"),
        (Text("--max-accuracy-drop", "POINTS", "Accuracy budget: automatic recovery escalates past it (default 1 point with calibration data and compression), the build fails past it (MB1401, MB1403); none opts out."), "MaxAccuracyDrop"),
        (Text("--max-output-error", "E", "Fail (MB1415) if an output's relative RMS error against the float model exceeds E (e.g. 0.05)."), "MaxOutputError"),
        (Text("--weight-storage", "W", $"Auto (default: inline below {Baker.AutoResourceWeightBytes / 1024} KB of weights), Inline (array initializers) or Resource (a .weights file to embed)."), "WeightStorage"),
    };

    /// <summary>
    /// An option whose value stays text until <see cref="ToOptions"/> checks it, so a bad value gets the same MB12xx
    /// code and message as in a project file.
    /// </summary>
    public static Option<string> Text(string name, string valueName, string description, params string[] aliases) =>
        new(name, aliases) { Description = description, HelpName = valueName };

    /// <summary>
    /// Adds the model argument and the compression options; with <paramref name="naming"/> also --class-name and
    /// --namespace; without <paramref name="setting"/> not --sparsity and --clusters (`sweep` takes lists of them).
    /// </summary>
    public Command AddTo(Command command, bool naming, bool setting = true)
    {
        command.Arguments.Add(Model);
        var settings = setting ? new[] { Sparsity } : Array.Empty<Option<string>>();
        foreach (var option in settings.Concat(new[] { Precision, Calibration }).Concat(metadata.Where(m => setting || m.Metadata != "Clusters").Select(m => m.Option)))
            command.Options.Add(option);
        if (naming)
        {
            command.Options.Add(ClassName);
            command.Options.Add(Namespace);
        }
        return command;
    }

    /// <summary>The MODEL.onnx argument, as a full path.</summary>
    public string ModelPath(ParseResult parsed) => Path.GetFullPath(parsed.GetValue(Model)!);

    public BakeOptions ToOptions(ParseResult parsed)
    {
        string modelPath = ModelPath(parsed);
        string className = parsed.GetValue(ClassName) ?? OptionsParser.DefaultClassName(modelPath);
        if (Names.ReservedClassNames.Contains(className))
            throw new UsageException($"--class-name '{className}' is also the name of a kernel method inside the generated class; choose another, e.g. {className}Model.", ErrorCodes.InvalidClassName, showUsage: false);
        if (!Names.IsValidIdentifier(className))
            throw new UsageException($"--class-name '{className}' is not a valid C# identifier.", ErrorCodes.InvalidClassName, showUsage: false);
        string ns = parsed.GetValue(Namespace) ?? DefaultNamespace;
        if (!Names.IsValidNamespace(ns))
            throw new UsageException($"--namespace '{ns}' is not a valid C# namespace (identifiers separated by dots).", ErrorCodes.InvalidNamespace, showUsage: false);

        string? calibration = parsed.GetValue(Calibration);
        string? sparsity = parsed.GetValue(Sparsity);
        bool auto = string.Equals(sparsity, "auto", StringComparison.OrdinalIgnoreCase);
        var options = new BakeOptions(modelPath, className, ns)
        {
            Sparsity = auto ? 0 : ParseSparsity(sparsity),
            SparsityAuto = auto,
            Precision = ParsePrecision(parsed.GetValue(Precision)),
            CalibrationPath = calibration == null ? null : Path.GetFullPath(calibration),
        };
        return WithMetadataOptions(parsed, options);
    }

    /// <summary>The options that mirror item metadata, parsed by <see cref="OptionsParser"/> so both accept the same values.</summary>
    private BakeOptions WithMetadataOptions(ParseResult parsed, BakeOptions options)
    {
        var given = metadata.Where(m => parsed.GetValue(m.Option) != null)
            .ToDictionary(m => m.Metadata, m => parsed.GetValue(m.Option)!);
        // Sparsity "auto" is checked with the rest (it needs --max-accuracy-drop and --calibration, MB1410/MB1411).
        if (options.SparsityAuto)
        {
            given["Sparsity"] = "auto";
            if (options.CalibrationPath != null) given["Calibration"] = options.CalibrationPath;
        }
        if (given.Count == 0) return options;
        if (options.Sparsity > 0 && given.ContainsKey("PruningThreshold")) given["Sparsity"] = options.Sparsity.ToString(CultureInfo.InvariantCulture);
        var result = OptionsParser.Parse(options.ModelPath, given, Directory.GetCurrentDirectory(), options.Namespace);
        var problem = result.Problems.FirstOrDefault(p => p.Code != ErrorCodes.ModelNotFound);
        if (problem != null) throw new UsageException(problem.Message, problem.Code, showUsage: false);
        if (result.Options == null) return options; // only a missing model: the bake reports it
        var p = result.Options;
        return options with
        {
            Pruning = p.Pruning, LayerSparsity = p.LayerSparsity, PruningThreshold = p.PruningThreshold, Reconstruction = p.Reconstruction, Clusters = p.Clusters, BiasCorrection = p.BiasCorrection,
            Distillation = p.Distillation, DistillationTemperature = p.DistillationTemperature,
            CalibrationMethod = p.CalibrationMethod, CalibrationPercentile = p.CalibrationPercentile,
            ValidationPath = p.ValidationPath, ValidationLabelsPath = p.ValidationLabelsPath, MaxAccuracyDrop = p.MaxAccuracyDrop, MaxOutputError = p.MaxOutputError, NoAccuracyBudget = p.NoAccuracyBudget,
            WeightStorage = p.WeightStorage,
        };
    }

    private static float ParseSparsity(string? text)
    {
        if (text == null) return 0;
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float s) || float.IsNaN(s))
            throw new UsageException($"--sparsity '{text}' is not a number; give a fraction such as 0.5.", ErrorCodes.InvalidSparsity, showUsage: false);
        if (s < 0 || s >= 1)
            throw new UsageException($"--sparsity {text} is out of range: it is the fraction of weights pruned, at least 0 and less than 1 (e.g. 0.5).",
                ErrorCodes.InvalidSparsity, showUsage: false);
        return s;
    }

    internal static Core.Options.Precision ParsePrecision(string? text)
    {
        if (text == null) return Core.Options.Precision.Int8;
        if (string.Equals(text, "Int8", StringComparison.OrdinalIgnoreCase)) return Core.Options.Precision.Int8;
        if (string.Equals(text, "Float32", StringComparison.OrdinalIgnoreCase)) return Core.Options.Precision.Float32;
        throw new UsageException($"--precision '{text}' is unknown; use Int8 or Float32.", ErrorCodes.UnknownPrecision, showUsage: false);
    }
}
