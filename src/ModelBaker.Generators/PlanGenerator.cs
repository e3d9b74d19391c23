using System;
using System.Collections.Immutable;
using System.IO;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Options;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Serialization;

namespace ModelBaker.Generators;

/// <summary>
/// Emits one class per baked plan. The MSBuild task lists each plan as an AdditionalFile with the metadata
/// <c>ModelBakerPlan="true"</c>; this generator only formats plans, so it stays fast in the IDE.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class PlanGenerator : IIncrementalGenerator
{
    private static readonly DiagnosticDescriptor Unreadable = new(
        "MB2002", "Baked plan cannot be read",
        "ModelBaker plan '{0}' cannot be read: {1}. Rebuild the project so the model is baked again.",
        "ModelBaker", DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static readonly DiagnosticDescriptor VersionMismatch = new(
        "MB2001", "Baked plan is from another ModelBaker version",
        "ModelBaker plan '{0}': {1}",
        "ModelBaker", DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static readonly DiagnosticDescriptor WeightsMissing = new(
        "MB2005", "Baked weight resource missing",
        "ModelBaker plan '{0}' stores its weights in '{1}', which {2}. Delete the ModelBaker folder under obj/ (or build with --no-incremental) so the model is baked again.",
        "ModelBaker", DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>The step that reads and formats plans, named so tests can see whether a run re-did it.</summary>
    public const string TrackingName = "ModelBakerPlans";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var plans = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Where(pair => pair.Right.GetOptions(pair.Left).TryGetValue("build_metadata.AdditionalFiles.ModelBakerPlan", out var flag)
                           && string.Equals(flag, "true", StringComparison.OrdinalIgnoreCase))
            .Select((pair, cancellationToken) => Generate(pair.Left.Path))
            .WithTrackingName(TrackingName);

        context.RegisterSourceOutput(plans, (spc, result) =>
        {
            if (result.Diagnostic != null) spc.ReportDiagnostic(result.Diagnostic);
            else spc.AddSource(result.HintName!, SourceText.From(result.Source!, System.Text.Encoding.UTF8));
        });
    }

    /// <summary>Equatable on its strings, so unchanged plans produce no work downstream.</summary>
    private sealed record Output(string? HintName, string? Source, Diagnostic? Diagnostic);

    /// <summary>Beside the plan, as BakeCompressedModels writes it: digits.mbake → digits.weights.bin.</summary>
    private static string WeightsPath(string planPath) => Path.ChangeExtension(planPath, ".weights.bin");

    /// <summary>
    /// Why the plan's weight resource is not the one the class will read (its 16-byte header names the bytes), or null.
    /// The build embeds whatever file is there, so a deleted or stale one would fail at run time instead.
    /// </summary>
    /// <param name="wholeFile">Compare every byte: a nanoFramework resource is a .resources file, whose first bytes are the
    /// same for every bake (and small enough to compare whole).</param>
    private static string? WeightsProblem(string planPath, byte[] expected, bool wholeFile)
    {
#pragma warning disable RS1035 // as for the plan: the file comes from the bake that wrote the plan, an AdditionalFile
        string weightsPath = WeightsPath(planPath);
        if (!File.Exists(weightsPath)) return "does not exist";
        if (wholeFile)
            return System.Linq.Enumerable.SequenceEqual(File.ReadAllBytes(weightsPath), expected) ? null : "holds the weights of another bake";
        var header = new byte[WeightBlob.HeaderBytes];
        using var stream = File.OpenRead(weightsPath);
        int read = stream.Read(header, 0, header.Length);
#pragma warning restore RS1035
        for (int i = 0; i < header.Length; i++)
            if (read != header.Length || header[i] != expected[i] || stream.Length != expected.Length) return "holds the weights of another bake";
        return null;
    }

    private static Output Generate(string path)
    {
        try
        {
            // AdditionalText only offers text; a plan is binary, so it is read from its path. RS1035 bans file IO in
            // generators because the IDE cannot see it; the plan is an AdditionalFile, so its changes do reach us.
#pragma warning disable RS1035
            byte[] bytes = File.ReadAllBytes(path);
#pragma warning restore RS1035
            var plan = PlanFile.Read(bytes);
            string hint = $"{plan.Header.Namespace}.{plan.Header.ClassName}.g.cs";
            var generated = ClassEmitter.EmitWithWeights(plan);
            if (generated.Weights != null && WeightsProblem(path, generated.Weights, wholeFile: plan.Header.Target == CodeTarget.NanoFramework) is { } problem)
                return new Output(null, null, Diagnostic.Create(WeightsMissing, Location.None, path, WeightsPath(path), problem));
            return new Output(hint, generated.Source, null);
        }
        catch (PlanFormatException e)
        {
            return new Output(null, null, Diagnostic.Create(e.VersionMismatch ? VersionMismatch : Unreadable, Location.None, path, e.Message));
        }
        catch (IOException e)
        {
            return new Output(null, null, Diagnostic.Create(Unreadable, Location.None, path, e.Message));
        }
    }
}
