using ModelBaker.Tests.Support;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Options;
using ModelBaker.Core.Serialization;

namespace ModelBaker.Tests.Cli;

public class BakeCommandTests
{
    [Fact]
    public void Bake_writes_the_plan_and_the_generated_class()
    {
        using var folder = new TempFolder();
        var result = CliResult.Run("bake", SampleModel.Onnx, "--calibration", SampleModel.Calibration, "--sparsity", "0.5", "-o", folder.Root);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Error);
        string planPath = Path.Combine(folder.Root, "digits_mlp.mbake");
        string codePath = Path.Combine(folder.Root, "DigitsMlp.g.cs");
        string code = File.ReadAllText(codePath);
        Assert.Contains("namespace ModelBaker.Generated", code);
        Assert.Contains("public static partial class DigitsMlp", code);
        Assert.Contains("public static void Predict(ReadOnlySpan<float> input, Span<float> output)", code);

        var plan = PlanFile.Read(File.ReadAllBytes(planPath));
        Assert.Equal("DigitsMlp", plan.Header.ClassName);
        Assert.Equal(Precision.Int8, plan.Header.Precision);
        Assert.Equal(0.5f, plan.Header.Sparsity);

        Assert.Contains("Baked digits_mlp.onnx into ModelBaker.Generated.DigitsMlp", result.Out);
        Assert.Contains("precision  Int8", result.Out);
        Assert.Contains("sparsity   0.5", result.Out);
        Assert.Contains($"weights    68,904 B -> {plan.WeightBytes:N0} B (", result.Out.Replace("\u00a0", ","));
        Assert.Contains($"steps      {plan.Kernels.Count}", result.Out);
        Assert.Contains("Wrote " + codePath, result.Out);
    }

    [Fact]
    public void Bake_honours_class_name_namespace_and_float_precision()
    {
        using var folder = new TempFolder();
        var result = CliResult.Run("bake", SampleModel.Onnx, "--precision", "float32", "--class-name", "Digits",
            "--namespace", "My.App", "--output=" + folder.Root);

        Assert.True(result.ExitCode == 0, result.ToString());
        string code = File.ReadAllText(Path.Combine(folder.Root, "Digits.g.cs"));
        Assert.Contains("namespace My.App", code);
        Assert.Contains("public static partial class Digits", code);
        var plan = PlanFile.Read(File.ReadAllBytes(Path.Combine(folder.Root, "digits_mlp.mbake")));
        Assert.Equal(Precision.Float32, plan.Header.Precision);
        Assert.Contains("precision  Float32", result.Out);
    }

    [Fact]
    public void Bake_without_calibration_warns_on_stderr_and_succeeds()
    {
        using var folder = new TempFolder();
        var result = CliResult.Run("bake", SampleModel.Onnx, "-o", folder.Root);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("warning MB1303: ", result.Error);
        Assert.True(File.Exists(Path.Combine(folder.Root, "DigitsMlp.g.cs")));
    }

    [Fact]
    public void Bake_rebakes_over_existing_files()
    {
        using var folder = new TempFolder();
        string[] args = { "bake", SampleModel.Onnx, "--precision", "Float32", "-o", folder.Root };
        Assert.Equal(0, CliResult.Run(args).ExitCode);
        byte[] first = File.ReadAllBytes(Path.Combine(folder.Root, "digits_mlp.mbake"));
        Assert.Equal(0, CliResult.Run(args).ExitCode);
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(folder.Root, "digits_mlp.mbake")));
        Assert.Equal(new[] { "DigitsMlp.g.cs", "digits_mlp.mbake" },
            Directory.GetFiles(folder.Root).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void A_missing_model_is_MB1001_with_exit_code_1()
    {
        using var folder = new TempFolder();
        var result = CliResult.Run("bake", Path.Combine(folder.Root, "nope.onnx"), "-o", folder.Root);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error MB1001: ", result.Error);
        Assert.Contains("nope.onnx", result.Error);
        Assert.Empty(Directory.GetFiles(folder.Root));
    }

    [Fact]
    public void Missing_calibration_data_is_MB1204()
    {
        using var folder = new TempFolder();
        var result = CliResult.Run("bake", SampleModel.Onnx, "--calibration", Path.Combine(folder.Root, "none.npy"), "-o", folder.Root);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error MB1204: ", result.Error);
    }

    [Fact]
    public void An_output_folder_that_is_a_file_is_MB2003()
    {
        using var folder = new TempFolder();
        string file = Path.Combine(folder.Root, "file");
        File.WriteAllText(file, "");
        var result = CliResult.Run("bake", SampleModel.Onnx, "--precision", "Float32", "-o", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error MB2003: ", result.Error);
    }
}

public class WeightStorageCommandTests
{
    [Fact]
    public void Generate_with_resource_storage_writes_the_weights_and_says_how_to_embed_them_and_the_pair_runs_like_the_interpreter()
    {
        using var folder = new TempFolder();
        var result = CliResult.Run("generate", SampleModel.Onnx, "--calibration", SampleModel.Calibration, "--sparsity", "0.5",
            "--weight-storage", "resource", "-o", folder.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        string code = File.ReadAllText(Path.Combine(folder.Root, "DigitsMlp.cs"));
        byte[] weights = File.ReadAllBytes(Path.Combine(folder.Root, "DigitsMlp.weights"));
        Assert.Contains("Wrote " + Path.Combine(folder.Root, "DigitsMlp.weights"), result.Out);
        Assert.Contains("<EmbeddedResource Include=\"DigitsMlp.weights\" LogicalName=\"ModelBaker.Generated.DigitsMlp.weights\" WithCulture=\"false\" />", result.Out);

        var plan = Baker.Bake(SampleModels.DigitsOptions() with { Namespace = "ModelBaker.Generated", WeightStorage = WeightStorage.Resource }, new RecordingLog());
        var generated = GeneratedAssembly.Compile(code, "ModelBaker.Generated.DigitsMlp",
            resources: new Dictionary<string, byte[]> { ["ModelBaker.Generated.DigitsMlp.weights"] = weights });
        foreach (var input in SampleModels.DigitsTestInputs().Take(20))
            Assert.Equal(ModelBaker.Core.Interpreter.PlanInterpreter.Run(plan, new[] { input })[0], generated.Predict(input, 10));
    }

    [Fact]
    public void Bake_with_resource_storage_writes_the_weights_beside_the_class_and_a_small_model_stays_inline_by_default()
    {
        using var folder = new TempFolder();
        var result = CliResult.Run("bake", SampleModel.Onnx, "--calibration", SampleModel.Calibration, "--weight-storage", "Resource", "-o", folder.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(folder.Root, "DigitsMlp.weights")));
        Assert.Equal("ModelBaker.Generated.DigitsMlp.weights", PlanFile.Read(File.ReadAllBytes(Path.Combine(folder.Root, "digits_mlp.mbake"))).Header.WeightResource);

        using var other = new TempFolder();
        Assert.Equal(0, CliResult.Run("bake", SampleModel.Onnx, "--calibration", SampleModel.Calibration, "-o", other.Root).ExitCode);
        Assert.False(File.Exists(Path.Combine(other.Root, "DigitsMlp.weights")));
    }

    [Fact]
    public void Bad_weight_storage_is_a_coded_error()
    {
        using var folder = new TempFolder();
        var result = CliResult.Run("generate", SampleModel.Onnx, "--weight-storage", "flash", "-o", folder.Root);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("MB1151", result.Error);
        Assert.False(File.Exists(Path.Combine(folder.Root, "DigitsMlp.cs")));
    }

    [Fact]
    public void Generate_for_nanoFramework_with_a_resource_writes_the_resources_file_and_the_line_that_embeds_it()
    {
        using var folder = new TempFolder();
        var result = CliResult.Run("generate", SampleModel.Onnx, "--calibration", SampleModel.Calibration, "--target", "nanoframework",
            "--weight-storage", "resource", "-o", folder.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(folder.Root, "DigitsMlp.cs")));
        Assert.True(File.Exists(Path.Combine(folder.Root, "DigitsMlp.weights.resources")));
        Assert.Contains("<EmbeddedResource Include=\"DigitsMlp.weights.resources\" LogicalName=\"ModelBaker.Generated.DigitsMlp.weights.resources\"", result.Out);
        Assert.Contains("nanoFramework.ResourceManager", result.Out);
    }
}
