using System.Reflection;

namespace ModelBaker.EndToEndTests;

/// <summary>
/// Packs ModelBaker once for all end-to-end tests into a temporary local feed, next to a package cache of its
/// own (NUGET_PACKAGES), so a test never restores a stale ModelBaker.0.1.0 extracted by an earlier run.
/// </summary>
public sealed class PackageFixture : IDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public PackageFixture()
    {
        RepoRoot = typeof(PackageFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;
        Root = Directory.CreateTempSubdirectory("modelbaker-e2e-").FullName;
        Feed = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;
        Environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(Root, "packages") };

        // The package project builds the task and the generator it ships itself (project references).
        var pack = DotNet.Run(RepoRoot, new Dictionary<string, string>(), Timeout,
            "pack", Path.Combine(RepoRoot, "src", "ModelBaker", "ModelBaker.csproj"), "-c", "Release", "-o", Feed, "--disable-build-servers");
        if (pack.ExitCode != 0) throw new InvalidOperationException("Packing ModelBaker failed: " + pack);
        Package = Directory.GetFiles(Feed, "ModelBaker.*.nupkg").Single();
        Version = Path.GetFileNameWithoutExtension(Package).Substring("ModelBaker.".Length);
    }

    public string RepoRoot { get; }
    public string Root { get; }
    public string Feed { get; }
    public string Package { get; }
    public string Version { get; }
    /// <summary>Environment of every command in a consumer project.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public string SampleModel => Path.Combine(RepoRoot, "sample-app", "models", "digits_mlp.onnx");
    public string SampleData(string file) => Path.Combine(RepoRoot, "sample-app", "data", file);

    /// <summary>
    /// A new console project in its own folder, using the packed ModelBaker from the local feed plus the machine's
    /// usual package sources. <paramref name="items"/> goes into an ItemGroup as written.
    /// </summary>
    public string CreateProject(string name, string items, string program)
    {
        string folder = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="modelbaker-e2e" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(folder, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <RootNamespace>{name}</RootNamespace>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ModelBaker" Version="{Version}" />
              </ItemGroup>
              <ItemGroup>
                {items}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Program.cs"), program);
        return folder;
    }

    public DotNet.Result Build(string folder, params string[] extra) =>
        DotNet.Run(folder, Environment, Timeout, new[] { "build", "--disable-build-servers" }.Concat(extra).ToArray());

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* a leftover temp folder is harmless */ }
        catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackageFixture>
{
    public const string Name = "ModelBaker package";
}
