using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Options;

namespace ModelBaker.Core.Pipeline;

/// <summary>
/// Turns one <c>CompressedModel</c> item's metadata (plain strings, as MSBuild or the CLI has them) into
/// <see cref="BakeOptions"/>, or into every problem found, each with its stable code. Pure apart from checking
/// that the model and calibration paths exist, so the MSBuild task and the CLI report the same errors.
/// </summary>
public static class OptionsParser
{
    /// <summary>
    /// The metadata a CompressedModel item may carry (README's table). Anything else is MB1208. The target platform is
    /// <c>CodeTarget</c>, not <c>Target</c>: MSBuild reserves "Target" and rejects it as item metadata (MSB4066, MSB4118).
    /// </summary>
    public static IReadOnlyList<string> MetadataNames { get; } =
        new[]
        {
            "Sparsity", "LayerSparsity", "Pruning", "PruningThreshold", "Reconstruction", "BiasCorrection", "Distillation", "DistillationTemperature", "Clusters", "Precision", "Calibration", "CalibrationMethod",
            "CalibrationPercentile", "Validation", "ValidationLabels", "MaxAccuracyDrop", "MaxOutputError", "ClassName", "Namespace", "CodeTarget",
            "WeightStorage",
        };

    /// <summary>
    /// Metadata that MSBuild, the SDK or an IDE attach to items of any type (Solution Explorer's Link/Visible,
    /// copy-to-output settings, …): never reported as unknown, whatever the item.
    /// </summary>
    private static readonly HashSet<string> IgnoredMetadata = new(StringComparer.OrdinalIgnoreCase)
    {
        "Link", "LinkBase", "Visible", "DependentUpon", "SubType", "Generator", "LastGenOutput", "CustomToolNamespace",
        "DesignTime", "AutoGen", "DesignTimeSharedInput", "CopyToOutputDirectory", "CopyToPublishDirectory",
        "ExcludeFromSingleFile", "TargetPath", "IsImplicitlyDefined", "OriginalItemSpec", "MSBuildSourceProjectFile",
        "MSBuildSourceTargetName",
    };

    public sealed record Problem(string Code, string Message);

    public sealed record Result(BakeOptions? Options, IReadOnlyList<Problem> Problems)
    {
        public bool Succeeded => Options != null;
    }

