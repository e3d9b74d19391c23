using System.Globalization;
using System.IO.Compression;
using System.Threading;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Serialization;

namespace ModelBaker.EndToEndTests;

/// <summary>A user's first experience: add the package and a CompressedModel item, build, run, build again.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageBuildTests
{
    private const int Samples = 10;
    private readonly PackageFixture _package;

    public PackageBuildTests(PackageFixture package) => _package = package;

    [Fact]
    public void Package_holds_task_generator_and_build_files_but_no_lib_or_dependencies()
    {
        using var zip = ZipFile.OpenRead(_package.Package);
        var entries = zip.Entries.Select(e => e.FullName).ToList();
        foreach (string framework in new[] { "net8.0", "netstandard2.0" })
        {
            Assert.Contains($"tasks/{framework}/ModelBaker.Tasks.dll", entries);
            Assert.Contains($"tasks/{framework}/ModelBaker.Core.dll", entries);
            Assert.Contains($"tasks/{framework}/Google.Protobuf.dll", entries);
        }
        // MSBuild loads a task's dependencies from its folder first: a netstandard2.0 System.Numerics.Vectors or
        // System.Memory there would replace the runtime's fast ones in `dotnet build` (a bake several times slower).
        Assert.Equal(new[] { "Google.Protobuf.dll", "ModelBaker.Core.dll", "ModelBaker.Tasks.dll" },
            entries.Where(e => e.StartsWith("tasks/net8.0/", StringComparison.Ordinal)).Select(e => e["tasks/net8.0/".Length..]).Order(StringComparer.Ordinal));
        Assert.Contains("analyzers/dotnet/cs/ModelBaker.Generators.dll", entries);
        Assert.Contains("build/ModelBaker.props", entries);
        Assert.Contains("build/ModelBaker.targets", entries);
        Assert.Contains("README.md", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.Contains("Microsoft.Build", StringComparison.OrdinalIgnoreCase));
        using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        Assert.DoesNotContain("<dependenc", nuspec.ReadToEnd());
    }

    [Fact]
    public void Baked_class_matches_the_reference_interpreter_and_a_second_build_skips_the_bake()
    {
        var pixels = NpyReader.Read(_package.SampleData("digits_test_x.npy")).AsFloats();
        var labels = NpyReader.Read(_package.SampleData("digits_test_y.npy")).AsFloats();
        var samples = Enumerable.Range(0, Samples).Select(i => pixels.Skip(i * 64).Take(64).ToArray()).ToArray();

        string project = _package.CreateProject("E2EApp",
            """<CompressedModel Include="digits_mlp.onnx" Sparsity="0.5" Calibration="digits_calibration.npy" />""",
            Program(samples));
        File.Copy(_package.SampleModel, Path.Combine(project, "digits_mlp.onnx"));
        File.Copy(_package.SampleData("digits_calibration.npy"), Path.Combine(project, "digits_calibration.npy"));

        var build = _package.Build(project, "-v:d");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Matches(@"ModelBaker: digits_mlp\.onnx → E2EApp\.DigitsMlp: 68,904 B → [\d,]+ B \(\d+\.\dx smaller\), int8, sparsity 0\.50, arena 192 B", build.Output);
        // Compressed with calibration data: judged on the calibration samples held back from it (automatic recovery).
        Assert.Matches(@"arena 192 B, agreement with float \d+\.\d\d% on 40 held-back calibration samples", build.Output);

        string planPath = Directory.GetFiles(Path.Combine(project, "obj"), "digits_mlp.mbake", SearchOption.AllDirectories).Single();
        string reportPath = Path.ChangeExtension(planPath, ".report.json");
        Assert.Contains($"\"bakedWeightBytes\": {PlanFile.Read(File.ReadAllBytes(planPath)).WeightBytes},", File.ReadAllText(reportPath));
        Assert.Contains("\"judgedOn\": \"held-back calibration\"", File.ReadAllText(reportPath));
        var plan = PlanFile.Read(File.ReadAllBytes(planPath));
        var run = DotNet.Run(project, _package.Environment, PackageFixture.Timeout, "run", "--no-build");
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Samples, lines.Length);
        int correct = 0;
        for (int i = 0; i < Samples; i++)
        {
            var expected = PlanInterpreter.Run(plan, new[] { samples[i] })[0];
            Assert.Equal(Bits(expected), lines[i]); // bit for bit, as the int8 scheme promises
            correct += ArgMax(expected) == (int)labels[i] ? 1 : 0;
        }
        Assert.True(correct >= Samples - 1, $"Only {correct} of {Samples} test digits classified correctly.");

        // Nothing changed: the bake target is skipped and the plan is left alone.
        var writtenAt = File.GetLastWriteTimeUtc(planPath);
        var again = _package.Build(project, "--no-restore", "-v:d");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("Skipping target \"ModelBakerBake\" because all output files are up-to-date", again.Output);
        Assert.DoesNotContain("ModelBaker: digits_mlp.onnx →", again.Output);
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(planPath));

        // Changed metadata bakes again, with the new options in the plan.
        string projectFile = Path.Combine(project, "E2EApp.csproj");
        File.WriteAllText(projectFile, File.ReadAllText(projectFile).Replace("Sparsity=\"0.5\"", "Sparsity=\"0.25\""));
        var changed = _package.Build(project, "--no-restore", "-v:n");
        Assert.True(changed.ExitCode == 0, changed.ToString());
        Assert.Contains("ModelBaker: digits_mlp.onnx → E2EApp.DigitsMlp: ", changed.Output);
        Assert.Contains(", int8, sparsity 0.25, ", changed.Output);
        Assert.Equal(0.25f, PlanFile.Read(File.ReadAllBytes(planPath)).Header.Sparsity);

        // `dotnet clean` removes the plan.
        var clean = DotNet.Run(project, _package.Environment, PackageFixture.Timeout, "clean", "--nologo");
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.False(File.Exists(planPath), "dotnet clean left the plan behind");
        Assert.False(File.Exists(reportPath), "dotnet clean left the report behind");
    }

    [Fact]
    public void WeightStorage_Resource_embeds_the_weights_beside_a_small_class_which_matches_the_reference_interpreter()
    {
        var pixels = NpyReader.Read(_package.SampleData("digits_test_x.npy")).AsFloats();
        var samples = Enumerable.Range(0, Samples).Select(i => pixels.Skip(i * 64).Take(64).ToArray()).ToArray();
        string project = _package.CreateProject("E2EResource",
            """<CompressedModel Include="digits_mlp.onnx" Sparsity="0.5" Calibration="digits_calibration.npy" WeightStorage="Resource" Namespace="E2EApp" />""",
            Program(samples));
        File.Copy(_package.SampleModel, Path.Combine(project, "digits_mlp.onnx"));
        File.Copy(_package.SampleData("digits_calibration.npy"), Path.Combine(project, "digits_calibration.npy"));

        var build = _package.Build(project, "-p:EmitCompilerGeneratedFiles=true");
        Assert.True(build.ExitCode == 0, build.ToString());
        string planPath = Directory.GetFiles(Path.Combine(project, "obj"), "digits_mlp.E2EApp.mbake", SearchOption.AllDirectories).Single();
        string weightsPath = Path.ChangeExtension(planPath, ".weights.bin");
        var plan = PlanFile.Read(File.ReadAllBytes(planPath));
        Assert.Equal("ModelBaker.digits_mlp.E2EApp.weights", plan.Header.WeightResource);
        Assert.True(File.Exists(weightsPath), "the task wrote no weight resource beside the plan");
        string generated = File.ReadAllText(Directory.GetFiles(Path.Combine(project, "obj"), "E2EApp.DigitsMlp.g.cs", SearchOption.AllDirectories).Single());
        Assert.Contains("BakedWeights.Span<sbyte>(", generated);

        void RunsLikeTheInterpreter(BakedPlan baked)
        {
            var run = DotNet.Run(project, _package.Environment, PackageFixture.Timeout, "run", "--no-build");
            Assert.True(run.ExitCode == 0, run.ToString());
            var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(Samples, lines.Length);
            for (int i = 0; i < Samples; i++) Assert.Equal(Bits(PlanInterpreter.Run(baked, new[] { samples[i] })[0]), lines[i]);
        }
        RunsLikeTheInterpreter(plan);

        // An incremental build skips the bake and still embeds the resource (a touched source file recompiles).
        File.AppendAllText(Path.Combine(project, "Program.cs"), "\n// touched\n");
        var again = _package.Build(project, "--no-restore", "-v:d");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("Skipping target \"ModelBakerBake\" because all output files are up-to-date", again.Output);
        RunsLikeTheInterpreter(plan);

        // `dotnet clean` removes the resource with the plan.
        var clean = DotNet.Run(project, _package.Environment, PackageFixture.Timeout, "clean", "--nologo");
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.False(File.Exists(weightsPath), "dotnet clean left the weight resource behind");

        // Back to initializers: the bake drops the resource file and the class reads none.
        string projectFile = Path.Combine(project, "E2EResource.csproj");
        File.WriteAllText(projectFile, File.ReadAllText(projectFile).Replace("WeightStorage=\"Resource\"", "WeightStorage=\"Inline\""));
        var inline = _package.Build(project, "--no-restore");
        Assert.True(inline.ExitCode == 0, inline.ToString());
        Assert.False(File.Exists(weightsPath), "the resource of the earlier bake is still there");
        var inlinePlan = PlanFile.Read(File.ReadAllBytes(planPath));
        Assert.Equal("", inlinePlan.Header.WeightResource);
        RunsLikeTheInterpreter(inlinePlan);
    }

    [Fact]
    public void CodeTarget_NanoFramework_generates_the_array_flavour_which_matches_the_reference_interpreter()
    {
        var pixels = NpyReader.Read(_package.SampleData("digits_test_x.npy")).AsFloats();
        var samples = Enumerable.Range(0, Samples).Select(i => pixels.Skip(i * 64).Take(64).ToArray()).ToArray();
        // Its own project folder; the namespace the shared Program expects.
        string project = _package.CreateProject("E2ENano",
            """<CompressedModel Include="digits_mlp.onnx" Sparsity="0.5" Calibration="digits_calibration.npy" CodeTarget="NanoFramework" Namespace="E2EApp" />""",
            Program(samples));
        File.Copy(_package.SampleModel, Path.Combine(project, "digits_mlp.onnx"));
        File.Copy(_package.SampleData("digits_calibration.npy"), Path.Combine(project, "digits_calibration.npy"));

        var build = _package.Build(project, "-p:EmitCompilerGeneratedFiles=true");
        Assert.True(build.ExitCode == 0, build.ToString());
        string generated = File.ReadAllText(Directory.GetFiles(Path.Combine(project, "obj"), "E2EApp.DigitsMlp.g.cs", SearchOption.AllDirectories).Single());
        Assert.Contains("public static void Predict(float[] input, float[] output)", generated);
        Assert.Contains("public static void PredictQuantized(sbyte[] input, sbyte[] output)", generated);

        var plan = PlanFile.Read(File.ReadAllBytes(Directory.GetFiles(Path.Combine(project, "obj"), "digits_mlp.E2EApp.mbake", SearchOption.AllDirectories).Single()));
        var run = DotNet.Run(project, _package.Environment, PackageFixture.Timeout, "run", "--no-build");
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Samples, lines.Length);
        for (int i = 0; i < Samples; i++) Assert.Equal(Bits(PlanInterpreter.Run(plan, new[] { samples[i] })[0]), lines[i]);
    }

    [Fact]
    public void The_nanoFramework_sample_builds_from_the_package_against_nanoFrameworks_mscorlib_alone()
    {
        // sample-nano's project, with the package instead of the repository's sources: dotnet build alone bakes the
        // model, generates the class, compiles it against nanoFramework's mscorlib and checks nanoCLR's limits.
        string sample = Path.Combine(_package.RepoRoot, "sample-nano");
        string project = _package.CreateProject("NanoFirmware", "", File.ReadAllText(Path.Combine(sample, "Program.cs")));
        string csproj = File.ReadAllText(Path.Combine(sample, "sample-nano.csproj"))
            .Replace("<UseModelBakerFromSource>true</UseModelBakerFromSource>", "")
            .Replace("../sample-app/models/", "").Replace("../sample-app/data/", "")
            .Replace("</Project>", $"""<ItemGroup><PackageReference Include="ModelBaker" Version="{_package.Version}" /></ItemGroup></Project>""");
        File.WriteAllText(Path.Combine(project, "NanoFirmware.csproj"), csproj);
        File.Copy(Path.Combine(_package.RepoRoot, "sample-app", "models", "digits_cnn.onnx"), Path.Combine(project, "digits_cnn.onnx"));
        File.Copy(_package.SampleData("digits_calibration.npy"), Path.Combine(project, "digits_calibration.npy"));

        var build = _package.Build(project, "-v:d");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("Task \"CheckNanoFrameworkAssembly\"", build.Output);
        using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(Path.Combine(project, "bin", "Debug", "netstandard2.0", "SampleNano.dll")));
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        Assert.Equal(new[] { "mscorlib" }, metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)));
        Assert.Contains(metadata.TypeDefinitions, h => metadata.GetString(metadata.GetTypeDefinition(h).Name) == "DigitsCnn");
    }

    [Fact]
    public void A_nanoFramework_model_over_nanoCLRs_limits_fails_the_build_with_MB2004_on_the_item()
    {
        // One dense 256 × 256 layer: 64 KB of int8 weights as array initializers (Auto would read them from a resource),
        // more than nanoCLR's signature table holds. The bake and the compile succeed; the check of the compiled assembly must not.
        var random = new Random(3);
        var graph = new Graph { Name = "wide", Opset = 13 };
        graph.Add(new Value("x", ElementType.Float32, new[] { 1, 256 }));
        graph.Inputs.Add("x");
        graph.Add(new Value("w", ElementType.Float32, new[] { 256, 256 },
            Tensor.FromFloats(new[] { 256, 256 }, Enumerable.Range(0, 256 * 256).Select(_ => (float)random.NextDouble() - 0.5f).ToArray())));
        graph.Add(new Value("y", ElementType.Float32));
        graph.Nodes.Add(new Node("wide_layer", "MatMul", new[] { "x", "w" }, new[] { "y" }, new Dictionary<string, Core.Ir.Attribute>()));
        graph.Outputs.Add("y");

        string project = _package.CreateProject("NanoTooBig",
            """<CompressedModel Include="wide.onnx" CodeTarget="NanoFramework" WeightStorage="Inline" />""",
            "System.Console.WriteLine();");
        OnnxModelWriter.Save(graph, Path.Combine(project, "wide.onnx"));

        var build = _package.Build(project);
        Assert.True(build.ExitCode != 0, build.ToString());
        Assert.Contains("NanoTooBig.csproj(", build.Output);
        Assert.Contains("error MB2004", build.Output);
        // A desktop project (not NoStdLib): the model's class is measured, not the test program around it.
        Assert.Contains("The class baked from wide.onnx would not run on nanoFramework", build.Output);
        Assert.Contains("bytes in NanoTooBig.Wide (assembly NanoTooBig)", build.Output);
        Assert.Contains("static array initializer data (weights, biases, tables)", build.Output);
        Assert.DoesNotContain("   at ", build.Output);
        Assert.False(File.Exists(Path.Combine(project, "bin", "Debug", "net10.0", "NanoTooBig.dll")), "the over-limit assembly was copied to the output");
    }

    [Fact]
    public void Bad_sparsity_fails_the_build_with_MB1201_on_the_item()
    {
        string project = _package.CreateProject("BadSparsity",
            """<CompressedModel Include="digits_mlp.onnx" Sparsity="1.5" />""",
            "System.Console.WriteLine();");
        File.Copy(_package.SampleModel, Path.Combine(project, "digits_mlp.onnx"));

        var build = _package.Build(project);
        Assert.True(build.ExitCode != 0, build.ToString());
        Assert.Contains("BadSparsity.csproj(", build.Output);
        Assert.Contains("error MB1201", build.Output);
        Assert.Contains("'digits_mlp.onnx'", build.Output);
        Assert.Contains("\"1.5\"", build.Output);
        Assert.DoesNotContain("   at ", build.Output); // no stack trace
    }

    [Fact]
    public void Two_models_named_alike_build_side_by_side_with_ClassNames_and_a_failed_gate_names_the_model_once()
    {
        // left/net.onnx and right/net.onnx: once they have class names of their own, they get plans of their own.
        string project = _package.CreateProject("SameFileNames",
            """
            <CompressedModel Include="left/net.onnx" ClassName="Left" Precision="Float32" />
            <CompressedModel Include="right/net.onnx" ClassName="Right" Precision="Float32" />
            """,
            "System.Console.WriteLine($\"{SameFileNames.Left.OutputLength} {SameFileNames.Right.OutputLength}\");");
        foreach (string side in new[] { "left", "right" })
        {
            Directory.CreateDirectory(Path.Combine(project, side));
            File.Copy(_package.SampleModel, Path.Combine(project, side, "net.onnx"));
        }
        var build = _package.Build(project);
        Assert.True(build.ExitCode == 0, build.ToString());
        var run = DotNet.Run(project, _package.Environment, PackageFixture.Timeout, "run", "--no-build");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("10 10", run.Output.Trim());

        // A quality gate the model cannot pass: the error names the item once, on its line.
        string gate = _package.CreateProject("FailedGate",
            """<CompressedModel Include="models/digits_mlp.onnx" Sparsity="0.98" Reconstruction="false" Validation="digits_test_x.npy" MaxAccuracyDrop="0" />""",
            "System.Console.WriteLine();");
        Directory.CreateDirectory(Path.Combine(gate, "models"));
        File.Copy(_package.SampleModel, Path.Combine(gate, "models", "digits_mlp.onnx"));
        File.Copy(_package.SampleData("digits_test_x.npy"), Path.Combine(gate, "digits_test_x.npy"));
        var failed = _package.Build(gate);
        Assert.True(failed.ExitCode != 0, failed.ToString());
        Assert.Contains("error MB1401: models/digits_mlp.onnx: the baked model agrees", failed.Output);
        Assert.DoesNotContain("digits_mlp.onnx: digits_mlp.onnx", failed.Output);
        Assert.DoesNotContain("   at ", failed.Output);

        // With calibration data, automatic recovery runs first; a budget no step meets fails with MB1403 on the item.
        string recovery = _package.CreateProject("FailedRecovery",
            """<CompressedModel Include="models/digits_mlp.onnx" Sparsity="0.98" Clusters="2" Calibration="digits_calibration.npy" Validation="digits_test_x.npy" MaxAccuracyDrop="0" />""",
            "System.Console.WriteLine();");
        Directory.CreateDirectory(Path.Combine(recovery, "models"));
        File.Copy(_package.SampleModel, Path.Combine(recovery, "models", "digits_mlp.onnx"));
        File.Copy(_package.SampleData("digits_test_x.npy"), Path.Combine(recovery, "digits_test_x.npy"));
        File.Copy(_package.SampleData("digits_calibration.npy"), Path.Combine(recovery, "digits_calibration.npy"));
        var unrecovered = _package.Build(recovery);
        Assert.True(unrecovered.ExitCode != 0, unrecovered.ToString());
        Assert.Matches(@"error MB1403: models/digits_mlp\.onnx: the requested compression \(Sparsity=""0\.98"" Clusters=""2""\) loses \d+\.\d\d points .* the best reached \d+\.\d\d points", unrecovered.Output);
    }

    [Fact]
    public void Killing_the_build_mid_bake_ends_the_task_host_too()
    {
        if (!OperatingSystem.IsLinux()) return; // the task host watches its parent through /proc
        string project = _package.CreateProject("KilledBuild",
            """<CompressedModel Include="digits_dscnn.onnx" Sparsity="0.75" Clusters="16" Distillation="Network" Calibration="digits_train_x.npy" />""",
            "System.Console.WriteLine();");
        File.Copy(Path.Combine(_package.RepoRoot, "sample-app", "models", "digits_dscnn.onnx"), Path.Combine(project, "digits_dscnn.onnx"));
        File.Copy(_package.SampleData("digits_train_x.npy"), Path.Combine(project, "digits_train_x.npy"));
        var restore = DotNet.Run(project, _package.Environment, PackageFixture.Timeout, "restore");
        Assert.True(restore.ExitCode == 0, restore.ToString());

        using var build = DotNet.Start(project, _package.Environment, "build", "--no-restore", "--disable-build-servers");
        // The bake takes a minute here; wait until the task host is at it.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        List<int> descendants;
        while (true)
        {
            descendants = LinuxProcesses.Descendants(build.Id);
            if (descendants.Any(pid => LinuxProcesses.CommandLine(pid).Contains("nodemode:2", StringComparison.Ordinal))) break;
            Assert.True(DateTime.UtcNow < deadline && !build.HasExited, "The bake's task host never started.");
            Thread.Sleep(200);
        }
        Thread.Sleep(3000);
        descendants = LinuxProcesses.Descendants(build.Id);

        build.Kill(entireProcessTree: false); // as a crash or `kill -9` of `dotnet build` would
        build.WaitForExit();
        var alive = descendants;
        for (var until = DateTime.UtcNow + TimeSpan.FromSeconds(20); DateTime.UtcNow < until && alive.Count > 0; Thread.Sleep(250))
            alive = alive.Where(LinuxProcesses.IsAlive).ToList();
        string survivors = string.Join("; ", alive.Select(LinuxProcesses.Describe));
        foreach (int pid in alive) try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { }
        Assert.True(alive.Count == 0, $"Still running 20 s after the build was killed: {survivors}");
    }

    /// <summary>A program that prints the baked model's outputs for the given samples, one line of float bits each.</summary>
    private static string Program(float[][] samples)
    {
        string Literal(float[] sample) => "new float[] { " + string.Join(", ", sample.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "f")) + " }";
        return $$"""
            using System;
            using System.Linq;

            float[][] samples =
            {
                {{string.Join(",\n    ", samples.Select(Literal))}}
            };
            var output = new float[E2EApp.DigitsMlp.OutputLength];
            foreach (var sample in samples)
            {
                E2EApp.DigitsMlp.Predict(sample, output);
                Console.WriteLine(string.Join(" ", output.Select(v => BitConverter.SingleToInt32Bits(v).ToString("X8"))));
            }
            """;
    }

    private static string Bits(float[] values) => string.Join(" ", values.Select(v => BitConverter.SingleToInt32Bits(v).ToString("X8")));

    private static int ArgMax(float[] values) => Array.IndexOf(values, values.Max());
}
