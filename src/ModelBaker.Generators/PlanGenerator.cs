using System;
using System.Collections.Immutable;
using System.IO;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelBaker.Core.Codegen;
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
            return new Output(hint, ClassEmitter.Emit(plan), null);
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