    /// <param name="model">The item as written (e.g. "models/net.onnx"), relative to <paramref name="projectDirectory"/>.</param>
    /// <param name="metadata">The item's custom metadata; missing or empty values mean "use the default".</param>
    /// <param name="defaultNamespace">The project's RootNamespace (or its assembly name when that is empty).</param>
    public static Result Parse(string model, IReadOnlyDictionary<string, string> metadata, string projectDirectory, string defaultNamespace)
    {
        var problems = new List<Problem>();
        void Fail(string code, string message) => problems.Add(new Problem(code, message));
        string? Value(string name) =>
            metadata.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value is { Length: > 0 } v ? v.Trim() : null;
        string item = $"CompressedModel '{model}'";

        var unknown = metadata.Keys
            .Where(k => !MetadataNames.Contains(k, StringComparer.OrdinalIgnoreCase) && !IgnoredMetadata.Contains(k))
            .OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
            Fail(ErrorCodes.UnknownMetadata,
                $"{item} has unknown metadata {string.Join(", ", unknown.Select(k => $"'{k}'"))}. Allowed: {string.Join(", ", MetadataNames)}. Check the spelling or remove it.");

        string modelPath = Path.GetFullPath(Path.Combine(projectDirectory, model));
        if (!File.Exists(modelPath))
            Fail(ErrorCodes.ModelNotFound, $"{item}: the model file '{modelPath}' does not exist. Fix the Include path (it is relative to the project folder).");

        float sparsity = 0;
        bool auto = Value("Sparsity") is { } autoText && Is(autoText, "auto");
        if (!auto && Value("Sparsity") is { } sparsityText
            && (!float.TryParse(sparsityText, NumberStyles.Float, CultureInfo.InvariantCulture, out sparsity) || !(sparsity >= 0 && sparsity < 1)))
            Fail(ErrorCodes.InvalidSparsity,
                $"{item} has Sparsity=\"{sparsityText}\"; it must be a number with 0 <= Sparsity < 1 and '.' as decimal separator (e.g. 0.5 prunes half of the weights), or auto (with MaxAccuracyDrop).");

        var pruning = PruningMode.Unstructured;
        switch (Value("Pruning"))
        {
            case null: break;
            case var p when Is(p, "Unstructured"): pruning = PruningMode.Unstructured; break;
            case var p when Is(p, "Uniform"): pruning = PruningMode.Uniform; break;
            case var p when Is(p, "Global"): pruning = PruningMode.Global; break;
            case var p when Is(p, "Structured"): pruning = PruningMode.Structured; break;
            case var p:
                Fail(ErrorCodes.UnknownPruning, $"{item} has Pruning=\"{p}\"; the allowed values are Unstructured (the default), Uniform, Global and Structured.");
                break;
        }

        float? threshold = Number(Value("PruningThreshold"), "PruningThreshold", v => v >= 0, "a magnitude ≥ 0 (every |w| below it becomes 0)") is { } tau ? (float)tau : null;
        if (threshold != null && (sparsity > 0 || auto))
            Fail(ErrorCodes.ConflictingMetadata, $"{item} sets both Sparsity and PruningThreshold; they are two ways to say how much to prune. Keep one.");
        if (threshold != null && pruning == PruningMode.Structured)
            Fail(ErrorCodes.ConflictingMetadata, $"{item} sets PruningThreshold with Pruning=\"Structured\": a threshold prunes single weights, structured pruning whole filters. Give Structured a Sparsity (the share of the weights to remove with whole filters).");

        LayerSparsity? layerSparsity = null;
        if (Value("LayerSparsity") is { } layersText)
        {
            var (parsedLayers, layerProblems) = LayerSparsity.Parse(layersText);
            foreach (var (code, message) in layerProblems) Fail(code, $"{item} {message}");
            layerSparsity = parsedLayers;
            // The layers' own sparsity is what auto chooses, and what a threshold or whole filters would override.
            if (auto || threshold != null || pruning == PruningMode.Structured)
                Fail(ErrorCodes.ConflictingMetadata, $"{item} sets LayerSparsity with " +
                    (auto ? "Sparsity=\"auto\", which chooses each layer's sparsity itself (and reports the LayerSparsity that pins its choice). Keep one of them."
                     : threshold != null ? "PruningThreshold (one magnitude for all layers). Keep one of them."
                     : "Pruning=\"Structured\", which removes whole filters by its own ranking. Use Unstructured (the default), Uniform or Global with LayerSparsity."));
        }

        int? clusters = Number(Value("Clusters"), "Clusters", v => v >= 2 && v <= 256 && v == Math.Floor(v), "a whole number of shared weight values per layer, 2 to 256 (16 gives 4-bit codes)") is { } k ? (int)k : null;

        bool reconstruction = Boolean("Reconstruction", true);
        bool biasCorrection = Boolean("BiasCorrection", false);
        var distillation = BakeOptions.DistillationByDefault;
        switch (Value("Distillation"))
        {
            case null: break;
            case var d when Is(d, "false") || Is(d, "None"): distillation = DistillationScope.None; break;
            case var d when Is(d, "true") || Is(d, "Head"): distillation = DistillationScope.Head; break;
            case var d when Is(d, "Network"): distillation = DistillationScope.Network; break;
            case var d:
                Fail(ErrorCodes.UnknownDistillation, $"{item} has Distillation=\"{d}\"; the allowed values are false (the default), Head (or true) and Network.");
                break;
        }

        var precision = Precision.Int8;
        switch (Value("Precision"))
        {
            case null: break;
            case var p when Is(p, "Int8"): precision = Precision.Int8; break;
            case var p when Is(p, "Float32"): precision = Precision.Float32; break;
            case var p:
                Fail(ErrorCodes.UnknownPrecision, $"{item} has Precision=\"{p}\"; the allowed values are Int8 (the default) and Float32.");
                break;
        }

        string? calibrationPath = null;
        if (Value("Calibration") is { } calibration)
        {
            calibrationPath = Path.GetFullPath(Path.Combine(projectDirectory, calibration));
            if (!File.Exists(calibrationPath) && !Directory.Exists(calibrationPath))
                Fail(ErrorCodes.CalibrationNotFound,
                    $"{item} has Calibration=\"{calibration}\", but '{calibrationPath}' does not exist. Give a .npy file or a folder of TensorProto .pb files, relative to the project folder.");
        }

        var method = CalibrationMethod.MinMax;
        switch (Value("CalibrationMethod"))
        {
            case null: break;
            case var m when Is(m, "MinMax"): method = CalibrationMethod.MinMax; break;
            case var m when Is(m, "Percentile"): method = CalibrationMethod.Percentile; break;
            case var m when Is(m, "Entropy"): method = CalibrationMethod.Entropy; break;
            case var m:
                Fail(ErrorCodes.UnknownCalibrationMethod, $"{item} has CalibrationMethod=\"{m}\"; the allowed values are MinMax (the default), Percentile and Entropy.");
                break;
        }
        double percentile = Number(Value("CalibrationPercentile"), "CalibrationPercentile", v => v > 0 && v <= 100, "a percentage, 0 < p ≤ 100 (e.g. 99.99)") ?? 99.99;

        string? validationPath = ExistingPath("Validation");
        string? labelsPath = ExistingPath("ValidationLabels");
        double temperature = Number(Value("DistillationTemperature"), "DistillationTemperature", v => v > 0, "a temperature > 0 (e.g. 4)") ?? BakeOptions.DefaultDistillationTemperature;
        // "none" opts out of the accuracy budget: no automatic recovery, no gate.
        bool noBudget = Value("MaxAccuracyDrop") is { } dropText && Is(dropText, "none");
        double? maxDrop = noBudget ? null : Number(Value("MaxAccuracyDrop"), "MaxAccuracyDrop", v => v >= 0, "points of top-1 accuracy, ≥ 0 (e.g. 1), or none");
        double? maxOutputError = Number(Value("MaxOutputError"), "MaxOutputError", v => v >= 0, "a relative RMS error of an output, ≥ 0 (e.g. 0.05)");
        // The budget is measured on Validation, or on held-back Calibration samples (automatic recovery, Sparsity="auto").
        if (maxDrop != null && !auto && Value("Validation") == null && Value("Calibration") == null) // auto: MB1411 says it
            Fail(ErrorCodes.ConflictingMetadata, $"{item} sets MaxAccuracyDrop but neither Validation nor Calibration inputs to measure on. Add Validation=\"…\" (a .npy file or a folder of .pb files).");
        if ((maxOutputError != null || labelsPath != null) && Value("Validation") == null)
            Fail(ErrorCodes.ConflictingMetadata, $"{item} sets {(maxOutputError != null ? "MaxOutputError" : "ValidationLabels")} but no Validation inputs to measure on. Add Validation=\"…\" (a .npy file or a folder of .pb files).");

        if (auto && maxDrop == null)
            Fail(ErrorCodes.SparsityAutoNeedsBudget, SparsitySearch.NeedsBudget(item));
        if (auto && Value("Calibration") == null)
            Fail(ErrorCodes.SparsityAutoNeedsCalibration, SparsitySearch.NeedsCalibration(item));

        var target = CodeTarget.Net;
        switch (Value("CodeTarget"))
        {
            case null: break;
            case var t when Is(t, "Net"): target = CodeTarget.Net; break;
            case var t when Is(t, "NanoFramework"):
                target = CodeTarget.NanoFramework;
                // Microcontrollers often have no FPU: the nanoFramework code is integer-only, so int8 plans only.
                if (precision == Precision.Float32)
                    Fail(ErrorCodes.ConflictingMetadata, $"{item} has CodeTarget=\"NanoFramework\" with Precision=\"Float32\"; the nanoFramework code is integer-only. Remove Precision (Int8 is the default) or use CodeTarget=\"Net\".");
                break;
            case var t:
                Fail(ErrorCodes.UnknownTarget, $"{item} has CodeTarget=\"{t}\"; the allowed values are Net (the default) and NanoFramework.");
                break;
        }

        var storage = WeightStorage.Auto;
        switch (Value("WeightStorage"))
        {
            case null: break;
            case var w when Is(w, "Auto"): storage = WeightStorage.Auto; break;
            case var w when Is(w, "Inline"): storage = WeightStorage.Inline; break;
            case var w when Is(w, "Resource"): storage = WeightStorage.Resource; break;
            case var w:
                Fail(ErrorCodes.UnknownWeightStorage, $"{item} has WeightStorage=\"{w}\"; the allowed values are Auto (the default: inline for small models, a resource from {Baker.AutoResourceWeightBytes / 1024} KB of weights, or for nanoFramework from {Baker.AutoNanoResourceWeightBytes / 1024} KB), Inline and Resource.");
                break;
        }

        string className = Value("ClassName") ?? DefaultClassName(model);
        if (!Names.IsValidIdentifier(className))
            Fail(ErrorCodes.InvalidClassName, $"{item} has ClassName=\"{className}\", which is not a valid C# class name. Use letters, digits and '_', not starting with a digit, and not a C# keyword.");
        else if (Names.ReservedClassNames.Contains(className))
            Fail(ErrorCodes.InvalidClassName, $"{item} has ClassName=\"{className}\", which is also the name of a kernel method inside the generated class. Choose another name, e.g. {className}Model.");

        string? explicitNamespace = Value("Namespace");
        string ns = explicitNamespace ?? defaultNamespace.Trim();
        if (!Names.IsValidNamespace(ns))
            Fail(ErrorCodes.InvalidNamespace, explicitNamespace != null
                ? $"{item} has Namespace=\"{ns}\", which is not a valid C# namespace. Use dot-separated identifiers, e.g. MyApp.Models."
                : $"{item}: the project's root namespace \"{ns}\" is not a valid C# namespace, and the item sets none. Set Namespace=\"MyApp.Models\" on the item or fix RootNamespace.");

        if (problems.Count > 0) return new Result(null, problems);

        bool Boolean(string name, bool fallback)
        {
            switch (Value(name))
            {
                case null: return fallback;
                case var b when Is(b, "true"): return true;
                case var b when Is(b, "false"): return false;
                case var b:
                    Fail(ErrorCodes.InvalidBoolean, $"{item} has {name}=\"{b}\"; use true or false (the default is {(fallback ? "true" : "false")}).");
                    return fallback;
            }
        }

        double? Number(string? text, string name, Func<double, bool> valid, string expected)
        {
            if (text == null) return null;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && valid(value)) return value;
            Fail(ErrorCodes.InvalidNumber, $"{item} has {name}=\"{text}\"; it must be {expected}, with '.' as decimal separator.");
            return null;
        }

