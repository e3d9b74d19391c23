using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Options;

namespace ModelBaker.Cli.Commands;

/// <summary>
/// The bake options shared by `bake` and `inspect`, turned from strings into a <see cref="BakeOptions"/> with the
/// same rules (and MB12xx codes) as the CompressedModel item's metadata.
/// </summary>
public static class BakeArguments
{
    public const string DefaultNamespace = "ModelBaker.Generated";

    public static readonly OptionSpec Sparsity = new("--sparsity", "S", "Fraction of the weights pruned, 0 <= S < 1 (default 0); with --pruning structured, removed with whole filters.");
    public static readonly OptionSpec Precision = new("--precision", "P", "Int8 or Float32 (default Int8).");
    public static readonly OptionSpec Calibration = new("--calibration", "F", "Representative inputs for int8: a .npy file or a folder of TensorProto .pb files.");
    public static readonly OptionSpec ClassName = new("--class-name", "N", "Generated class name (default: the model file name in PascalCase).");
    public static readonly OptionSpec Namespace = new("--namespace", "NS", $"Generated namespace (default {DefaultNamespace}).");

    // The rest map one to one onto CompressedModel metadata and are checked by the same OptionsParser rules.
    public static readonly OptionSpec Pruning = new("--pruning", "MODE", "Unstructured (default: spread over layers by size), Uniform (the same share of every layer), Global (one threshold) or Structured (whole filters).");
    public static readonly OptionSpec PruningThreshold = new("--pruning-threshold", "T", "Prune every weight with |w| < T (instead of --sparsity).");
    public static readonly OptionSpec Clusters = new("--clusters", "K", "Share K values (2..256) among each layer's weights: k-means, codebook + packed codes.");
    public static readonly OptionSpec BiasCorrectionOption = new("--bias-correction", "BOOL", "Correct biases for the mean int8 weight rounding error (default false).");
    public static readonly OptionSpec Distillation = new("--distillation", "SCOPE", "Distil from the float model on the calibration data: false (default), head (or true) or network.");
    public static readonly OptionSpec DistillationTemperature = new("--distillation-temperature", "T", "Softmax temperature of the distillation loss (default 4).");
    public static readonly OptionSpec Reconstruction = new("--reconstruction", "BOOL", "Refit kept weights on the calibration data after pruning (default true).");
    public static readonly OptionSpec CalibrationMethod = new("--calibration-method", "M", "MinMax (default), Percentile or Entropy.");
    public static readonly OptionSpec CalibrationPercentile = new("--calibration-percentile", "P", "For Percentile: share of |values| kept in range, in percent (default 99.99).");
    public static readonly OptionSpec Validation = new("--validation", "F", "Inputs to compare the float and baked models on (.npy or a folder of .pb files).");
    public static readonly OptionSpec ValidationLabels = new("--validation-labels", "F", "A .npy of class labels, one per validation sample.");
    public static readonly OptionSpec MaxAccuracyDrop = new("--max-accuracy-drop", "POINTS", "Fail (MB1401) if top-1 drops more than this many points.");

    private static readonly (OptionSpec Option, string Metadata)[] Metadata =
    {
        (Pruning, "Pruning"), (PruningThreshold, "PruningThreshold"), (Reconstruction, "Reconstruction"), (Clusters, "Clusters"), (BiasCorrectionOption, "BiasCorrection"),
        (Distillation, "Distillation"), (DistillationTemperature, "DistillationTemperature"),
        (CalibrationMethod, "CalibrationMethod"), (CalibrationPercentile, "CalibrationPercentile"),
        (Validation, "Validation"), (ValidationLabels, "ValidationLabels"), (MaxAccuracyDrop, "MaxAccuracyDrop"),
    };

    public static IReadOnlyList<OptionSpec> Compression { get; } =
        new[] { Sparsity, Precision, Calibration }.Concat(Metadata.Select(m => m.Option)).ToArray();

