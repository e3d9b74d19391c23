extern alias generators;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using PlanGenerator = generators::ModelBaker.Generators.PlanGenerator;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Options;
using ModelBaker.Core.Serialization;

namespace ModelBaker.Tests.Generators;

/// <summary>The source generator as the compiler runs it: AdditionalFiles with ModelBakerPlan metadata in, classes out.</summary>
public sealed class PlanGeneratorTests
{
    [Fact]
    public void Emits_the_class_of_every_marked_plan_and_ignores_other_additional_files()
    {
        string plan = WritePlan(PlanFile.ToBytes(SampleModels.Digits(0.5f)));
        string other = WritePlan(new byte[] { 1, 2, 3 });
        var result = Run((plan, true), (other, false));

        Assert.Empty(result.Diagnostics);
        var generated = Assert.Single(result.GeneratedTrees);
        Assert.EndsWith("Samples.DigitsMlp.g.cs", generated.FilePath);
        Assert.Equal(ClassEmitter.Emit(SampleModels.Digits(0.5f)), generated.GetText().ToString());
    }

    [Fact]
    public void A_plan_for_nanoFramework_gets_the_nanoFramework_flavour()
    {
        var digits = SampleModels.Digits(0.5f);
        var nano = new BakedPlan(digits.Header with { Target = CodeTarget.NanoFramework }, digits.Inputs, digits.Outputs, digits.ArenaLengths, digits.Kernels);
        var generated = Assert.Single(Run((WritePlan(PlanFile.ToBytes(nano)), true)).GeneratedTrees);
        string text = generated.GetText().ToString();
        Assert.Equal(ClassEmitter.Emit(nano), text);
        Assert.Contains("public static void Predict(float[] input, float[] output)", text);
    }

    [Fact]
    public void A_plan_with_a_weight_resource_is_generated_when_its_weights_file_is_beside_it_and_MB2005_otherwise()
    {
        var digits = SampleModels.Digits(0.5f);
        var resource = new BakedPlan(digits.Header with { WeightResource = "ModelBaker.digits.weights" }, digits.Inputs, digits.Outputs, digits.ArenaLengths, digits.Kernels);
        var (source, weights) = ClassEmitter.EmitWithWeights(resource);
        string plan = WritePlan(PlanFile.ToBytes(resource));
        string weightsPath = Path.ChangeExtension(plan, ".weights.bin");

        var missing = Assert.Single(Run((plan, true)).Diagnostics);
        Assert.Equal(("MB2005", DiagnosticSeverity.Error), (missing.Id, missing.Severity));
        Assert.Contains("does not exist", missing.GetMessage());

        var stale = (byte[])weights!.Clone();
        stale[^1] ^= 1;
        // The header of another bake: same length, other digest.
        var otherHeader = new WeightBlob();
        otherHeader.Add(stale.AsSpan(WeightBlob.HeaderBytes).ToArray());
        File.WriteAllBytes(weightsPath, otherHeader.ToArray());
        Assert.Contains("another bake", Assert.Single(Run((plan, true)).Diagnostics).GetMessage());

        File.WriteAllBytes(weightsPath, weights);
        var result = Run((plan, true));
        Assert.Empty(result.Diagnostics);
        Assert.Equal(source, Assert.Single(result.GeneratedTrees).GetText().ToString());
    }

    [Fact]
    public void An_unreadable_plan_is_error_MB2002()
    {
        var result = Run((WritePlan(new byte[] { 1, 2, 3 }), true));
        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(("MB2002", DiagnosticSeverity.Error), (diagnostic.Id, diagnostic.Severity));
        Assert.Contains("Rebuild", diagnostic.GetMessage());
    }

    [Fact]
    public void A_plan_of_another_format_version_is_error_MB2001()
    {
        byte[] bytes = PlanFile.ToBytes(SampleModels.Digits(0.5f));
        bytes[6] = 99;
        var diagnostic = Assert.Single(Run((WritePlan(bytes), true)).Diagnostics);
        Assert.Equal("MB2001", diagnostic.Id);
        Assert.Contains("version 99", diagnostic.GetMessage());
    }

    [Fact]
    public void A_second_run_with_unchanged_plans_reuses_every_output()
    {
        // As dotnet/runtime's System.Text.Json generator tests itself: an edit elsewhere in the project (a new syntax
        // tree) must not make the generator read or format any plan again.
        string plan = WritePlan(PlanFile.ToBytes(SampleModels.Digits(0.5f)));
        var (driver, compilation) = Driver((plan, true));
        driver = driver.RunGenerators(compilation);
        var first = driver.GetRunResult().Results.Single();
        Assert.All(first.TrackedSteps[PlanGenerator.TrackingName].SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.New, o.Reason));

        driver = driver.RunGenerators(compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { }")));
        var second = driver.GetRunResult().Results.Single();
        var planSteps = second.TrackedSteps[PlanGenerator.TrackingName];
        Assert.NotEmpty(planSteps);
        Assert.All(planSteps.SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"An output step ran again: {o.Reason}"));
        Assert.Equal(first.GeneratedSources.Single().SourceText.ToString(), second.GeneratedSources.Single().SourceText.ToString());
    }

    private static (GeneratorDriver Driver, Compilation Compilation) Driver(params (string Path, bool IsPlan)[] files)
    {
        var texts = files.Select(f => (AdditionalText)new FileText(f.Path)).ToImmutableArray();
        var options = new Options(files.Where(f => f.IsPlan).Select(f => f.Path).ToHashSet());
        var compilation = CSharpCompilation.Create("Consumer", Array.Empty<SyntaxTree>(), Array.Empty<MetadataReference>(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new PlanGenerator().AsSourceGenerator() }, texts, optionsProvider: options,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        return (driver, compilation);
    }

    private static GeneratorDriverRunResult Run(params (string Path, bool IsPlan)[] files)
    {
        var texts = files.Select(f => (AdditionalText)new FileText(f.Path)).ToImmutableArray();
        var options = new Options(files.Where(f => f.IsPlan).Select(f => f.Path).ToHashSet());
        var compilation = CSharpCompilation.Create("Consumer", Array.Empty<SyntaxTree>(), Array.Empty<MetadataReference>(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new PlanGenerator().AsSourceGenerator() }, texts, optionsProvider: options);
        return driver.RunGenerators(compilation).GetRunResult();
    }

    private static string WritePlan(byte[] bytes)
    {
        string path = Path.Combine(Path.GetTempPath(), "modelbaker-generator-" + Guid.NewGuid().ToString("N") + ".mbake");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private sealed class FileText : AdditionalText
    {
        public FileText(string path) => Path = path;
        public override string Path { get; }
        public override SourceText? GetText(CancellationToken cancellationToken = default) => SourceText.From("");
    }

    /// <summary>What MSBuild's editorconfig gives the generator: ModelBakerPlan=true on plan files.</summary>
    private sealed class Options : AnalyzerConfigOptionsProvider
    {
        private readonly HashSet<string> _plans;
        public Options(HashSet<string> plans) => _plans = plans;
        public override AnalyzerConfigOptions GlobalOptions => new Values(new Dictionary<string, string>());
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Values(new Dictionary<string, string>());
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            new Values(_plans.Contains(textFile.Path) ? new Dictionary<string, string> { ["build_metadata.AdditionalFiles.ModelBakerPlan"] = "true" } : new());
    }

    private sealed class Values : AnalyzerConfigOptions
    {
        private readonly Dictionary<string, string> _values;
        public Values(Dictionary<string, string> values) => _values = values;
        public override bool TryGetValue(string key, out string value) => _values.TryGetValue(key, out value!);
    }
}
