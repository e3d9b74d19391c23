using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelBaker.Core.NanoFramework;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// Compiles generated nanoFramework code the two ways the tests need: against nanoFramework's own mscorlib
/// (nanoFramework.CoreLibrary 1.17.11, -nostdlib, C# 9), checking the IL stays inside what that platform offers; and
/// for .NET, loaded and run, to compare outputs with the .NET flavour and the interpreter.
/// </summary>
public static class NanoCompiler
{
    public static string MscorlibPath => Path.Combine(AppContext.BaseDirectory, "nanoframework", "mscorlib.dll");

    private static readonly CSharpParseOptions CSharp9 = new(LanguageVersion.CSharp9);

    /// <summary>
    /// Compiles against nanoFramework's mscorlib alone; fails the test on any error or warning, or when the assembly
    /// breaks a limit of nanoCLR (<see cref="NanoAssemblyChecker"/>). Returns the image.
    /// </summary>
    public static byte[] CompileForNanoFramework(string source)
    {
        var image = CompileAgainstNanoMscorlib(source);
        var violations = NanoAssemblyChecker.Check(ImmutableArray.Create(image));
        Assert.True(violations.Count == 0, NanoAssemblyChecker.Describe(violations, "The generated nanoFramework code"));
        return image;
    }

    /// <summary>Compiles against nanoFramework's mscorlib alone; fails the test on any error or warning.</summary>
    public static byte[] CompileAgainstNanoMscorlib(string source)
    {
        var compilation = CSharpCompilation.Create("NanoModel",
            new[] { CSharpSyntaxTree.ParseText(source, CSharp9) },
            new[] { MetadataReference.CreateFromFile(MscorlibPath) },
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(result.Success && problems.Count == 0, "Generated nanoFramework code does not compile against nanoFramework's mscorlib:\n" + string.Join("\n", problems.Take(30)));
        return image.ToArray();
    }

    /// <summary>What the IL of a compiled image uses that the checks care about.</summary>
    public sealed record IlFacts(int TypeSpecs, int MethodSpecs, IReadOnlyList<string> AssemblyReferences, IReadOnlyList<string> TypeReferences);

    public static IlFacts Inspect(byte[] image)
    {
        using var pe = new PEReader(ImmutableArray.Create(image));
        var md = pe.GetMetadataReader();
        return new IlFacts(
            md.GetTableRowCount(TableIndex.TypeSpec),
            md.GetTableRowCount(TableIndex.MethodSpec),
            md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToList(),
            md.TypeReferences.Select(h => md.GetTypeReference(h)).Select(t => md.GetString(t.Namespace) + "." + md.GetString(t.Name)).OrderBy(n => n).ToList());
    }

    /// <summary>Compiles for nanoFramework (within nanoCLR's limits, so no generics) and asserts it references mscorlib only.</summary>
    public static IlFacts AssertNanoFrameworkClean(string source)
    {
        var facts = Inspect(CompileForNanoFramework(source));
        Assert.Equal(new[] { "mscorlib" }, facts.AssemblyReferences);
        return facts;
    }

    /// <summary>The same file compiled for .NET (C# 9, the platform's libraries) and loaded.</summary>
    /// <param name="harness">More source compiled alongside (e.g. array wrappers around a span-based class).</param>
    public static Type CompileForNet(string source, string fullClassName, string? harness = null, LanguageVersion language = LanguageVersion.CSharp9)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("NanoOnNet" + Guid.NewGuid().ToString("N"),
            new[] { source, harness ?? "" }.Select(text => CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(language))), references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(result.Success && problems.Count == 0, "Generated code does not compile for .NET:\n" + string.Join("\n", problems.Take(30)));
        image.Position = 0;
        return new AssemblyLoadContext("nano", isCollectible: true).LoadFromStream(image).GetType(fullClassName)
            ?? throw new InvalidOperationException($"No type {fullClassName} in the compiled code.");
    }

    public static float[] Predict(Type model, float[] input, int outputLength)
    {
        var output = new float[outputLength];
        Call(model, "Predict", input, output);
        return output;
    }

    public static void Call(Type model, string method, params object[] arguments)
    {
        try { model.GetMethod(method)!.Invoke(null, arguments); }
        catch (TargetInvocationException e) when (e.InnerException != null) { throw e.InnerException; }
    }

    public static T Constant<T>(Type model, string name) => (T)model.GetField(name)!.GetValue(null)!;
}
