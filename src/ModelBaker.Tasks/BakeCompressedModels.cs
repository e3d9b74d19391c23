using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Options;
using ModelBaker.Core.Serialization;

namespace ModelBaker.Tasks;

/// <summary>
/// Bakes every <c>CompressedModel</c> item into a plan file, <c>PlanDirectory/&lt;model file name&gt;.mbake</c>,
/// which the source generator turns into C#. Problems are build errors with a stable code, logged on the item's
/// line of the project file; never a stack trace. ModelBaker.targets runs this only when a model, its
/// calibration data, its metadata or ModelBaker itself changed.
/// </summary>
public sealed class BakeCompressedModels : Task
{
    [Required] public ITaskItem[] Models { get; set; } = Array.Empty<ITaskItem>();

    /// <summary>Folder of the plan files: $(IntermediateOutputPath)ModelBaker/.</summary>
    [Required] public string PlanDirectory { get; set; } = "";

    [Required] public string ProjectDirectory { get; set; } = "";

    /// <summary>The project file, for errors about items MSBuild did not say the origin of.</summary>
    public string ProjectFile { get; set; } = "";

    /// <summary>Default namespace of the generated classes: $(RootNamespace), else $(AssemblyName).</summary>
    public string RootNamespace { get; set; } = "";

    public string AssemblyName { get; set; } = "";

    /// <summary>The plans written, one per model, with the model as metadata <c>Model</c>.</summary>
    [Output] public ITaskItem[] Plans { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        using var watch = new ParentProcessWatch();
        string defaultNamespace = string.IsNullOrWhiteSpace(RootNamespace) ? AssemblyName : RootNamespace;
        var parsed = new List<(ITaskItem Item, ItemLocation Location, BakeOptions Options)>();
        foreach (var item in Models)
        {
            var location = ItemLocation.Of(item, ProjectFile);
            var result = OptionsParser.Parse(item.ItemSpec, CustomMetadata(item), ProjectDirectory, defaultNamespace);
            foreach (var problem in result.Problems) Error(location, problem.Code, problem.Message);
            if (result.Options != null) parsed.Add((item, location, result.Options));
        }

        foreach (var problem in OptionsParser.FindDuplicateClasses(parsed.Select(p => (p.Item.ItemSpec, p.Options))))
            Error(parsed.Last(p => problem.Message.Contains($"'{p.Item.ItemSpec}'")).Location, problem.Code, problem.Message);
        ReportSharedPlanFiles(parsed);
        if (Log.HasLoggedErrors) return false;

        var plans = new List<ITaskItem>();
        foreach (var (item, location, options) in parsed)
        {
            string planPath = PlanPath(item);
            if (BakeOne(item, location, options with { WeightResourceName = WeightResourceName(item) }, planPath))
                plans.Add(new TaskItem(planPath, new Dictionary<string, string> { ["Model"] = item.ItemSpec }));
        }
        Plans = plans.ToArray();
        return !Log.HasLoggedErrors;
    }

    private bool BakeOne(ITaskItem item, ItemLocation location, BakeOptions options, string planPath)
    {
        try
        {
            var (plan, report) = Baker.BakeWithReport(options, new MSBuildBakeLog(Log, location));
            byte[]? weights = plan.Header.WeightResource.Length > 0 ? ClassEmitter.EmitWithWeights(plan).Weights : null;
            string weightsPath = WeightsPath(planPath);
            try
            {
                // The weights before the plan: the plan is the bake's output MSBuild compares dates with, so a failure
                // in between leaves an old plan, which the next build bakes again. A model that no longer has a
                // resource loses its old one, so the build stops embedding it.
                if (weights != null) AtomicFile.Write(weightsPath, weights);
                else if (File.Exists(weightsPath)) File.Delete(weightsPath);
                AtomicFile.Write(planPath, PlanFile.ToBytes(plan));
                AtomicFile.WriteText(ReportPath(planPath), report.ToJson());
                if (report.SearchChart() is { } chart) AtomicFile.WriteText(Path.ChangeExtension(planPath, ".search.svg"), chart);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BakeException(ErrorCodes.PlanWriteFailed,
                    $"The plan for '{item.ItemSpec}' cannot be written to '{planPath}': {e.Message}. Check that the obj folder is writable and not locked by another build.");
            }
            Log.LogMessage(MessageImportance.Normal, report.Summary($"{options.Namespace}.{options.ClassName}"));
            if (weights != null)
                Log.LogMessage(MessageImportance.Normal, $"{options.Namespace}.{options.ClassName}: {weights.Length:N0} bytes of weights embedded as the resource '{plan.Header.WeightResource}'.");
            return true;
        }
        catch (BakeException e)
        {
            Error(location, e.Code, NamingTheModelOnce(item.ItemSpec, e.Message));
        }
        catch (Exception e)
        {
            // A bug in ModelBaker: the error says so, the stack trace goes to the detailed log only.
            Error(location, ErrorCodes.InternalError,
                $"ModelBaker failed unexpectedly while baking '{item.ItemSpec}': {e.GetType().Name}: {e.Message}. This is a bug in ModelBaker; please report it with the model if you can.");
            Log.LogMessage(MessageImportance.Low, e.ToString());
        }
        return false;
    }

