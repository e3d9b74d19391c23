using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Cli;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>CodeTarget="NanoFramework" on the CompressedModel item, and `modelbaker generate --target nanoframework`.</summary>
public sealed class NanoOptionsTests
{
    private static OptionsParser.Result Parse(params (string Name, string Value)[] metadata) =>
        OptionsParser.Parse(SampleModels.DigitsModel, metadata.ToDictionary(m => m.Name, m => m.Value), Path.GetTempPath(), "App");

    [Fact]
    public void CodeTarget_NanoFramework_is_accepted_and_int8_by_default()
    {
        var result = Parse(("CodeTarget", "nanoframework"));
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
        Assert.Equal(CodeTarget.NanoFramework, result.Options!.Target);
        Assert.Equal(Precision.Int8, result.Options.Precision);
    }

    [Fact]
    public void CodeTarget_NanoFramework_with_Float32_is_a_conflict()
    {
        var problem = Assert.Single(Parse(("CodeTarget", "NanoFramework"), ("Precision", "Float32")).Problems);
        Assert.Equal(ErrorCodes.ConflictingMetadata, problem.Code);
        Assert.Contains("integer-only", problem.Message);
    }

    [Fact]
    public void Generate_writes_the_nanoFramework_file_and_reports_ram()
    {
        using var folder = new TempFolder();
        var result = CliResult.Run("generate", SampleModel.Onnx, "--target", "nanoframework", "--calibration", SampleModel.Calibration,
            "--sparsity", "0.5", "-o", folder.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        string code = File.ReadAllText(Path.Combine(folder.Root, "DigitsMlp.cs"));
        Assert.Contains("public static void Predict(float[] input, float[] output)", code);
        Assert.Contains("public static void PredictQuantized(sbyte[] input, sbyte[] output)", code);
        NanoCompiler.AssertNanoFrameworkClean(code);
        Assert.Contains("Generated ModelBaker.Generated.DigitsMlp (nanoFramework)", result.Out);
        Assert.Contains("lower bound", result.Out);
    }

    [Fact]
    public void Generate_refuses_an_unknown_target()
    {
        var result = CliResult.Run("generate", SampleModel.Onnx, "--target", "arduino");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(ErrorCodes.UnknownTarget, result.Error);
    }
}
