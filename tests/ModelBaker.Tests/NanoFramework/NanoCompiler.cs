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

    /// <summary>
    /// Compiles against nanoFramework's mscorlib alone (and, for a class that reads its weights from a resource,
    /// <see cref="ResourceManagerReference"/>); fails the test on any error or warning.
    /// </summary>
    public static byte[] CompileAgainstNanoMscorlib(string source)
    {
        var references = new List<MetadataReference> { MetadataReference.CreateFromFile(MscorlibPath) };
        if (ReadsResources(source)) references.Add(ResourceManagerReference.Value);
        var compilation = CSharpCompilation.Create("NanoModel",
            new[] { CSharpSyntaxTree.ParseText(source, CSharp9) },
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(result.Success && problems.Count == 0, "Generated nanoFramework code does not compile against nanoFramework's mscorlib:\n" + string.Join("\n", problems.Take(30)));
        return image.ToArray();
    }

    private static bool ReadsResources(string source) => source.Contains("nanoFramework.Runtime.Native.ResourceUtility");

    /// <summary>
    /// nanoFramework.ResourceManager as ModelBaker declares it (<see cref="ResourceManagerApi"/>), compiled against
    /// nanoFramework's mscorlib: the package is not served here.
    /// </summary>
    private static readonly Lazy<MetadataReference> ResourceManagerReference = new(() =>
    {
        var compilation = CSharpCompilation.Create(ResourceManagerApi.AssemblyName,
            new[] { ResourceManagerApi.ResourceManagerSource, ResourceManagerApi.ResourceUtilitySource }.Select(s => CSharpSyntaxTree.ParseText(s, CSharp9)),
            new[] { MetadataReference.CreateFromFile(MscorlibPath) },
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        Assert.True(result.Success, "The nanoFramework.ResourceManager declaration does not compile against nanoFramework's mscorlib:\n" + string.Join("\n", result.Diagnostics));
        return MetadataReference.CreateFromImage(image.ToArray());
    });

    /// <summary>
    /// nanoFramework's ResourceUtility for a class compiled for .NET: finds the binary resource by its 16-bit id, as the
    /// device does (MetadataProcessor's hash of the name), and copies the slice into a new byte[]; a missing resource file
    /// is an ArgumentException, as nanoFramework's ResourceManager throws.
    /// </summary>
    private const string ResourceUtilityOnNet = """
        namespace nanoFramework.Runtime.Native
        {
            public static class ResourceUtility
            {
                public static object GetObject(System.Resources.ResourceManager rm, System.Enum id, int offset, int length)
                {
                    short wanted = System.Convert.ToInt16(id);
                    System.Resources.ResourceSet set;
                    try { set = rm.GetResourceSet(System.Globalization.CultureInfo.InvariantCulture, true, true)!; }
                    catch (System.Resources.MissingManifestResourceException e) { throw new System.ArgumentException(e.Message); }
                    foreach (System.Collections.DictionaryEntry entry in set)
                    {
                        if (ModelBaker.Core.Codegen.NanoResourceFile.ResourceId((string)entry.Key) != wanted) continue;
                        var all = (byte[])entry.Value!;
                        if (offset < 0 || length < 0 || offset + length > all.Length) throw new System.ArgumentOutOfRangeException(nameof(offset));
                        var slice = new byte[length];
                        System.Array.Copy(all, offset, slice, 0, length);
                        return slice;
                    }
                    throw new System.ArgumentException("No resource has the id " + wanted + ".");
                }
            }
        }
        """;

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

    /// <summary>
    /// Compiles for nanoFramework (within nanoCLR's limits, so no generics) and asserts it references mscorlib only — and
    /// nanoFramework.ResourceManager when it reads its weights from a resource.
    /// </summary>
    public static IlFacts AssertNanoFrameworkClean(string source)
    {
        var facts = Inspect(CompileForNanoFramework(source));
        Assert.Equal(ReadsResources(source) ? new[] { "mscorlib", ResourceManagerApi.AssemblyName } : new[] { "mscorlib" }, facts.AssemblyReferences.OrderBy(n => n, StringComparer.Ordinal));
        return facts;
    }

    /// <summary>The same file compiled for .NET (C# 9, the platform's libraries) and loaded.</summary>
    /// <param name="harness">More source compiled alongside (e.g. array wrappers around a span-based class).</param>
    /// <param name="resources">Manifest resources to embed (name → bytes): a nanoFramework class's weight resource.</param>
    public static Type CompileForNet(string source, string fullClassName, string? harness = null, LanguageVersion language = LanguageVersion.CSharp9,
        IReadOnlyDictionary<string, byte[]>? resources = null)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
        var sources = new List<string> { source, harness ?? "" };
        if (ReadsResources(source))
        {
            sources.Add(ResourceUtilityOnNet);
            references.Add(MetadataReference.CreateFromFile(typeof(ModelBaker.Core.Codegen.NanoResourceFile).Assembly.Location));
        }
        var compilation = CSharpCompilation.Create("NanoOnNet" + Guid.NewGuid().ToString("N"),
            sources.Select(text => CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(language))), references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
        using var image = new MemoryStream();
        var result = compilation.Emit(image, manifestResources: resources?.Select(r =>
            new ResourceDescription(r.Key, () => new MemoryStream(r.Value, writable: false), isPublic: true)));
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