        string? ExistingPath(string name)
        {
            if (Value(name) is not { } relative) return null;
            string full = Path.GetFullPath(Path.Combine(projectDirectory, relative));
            if (!File.Exists(full) && !Directory.Exists(full))
                Fail(ErrorCodes.ValidationNotFound, $"{item} has {name}=\"{relative}\", but '{full}' does not exist. The path is relative to the project folder.");
            return full;
        }
        var options = new BakeOptions(modelPath, className, ns)
        {
            Sparsity = sparsity,
            SparsityAuto = auto,
            LayerSparsity = layerSparsity,
            Pruning = pruning,
            PruningThreshold = threshold,
            Reconstruction = reconstruction,
            Clusters = clusters,
            BiasCorrection = biasCorrection,
            Distillation = distillation,
            DistillationTemperature = temperature,
            CalibrationMethod = method,
            CalibrationPercentile = percentile,
            ValidationPath = validationPath,
            ValidationLabelsPath = labelsPath,
            MaxAccuracyDrop = maxDrop,
            MaxOutputError = maxOutputError,
            NoAccuracyBudget = noBudget,
            Precision = precision,
            CalibrationPath = calibrationPath,
            Target = target,
            WeightStorage = storage,
        };
        return new Result(options, problems);
    }

    /// <summary>
    /// MB1210 for every generated class that two or more items would produce: the second one would not compile.
    /// Reported once per clashing name, naming all the items involved.
    /// </summary>
    public static IReadOnlyList<Problem> FindDuplicateClasses(IEnumerable<(string Model, BakeOptions Options)> items) =>
        items.GroupBy(i => $"{i.Options.Namespace}.{i.Options.ClassName}", StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => new Problem(ErrorCodes.DuplicateClassName,
                $"CompressedModel items {string.Join(", ", g.Select(i => $"'{i.Model}'"))} would all generate the class {g.Key}. Give each a distinct ClassName or Namespace."))
            .ToList();

    /// <summary>The file name in PascalCase; "Model" is appended when that is a kernel method's name (pool.onnx → PoolModel).</summary>
    public static string DefaultClassName(string model)
    {
        string name = Names.Pascal(Path.GetFileNameWithoutExtension(model));
        return Names.ReservedClassNames.Contains(name) ? name + "Model" : name;
    }

    private static bool Is(string value, string expected) => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);
}
