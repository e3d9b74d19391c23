using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Options;
using ModelBaker.Core.Generation;
using ModelBaker.Core.NanoFramework;
using ModelBaker.Cli.Conformance;

namespace ModelBaker.Cli.Commands;

/// <summary>
/// `modelbaker generate MODEL.onnx --target nanoframework`: bakes and writes only the generated C# (`ClassName.cs`),
/// for projects that cannot run the MSBuild task — nanoFramework's .nfproj projects build only in Visual Studio. Prints
/// what the file costs on a device: arena (and its lower bound), weights, scratch. With --weight-storage resource (or
/// Auto on a large model) it also writes `ClassName.weights` (nanoFramework: `ClassName.weights.resources`) and prints the
/// EmbeddedResource line that embeds it.
/// </summary>
public sealed class GenerateCommand : ICommand
{
    private readonly BakeArguments bake = new();
    private readonly Option<string> target = BakeArguments.Text("--target", "T", "NanoFramework (arrays, C# 9, integer-only; needs int8) or Net (default Net).");
    private readonly Option<string> output = BakeArguments.Text("--output", "DIR", "Folder for the .cs file (default: the current folder).", "-o");

    public GenerateCommand()
    {
        Definition = bake.AddTo(new Command("generate", "Bake a model and write only the generated C# file (for .nfproj projects: --target nanoframework)."), naming: true);
        Definition.Options.Add(target);
        Definition.Options.Add(output);
    }

    public Command Definition { get; }

    public int Execute(ParseResult parsed, CliContext context)
    {
        var options = bake.ToOptions(parsed) with { Target = ParseTarget(parsed.GetValue(target)) };
        string directory = Path.GetFullPath(parsed.GetValue(output) ?? Directory.GetCurrentDirectory());

        var plan = BakeProgress.Run(context, log => Baker.Bake(options, log));
        var (code, weights) = ClassEmitter.EmitWithWeights(plan);
        // A .nfproj build checks nothing of nanoCLR's limits: measure the class here, before it is written.
        if (plan.Header.Target == CodeTarget.NanoFramework)
            NanoAssemblyChecker.EnsureWithinLimits(ImmutableArray.Create(InMemoryCompiler.CompileForNanoFrameworkChecks(code)),
                $"The class {plan.Header.Namespace}.{plan.Header.ClassName} generated from {plan.Header.ModelFileName}");
        string codePath = Path.Combine(directory, options.ClassName + ".cs");
        var (weightsPath, logicalName) = WeightResourceFile(directory, options.ClassName, plan.Header);
        // The weights first: a class is never left beside a resource of another bake.
        if (weights != null) BakeCommand.Write(weightsPath, () => AtomicFile.Write(weightsPath, weights));
        BakeCommand.Write(codePath, () => AtomicFile.WriteText(codePath, code));

        var h = plan.Header;
        context.Out.WriteLine($"Generated {h.Namespace}.{h.ClassName} ({(h.Target == CodeTarget.NanoFramework ? "nanoFramework" : ".NET")}) from {h.ModelFileName}");
        context.Out.WriteLine($"  precision  {h.Precision}");
        context.Out.WriteLine($"  arena      {Format.Bytes(plan.ArenaBytes)} (lower bound {Format.Bytes(ClassEmitter.LowerBoundBytes(plan))})");
        context.Out.WriteLine($"  weights    {Format.Bytes(plan.WeightBytes)}");
        context.Out.WriteLine($"  scratch    {Format.Bytes(ClassEmitter.ScratchBytes(plan))}");
        context.Out.WriteLine($"  steps      {plan.Kernels.Count}");
        context.Out.WriteLine($"Wrote {codePath}");
        if (weights != null) PrintEmbedding(context, weightsPath, logicalName, codePath, plan.Header.Target);
        return 0;
    }

    /// <summary>
    /// Where the weight resource is written and the name it must be embedded under: ClassName.weights for .NET (read whole
    /// by the class); for nanoFramework ClassName.weights.resources, a .resources file MetadataProcessor converts.
    /// </summary>
    internal static (string Path, string LogicalName) WeightResourceFile(string directory, string className, PlanHeader h) =>
        h.Target == CodeTarget.NanoFramework
            ? (Path.Combine(directory, className + ".weights.resources"), NanoResourceFile.ManifestName(h.WeightResource))
            : (Path.Combine(directory, className + ".weights"), h.WeightResource);

    /// <summary>The weight resource and the project line that embeds it under the name the class reads.</summary>
    internal static void PrintEmbedding(CliContext context, string weightsPath, string resourceName, string codePath, CodeTarget target)
    {
        bool nano = target == CodeTarget.NanoFramework;
        context.Out.WriteLine($"Wrote {weightsPath} ({Format.Bytes(new FileInfo(weightsPath).Length)} of weights, {(nano ? "read by the class a row at a time" : "read by the class on first use")})");
        context.Out.WriteLine($"Embed it in the project that compiles {Path.GetFileName(codePath)}{(nano ? ", which also needs the nanoFramework.ResourceManager package" : "")}:");
        context.Out.WriteLine($"  <EmbeddedResource Include=\"{Path.GetFileName(weightsPath)}\" LogicalName=\"{resourceName}\" WithCulture=\"false\" />");
    }

    private static CodeTarget ParseTarget(string? text)
    {
        if (text == null || string.Equals(text, "Net", StringComparison.OrdinalIgnoreCase)) return CodeTarget.Net;
        if (string.Equals(text, "NanoFramework", StringComparison.OrdinalIgnoreCase)) return CodeTarget.NanoFramework;
        throw new UsageException($"--target '{text}' is unknown; use NanoFramework or Net.", ErrorCodes.UnknownTarget, showUsage: false);
    }
}
