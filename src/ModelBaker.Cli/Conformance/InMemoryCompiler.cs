using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Plan;

namespace ModelBaker.Cli.Conformance;

/// <summary>
/// Compiles generated classes with Roslyn, in memory, as a consumer's build for the running runtime would (NET8_0_OR_GREATER
/// and the later version symbols defined), together with a harness that calls each class's span-based Predict from arrays — spans cannot cross
/// reflection.
/// </summary>
public static class InMemoryCompiler
{
    /// <summary>Calls a generated Predict: one array per input, one preallocated array per output.</summary>
    public delegate void Predictor(object[] inputs, object[] outputs);

    /// <param name="source">The class generated from <paramref name="plan"/>: when the plan stores its weights in a resource, the
    /// resource is emitted again from the plan and embedded as a consumer's build would.</param>
    /// <exception cref="InvalidOperationException">The generated code does not compile; the message lists the errors.</exception>
    public static Predictor Compile(string source, BakedPlan plan)
    {
        string fullName = $"{plan.Header.Namespace}.{plan.Header.ClassName}";
        var arguments = plan.Inputs.Select((t, i) => $"({Arenas.CSharpType(t.Type)}[])inputs[{i}]")
            .Concat(plan.Outputs.Select((t, i) => $"({Arenas.CSharpType(t.Type)}[])outputs[{i}]"));
        string harness = $"public static class ConformanceHarness {{ public static void Run(object[] inputs, object[] outputs) => {fullName}.Predict({string.Join(", ", arguments)}); }}";

        var weights = plan.Header.WeightResource.Length > 0 ? ClassEmitter.EmitWithWeights(plan).Weights : null;
        var resources = weights == null ? Array.Empty<ResourceDescription>()
            : new[] { new ResourceDescription(plan.Header.WeightResource, () => new MemoryStream(weights, writable: false), isPublic: true) };
        var image = Emit(LanguageVersion.CSharp12, resources, source, harness);
        var assembly = new AssemblyLoadContext("conformance", isCollectible: true).LoadFromStream(new MemoryStream(image));
        return assembly.GetType("ConformanceHarness")!.GetMethod("Run")!.CreateDelegate<Predictor>();
    }

    /// <summary>
    /// The assembly a nanoFramework build would make of <paramref name="source"/> (C# 9, Release), compiled against .NET's
    /// libraries: its IL, fields and initializer data are what MetadataProcessor converts, which is what the nanoFramework
    /// checks measure.
    /// </summary>
    /// <exception cref="InvalidOperationException">The code does not compile; the message lists the errors.</exception>
    /// <remarks>A class that reads its weights from a resource calls nanoFramework's ResourceUtility, declared alongside (.NET has the ResourceManager).</remarks>
    public static byte[] CompileForNanoFrameworkChecks(string source) => source.Contains("nanoFramework.Runtime.Native.ResourceUtility")
        ? Emit(LanguageVersion.CSharp9, Array.Empty<ResourceDescription>(), source, Core.NanoFramework.ResourceManagerApi.ResourceUtilitySource)
        : Emit(LanguageVersion.CSharp9, Array.Empty<ResourceDescription>(), source);

    private static byte[] Emit(LanguageVersion language, ResourceDescription[] resources, params string[] sources)
    {
        var parse = new CSharpParseOptions(language, preprocessorSymbols: PreprocessorSymbols);
        var compilation = CSharpCompilation.Create("Generated" + Guid.NewGuid().ToString("N"),
            sources.Select(text => CSharpSyntaxTree.ParseText(text, parse)),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image, manifestResources: resources);
        if (!result.Success)
            throw new InvalidOperationException("generated code does not compile: " +
                string.Join("; ", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(3)));
        return image.ToArray();
    }

    /// <summary>What a consumer's build targeting the running runtime defines: NET, NET8_0_OR_GREATER … NETn_0_OR_GREATER.</summary>
    private static string[] PreprocessorSymbols =>
        new[] { "NET" }.Concat(Enumerable.Range(8, Math.Max(1, Environment.Version.Major - 7)).Select(v => $"NET{v}_0_OR_GREATER")).ToArray();

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
        .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray());
}
