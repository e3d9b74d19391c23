using System.Collections;
using System.Resources;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// WeightStorage="Resource" for nanoFramework (docs/nanoframework.md#weights-in-flash): the weights go into a .resources
/// file the assembly embeds, and each layer reads one row at a time through nanoFramework's ResourceUtility. The class
/// compiles against nanoFramework's mscorlib and the ResourceManager declaration, and — compiled for .NET, its resource
/// embedded — gives exactly the array flavour's outputs.
/// </summary>
public sealed class NanoWeightResourceTests
{
    private static BakedPlan Bake(string model, float sparsity, int clusters, WeightStorage storage) =>
        Baker.Bake(new BakeOptions(TestData.Path("sample", "models", model), "Model", "Samples")
        {
            Sparsity = sparsity,
            Clusters = clusters > 0 ? clusters : null,
            CalibrationPath = SampleModels.DigitsCalibration,
            Target = CodeTarget.NanoFramework,
            WeightStorage = storage,
        }, new RecordingLog());

    private static Type Compile(ClassEmitter.GeneratedClass generated, BakedPlan plan) =>
        NanoCompiler.CompileForNet(generated.Source, "Samples.Model", resources: generated.Weights == null ? null
            : new Dictionary<string, byte[]> { [NanoResourceFile.ManifestName(plan.Header.WeightResource)] = generated.Weights });

    [Theory]
    [InlineData("digits_mlp.onnx", 0.5f, 0)]
    [InlineData("digits_cnn.onnx", 0f, 0)]
    [InlineData("digits_cnn.onnx", 0.5f, 0)]
    [InlineData("digits_dscnn.onnx", 0.75f, 16)]
    public void Weights_read_from_the_resource_give_the_array_flavours_outputs_on_every_held_out_digit(string model, float sparsity, int clusters)
    {
        var inlinePlan = Bake(model, sparsity, clusters, WeightStorage.Inline);
        var resourcePlan = Bake(model, sparsity, clusters, WeightStorage.Resource);
        var generated = ClassEmitter.EmitWithWeights(resourcePlan);
        Assert.NotNull(generated.Weights);
        Assert.DoesNotContain("Weights = new sbyte[]", generated.Source);
        NanoCompiler.AssertNanoFrameworkClean(generated.Source);

        var inline = NanoCompiler.CompileForNet(ClassEmitter.Emit(inlinePlan), "Samples.Model");
        var resource = Compile(generated, resourcePlan);

        // RAM: every weighted layer reads a whole row into its buffer; the weights themselves are not held.
        var weighted = resourcePlan.Kernels.Where(k => k is FullyConnectedInt8 or ConvInt8).ToList();
        int rows = resourcePlan.Kernels.OfType<FullyConnectedInt8>().Sum(k => k.Depth) + resourcePlan.Kernels.OfType<ConvInt8>().Sum(k => k.Geometry.WeightsPerChannel);
        Assert.Equal(rows + resourcePlan.Kernels.Max(k => k.NanoWorkspaceBytes), NanoCompiler.Constant<int>(resource, "ScratchBytes"));
        int encoded = resourcePlan.Kernels.OfType<FullyConnectedInt8>().Sum(k => k.Encoded.Bytes) + resourcePlan.Kernels.OfType<ConvInt8>().Sum(k => k.Encoded.Bytes);
        Assert.Equal(resourcePlan.WeightBytes - encoded, NanoCompiler.Constant<int>(resource, "ResidentWeightBytes"));
        Assert.Equal(inlinePlan.WeightBytes, NanoCompiler.Constant<int>(resource, "WeightBytes"));
        Assert.NotEmpty(weighted);

        int outputLength = NanoCompiler.Constant<int>(inline, "OutputLength");
        foreach (var digit in SampleModels.DigitsTestInputs())
            Assert.Equal(NanoCompiler.Predict(inline, digit, outputLength), NanoCompiler.Predict(resource, digit, outputLength));
    }

    [Fact]
    public void The_resource_file_is_a_resources_file_dotnet_reads_back_with_the_blob_under_the_plans_name()
    {
        var plan = Bake("digits_cnn.onnx", 0.5f, 0, WeightStorage.Resource);
        var generated = ClassEmitter.EmitWithWeights(plan);
        using var reader = new ResourceReader(new MemoryStream(generated.Weights!));
        var entries = reader.Cast<DictionaryEntry>().ToList();
        var entry = Assert.Single(entries);
        Assert.Equal(plan.Header.WeightResource, entry.Key);
        var blob = (byte[])entry.Value!;
        Assert.Equal("MBW1"u8.ToArray(), blob.Take(4).ToArray());
        Assert.Contains($"public const int WeightResourceBytes = {blob.Length};", generated.Source);
        Assert.Contains($"Weights = {NanoResourceFile.ResourceId(plan.Header.WeightResource)}", generated.Source);
        // Deterministic: the same plan gives the same bytes.
        Assert.Equal(generated.Weights, ClassEmitter.EmitWithWeights(plan).Weights);
    }

