using ModelBaker.Tests.Support;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Serialization;

namespace ModelBaker.Tests.Cli;

/// <summary>The .g.cs `bake` writes is usable as is: it compiles alone and agrees with the plan interpreter.</summary>
public class GeneratedCodeTests
{
    [Theory]
    [InlineData("Int8")]
    [InlineData("Float32")]
    public void The_written_class_compiles_and_matches_the_plan_interpreter_bit_for_bit(string precision)
    {
        using var folder = new TempFolder();
        var result = CliResult.Run("bake", SampleModel.Onnx, "--calibration", SampleModel.Calibration, "--precision", precision,
            "--sparsity", "0.25", "--namespace", "Baked", "-o", folder.Root);
        Assert.True(result.ExitCode == 0, result.ToString());

        var plan = PlanFile.Read(File.ReadAllBytes(Path.Combine(folder.Root, "digits_mlp.mbake")));
        const string runner = "namespace Baked { public static class Runner { public static float[] Run(float[] x) " +
                              "{ var y = new float[DigitsMlp.OutputLength]; DigitsMlp.Predict(x, y); return y; } } }";
        var run = Compile(File.ReadAllText(Path.Combine(folder.Root, "DigitsMlp.g.cs")), runner)
            .GetType("Baked.Runner")!.GetMethod("Run")!;

        float[] samples = NpyReader.Read(SampleModel.Calibration).AsFloats();
        for (int s = 0; s < 20; s++)
        {
            float[] x = samples.Skip(s * 64).Take(64).ToArray();
            var actual = (float[])run.Invoke(null, new object[] { x })!;
            float[] expected = PlanInterpreter.Run(plan, new[] { x })[0];
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        }
    }

    private static Assembly Compile(params string[] sources)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Baked" + Guid.NewGuid().ToString("N"),
            sources.Select(s => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest))),
            references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return Assembly.Load(stream.ToArray());
    }
}