    /// <summary>The single MODEL.onnx argument, as a full path.</summary>
    public static string ModelPath(ParsedArguments args, string command)
    {
        if (args.Positionals.Count == 0) throw new UsageException($"'{command}' needs the path of an ONNX model.");
        if (args.Positionals.Count > 1) throw new UsageException($"'{command}' takes one model, but got {args.Positionals.Count} arguments: {string.Join(" ", args.Positionals)}.");
        return Path.GetFullPath(args.Positionals[0]);
    }

    public static BakeOptions ToOptions(ParsedArguments args, string modelPath)
    {
        string className = args.Value(ClassName.Name) ?? OptionsParser.DefaultClassName(modelPath);
        if (Names.ReservedClassNames.Contains(className))
            throw new UsageException($"--class-name '{className}' is also the name of a kernel method inside the generated class; choose another, e.g. {className}Model.", ErrorCodes.InvalidClassName, showUsage: false);
        if (!Names.IsValidIdentifier(className))
            throw new UsageException($"--class-name '{className}' is not a valid C# identifier.", ErrorCodes.InvalidClassName, showUsage: false);
        string ns = args.Value(Namespace.Name) ?? DefaultNamespace;
        if (!Names.IsValidNamespace(ns))
            throw new UsageException($"--namespace '{ns}' is not a valid C# namespace (identifiers separated by dots).", ErrorCodes.InvalidNamespace, showUsage: false);

        string? calibration = args.Value(Calibration.Name);
        var options = new BakeOptions(modelPath, className, ns)
        {
            Sparsity = ParseSparsity(args.Value(Sparsity.Name)),
            Precision = ParsePrecision(args.Value(Precision.Name)),
            CalibrationPath = calibration == null ? null : Path.GetFullPath(calibration),
        };
        return WithMetadataOptions(args, options);
    }

    /// <summary>The options that mirror item metadata, parsed by <see cref="OptionsParser"/> so both accept the same values.</summary>
    private static BakeOptions WithMetadataOptions(ParsedArguments args, BakeOptions options)
    {
        var given = Metadata.Where(m => args.Value(m.Option.Name) != null)
            .ToDictionary(m => m.Metadata, m => args.Value(m.Option.Name)!);
        if (given.Count == 0) return options;
        if (options.Sparsity > 0 && given.ContainsKey("PruningThreshold")) given["Sparsity"] = options.Sparsity.ToString(CultureInfo.InvariantCulture);
        var parsed = OptionsParser.Parse(options.ModelPath, given, Directory.GetCurrentDirectory(), options.Namespace);
        var problem = parsed.Problems.FirstOrDefault(p => p.Code != ErrorCodes.ModelNotFound);
        if (problem != null) throw new UsageException(problem.Message, problem.Code, showUsage: false);
        if (parsed.Options == null) return options; // only a missing model: the bake reports it
        var p = parsed.Options;
        return options with
        {
            Pruning = p.Pruning, PruningThreshold = p.PruningThreshold, Reconstruction = p.Reconstruction, Clusters = p.Clusters, BiasCorrection = p.BiasCorrection,
            Distillation = p.Distillation, DistillationTemperature = p.DistillationTemperature,
            CalibrationMethod = p.CalibrationMethod, CalibrationPercentile = p.CalibrationPercentile,
            ValidationPath = p.ValidationPath, ValidationLabelsPath = p.ValidationLabelsPath, MaxAccuracyDrop = p.MaxAccuracyDrop,
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

    private static Core.Options.Precision ParsePrecision(string? text)
    {
        if (text == null) return Core.Options.Precision.Int8;
        if (string.Equals(text, "Int8", StringComparison.OrdinalIgnoreCase)) return Core.Options.Precision.Int8;
        if (string.Equals(text, "Float32", StringComparison.OrdinalIgnoreCase)) return Core.Options.Precision.Float32;
        throw new UsageException($"--precision '{text}' is unknown; use Int8 or Float32.", ErrorCodes.UnknownPrecision, showUsage: false);
    }
}