    [Theory]
    // The ids MetadataProcessor's own function (nanoResourcesTable.GenerateIdFromResourceName, nanoframework/metadata-processor
    // at 4541b46) gave for these names, run on 2026-12-07.
    [InlineData("", 15318)]
    [InlineData("a", 31351)]
    [InlineData("ab", 19882)]
    [InlineData("ModelBaker.digits_cnn.weights", -29220)]
    [InlineData("Samples.Model.weights", -9225)]
    public void Resource_ids_are_metadata_processors_hash_of_the_name(string name, short id) =>
        Assert.Equal(id, NanoResourceFile.ResourceId(name));

    [Fact]
    public void A_missing_or_foreign_resource_is_an_InvalidOperationException_that_says_what_to_embed()
    {
        var plan = Bake("digits_mlp.onnx", 0.5f, 0, WeightStorage.Resource);
        var generated = ClassEmitter.EmitWithWeights(plan);
        var missing = NanoCompiler.CompileForNet(generated.Source, "Samples.Model");
        var e = Assert.Throws<InvalidOperationException>(() => NanoCompiler.Predict(missing, new float[64], 10));
        Assert.Contains(NanoResourceFile.ManifestName(plan.Header.WeightResource), e.Message);
        Assert.Contains("nanoFramework.ResourceManager", e.Message);

        var other = ClassEmitter.EmitWithWeights(Bake("digits_mlp.onnx", 0f, 0, WeightStorage.Resource)).Weights!;
        var foreign = NanoCompiler.CompileForNet(generated.Source, "Samples.Model",
            resources: new Dictionary<string, byte[]> { [NanoResourceFile.ManifestName(plan.Header.WeightResource)] = other });
        e = Assert.Throws<InvalidOperationException>(() => NanoCompiler.Predict(foreign, new float[64], 10));
        Assert.Contains("another bake", e.Message);
    }

    [Fact]
    public void Auto_keeps_small_nanoFramework_weights_in_arrays_and_reads_large_ones_from_a_resource()
    {
        foreach (string model in new[] { "digits_mlp.onnx", "digits_cnn.onnx", "digits_dscnn.onnx" })
        {
            var small = Bake(model, 0f, 0, WeightStorage.Auto);
            Assert.True(small.WeightBytes < Baker.AutoNanoResourceWeightBytes, $"{model}: {small.WeightBytes} bytes");
            Assert.Equal("", small.Header.WeightResource);
        }
        using var dir = new TempFolder();
        var large = Baker.Bake(new BakeOptions(WideGemm.Save(dir.Path("wide.onnx"), 256, 160), "Wide", "Tests") { Target = CodeTarget.NanoFramework }, new RecordingLog());
        Assert.True(large.WeightBytes >= Baker.AutoNanoResourceWeightBytes, $"{large.WeightBytes} bytes");
        Assert.NotEqual("", large.Header.WeightResource);
    }

    [Fact]
    public void A_model_of_500_KB_of_int8_weights_runs_in_under_32_KB_of_RAM_and_equals_the_interpreter()
    {
        using var dir = new TempFolder();
        var plan = Baker.Bake(new BakeOptions(WideGemm.Save(dir.Path("wide.onnx"), 1024, 512), "Model", "Samples")
            { Target = CodeTarget.NanoFramework, WeightStorage = WeightStorage.Resource }, new RecordingLog());
        Assert.True(plan.WeightBytes > 500 * 1024, $"{plan.WeightBytes} bytes");
        var generated = ClassEmitter.EmitWithWeights(plan);
        NanoCompiler.AssertNanoFrameworkClean(generated.Source);
        var model = Compile(generated, plan);

        // RAM for the model: arena, row buffer, and what stays resident (biases, requantization parameters); the read of
        // one row allocates that row again, transiently.
        int ram = NanoCompiler.Constant<int>(model, "ArenaBytes") + NanoCompiler.Constant<int>(model, "ScratchBytes")
                  + NanoCompiler.Constant<int>(model, "ResidentWeightBytes") + 1024;
        Assert.True(ram < 32 * 1024, $"{ram} bytes");

        var random = new Random(5);
        for (int sample = 0; sample < 4; sample++)
        {
            var input = Enumerable.Range(0, 1024).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
            Assert.Equal(Core.Interpreter.PlanInterpreter.Run(plan, new[] { input })[0], NanoCompiler.Predict(model, input, 512));
        }
    }
}