    /// <summary>"models/net.onnx: …": the item as the project names it, once, though many messages start with the file name.</summary>
    internal static string NamingTheModelOnce(string itemSpec, string message)
    {
        string fileName = Path.GetFileName(itemSpec) + ": ";
        return $"{itemSpec}: {(message.StartsWith(fileName, StringComparison.Ordinal) ? message.Substring(fileName.Length) : message)}";
    }

    /// <summary>Plans are named after the model's file name, so two models called net.onnx in different folders would overwrite each other.</summary>
    private void ReportSharedPlanFiles(List<(ITaskItem Item, ItemLocation Location, BakeOptions Options)> parsed)
    {
        foreach (var group in parsed.GroupBy(p => PlanPath(p.Item), StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            Error(group.Last().Location, ErrorCodes.DuplicateClassName,
                $"CompressedModel items {string.Join(", ", group.Select(p => $"'{p.Item.ItemSpec}'"))} share the plan file '{Path.GetFileName(group.Key)}' " +
                "(named after the model file, Namespace and ClassName). Give one of them a ClassName, or rename one of the model files.");
    }

    /// <summary>The weight resource sits next to the plan: digits.mbake → digits.weights.bin (ModelBaker.targets embeds it).</summary>
    public static string WeightsPath(string planPath) => Path.ChangeExtension(planPath, ".weights.bin");

    /// <summary>
    /// "ModelBaker.&lt;plan stem&gt;.weights": unique in the project as the plan files are, and what ModelBaker.targets
    /// gives the embedded resource as its LogicalName (it cannot work out the class name the generator uses).
    /// </summary>
    internal static string WeightResourceName(ITaskItem item) => $"ModelBaker.{PlanStem(item)}.weights";

    /// <summary>The report sits next to the plan: digits.mbake → digits.report.json.</summary>
    public static string ReportPath(string planPath) => Path.ChangeExtension(planPath, ".report.json");

    private string PlanPath(ITaskItem item) =>
        Path.GetFullPath(Path.Combine(ProjectDirectory, PlanDirectory, PlanStem(item) + ".mbake"));

    /// <summary>
    /// The model's file name, then its Namespace and ClassName when the item sets them (ModelBaker.targets predicts the
    /// same names): net.onnx → net, with ClassName="Left" → net.Left. Both are validated identifiers before any write.
    /// </summary>
    private static string PlanStem(ITaskItem item)
    {
        string stem = Path.GetFileNameWithoutExtension(item.ItemSpec);
        foreach (string metadata in new[] { "Namespace", "ClassName" })
            if (item.GetMetadata(metadata) is { Length: > 0 } value) stem += "." + value;
        return stem;
    }

    private static Dictionary<string, string> CustomMetadata(ITaskItem item)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in item.CloneCustomMetadata())
            metadata[(string)entry.Key] = (string?)entry.Value ?? "";
        return metadata;
    }

    private void Error(ItemLocation location, string code, string message) =>
        Log.LogError(null, code, null, location.File, location.Line, 0, 0, 0, message);
}
