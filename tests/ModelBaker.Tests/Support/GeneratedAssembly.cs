using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ModelBaker.Tests.Support;

/// <summary>
/// Compiles a generated model class with Roslyn, in memory, together with a small harness that calls its
/// span-based Predict from arrays (spans cannot cross reflection), and loads it into a collectible context.
/// </summary>
public sealed class GeneratedAssembly
{
    private readonly Action<float[], float[]> _predict;
    private readonly Func<float[], float[], int, long> _allocatedBytes;

    private GeneratedAssembly(Assembly assembly)
    {
        var harness = assembly.GetType("Harness")!;
        _predict = harness.GetMethod("Predict")!.CreateDelegate<Action<float[], float[]>>();
        _allocatedBytes = harness.GetMethod("AllocatedBytes")!.CreateDelegate<Func<float[], float[], int, long>>();
    }

    /// <summary>Compiles <paramref name="source"/>; fails the test with the compiler's errors if it does not build.</summary>
    /// <param name="vectorized">
    /// Define NET8_0_OR_GREATER as a .NET 8+ consumer's build does, so the vectorised kernel paths are compiled;
    /// false compiles the portable scalar paths (what older targets get).
    /// </param>
    /// <param name="resources">Manifest resources to embed, by name, as a build embeds a class's weight resource.</param>
    public static GeneratedAssembly Compile(string source, string fullClassName, bool vectorized = true,
        IReadOnlyDictionary<string, byte[]>? resources = null)
    {
        string harness = $$"""
            public static class Harness
            {
                public static void Predict(float[] input, float[] output) => {{fullClassName}}.Predict(input, output);

                /// <summary>
                /// Bytes this thread allocated over <paramref name="calls"/> calls, after a warm-up long enough for the
                /// tiered JIT to settle (its rejits can allocate on the calling thread once, which is not the model's doing).
                /// </summary>
                public static long AllocatedBytes(float[] input, float[] output, int calls)
                {
                    for (int i = 0; i < 2000; i++) {{fullClassName}}.Predict(input, output);
                    System.Threading.Thread.Sleep(300);
                    for (int i = 0; i < 2000; i++) {{fullClassName}}.Predict(input, output);
                    long before = System.GC.GetAllocatedBytesForCurrentThread();
                    for (int i = 0; i < calls; i++) {{fullClassName}}.Predict(input, output);
                    return System.GC.GetAllocatedBytesForCurrentThread() - before;
                }
            }
            """;
        return new GeneratedAssembly(CompileLibrary(vectorized, resources, source, harness));
    }

    /// <summary>
    /// Compiles sources into a library loaded in a collectible context; fails the test with the compiler's errors and
    /// warnings if they do not build cleanly. <paramref name="vectorized"/> as for <see cref="Compile"/>.
    /// </summary>
    public static Assembly CompileLibrary(bool vectorized, params string[] sources) => CompileLibrary(vectorized, null, sources);

    /// <summary>As <see cref="CompileLibrary(bool, string[])"/>, with manifest resources embedded by name.</summary>
    public static Assembly CompileLibrary(bool vectorized, IReadOnlyDictionary<string, byte[]>? resources, params string[] sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.CSharp12,
            preprocessorSymbols: vectorized ? new[] { "NET", "NET8_0_OR_GREATER", "NET10_0_OR_GREATER" } : Array.Empty<string>());
        var compilation = CSharpCompilation.Create("Generated" + Guid.NewGuid().ToString("N"),
            sources.Select(source => CSharpSyntaxTree.ParseText(source, parse)),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image, manifestResources: resources?.Select(r =>
            new ResourceDescription(r.Key, () => new MemoryStream(r.Value, writable: false), isPublic: true)));
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(result.Success && problems.Count == 0, "Generated code does not compile cleanly:\n" + string.Join("\n", problems));
        image.Position = 0;
        var context = new AssemblyLoadContext("generated", isCollectible: true);
        return context.LoadFromStream(image);
    }

    public float[] Predict(float[] input, int outputLength)
    {
        var output = new float[outputLength];
        _predict(input, output);
        return output;
    }

    public void Predict(float[] input, float[] output) => _predict(input, output);

    public long AllocatedBytes(float[] input, float[] output, int calls) => _allocatedBytes(input, output, calls);

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
        .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
        .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray());
}
