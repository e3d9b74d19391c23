using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Codegen;

/// <summary>
/// WeightStorage="Resource": the class reads its large constants from one embedded little-endian blob instead of array
/// initializers, and must compute exactly what the inline class computes, allocating nothing per call.
/// </summary>
public sealed class WeightResourceTests
{
    private const string Resource = "Samples.DigitsMlp.weights";

    private static BakedPlan Digits(Precision precision, WeightStorage storage) =>
        Baker.Bake(SampleModels.DigitsOptions(0.5f, precision) with { WeightStorage = storage }, new RecordingLog());

    [Theory]
    [InlineData(Precision.Int8)]
    [InlineData(Precision.Float32)]
    public void A_class_with_resource_weights_is_bit_identical_to_the_inline_class_and_allocates_nothing(Precision precision)
    {
        var inlinePlan = Digits(precision, WeightStorage.Inline);
        var resourcePlan = Digits(precision, WeightStorage.Resource);
        Assert.Equal("", inlinePlan.Header.WeightResource);
        Assert.Equal(Resource, resourcePlan.Header.WeightResource);

        var inline = ClassEmitter.EmitWithWeights(inlinePlan);
        var resource = ClassEmitter.EmitWithWeights(resourcePlan);
        Assert.Null(inline.Weights);
        Assert.NotNull(resource.Weights);
        Assert.Contains("BakedWeights.Span<", resource.Source);
        Assert.DoesNotContain("BakedWeights", inline.Source);
        // The weight matrices left the C#: what remains are the short tables.
        Assert.True(resource.Source.Length < inline.Source.Length - resource.Weights!.Length,
            $"{resource.Source.Length} chars with the resource, {inline.Source.Length} inline, {resource.Weights.Length} bytes of resource");

        var a = GeneratedAssembly.Compile(inline.Source, "Samples.DigitsMlp");
        var b = GeneratedAssembly.Compile(resource.Source, "Samples.DigitsMlp", resources: new Dictionary<string, byte[]> { [Resource] = resource.Weights });
        foreach (var input in SampleModels.DigitsTestInputs())
            Assert.Equal(a.Predict(input, 10).Select(BitConverter.SingleToInt32Bits), b.Predict(input, 10).Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(0, b.AllocatedBytes(SampleModels.DigitsTestInputs()[0], new float[10], calls: 1000));
    }

    [Fact]
    public void The_scalar_build_of_a_resource_class_agrees_with_the_vectorised_one()
    {
        var resource = ClassEmitter.EmitWithWeights(Digits(Precision.Int8, WeightStorage.Resource));
        var resources = new Dictionary<string, byte[]> { [Resource] = resource.Weights! };
        var scalar = GeneratedAssembly.Compile(resource.Source, "Samples.DigitsMlp", vectorized: false, resources);
        var vector = GeneratedAssembly.Compile(resource.Source, "Samples.DigitsMlp", vectorized: true, resources);
        foreach (var input in SampleModels.DigitsTestInputs().Take(50))
            Assert.Equal(scalar.Predict(input, 10), vector.Predict(input, 10));
    }

    [Fact]
    public void Two_bakes_give_the_same_resource_bytes_and_source()
    {
        var first = ClassEmitter.EmitWithWeights(Digits(Precision.Int8, WeightStorage.Resource));
        var second = ClassEmitter.EmitWithWeights(Digits(Precision.Int8, WeightStorage.Resource));
        Assert.Equal(first.Weights, second.Weights);
        Assert.Equal(first.Source, second.Source);
        // The header: "MBW1", then the digest the class compares.
        Assert.Equal("MBW1"u8.ToArray(), first.Weights!.Take(4));
        Assert.Contains(string.Join(", ", first.Weights!.Take(WeightBlob.HeaderBytes)), first.Source);
    }

    [Fact]
    public void The_resource_name_and_plan_survive_the_plan_file()
    {
        var plan = Digits(Precision.Int8, WeightStorage.Resource);
        var read = PlanFile.Read(PlanFile.ToBytes(plan));
        Assert.Equal(Resource, read.Header.WeightResource);
        Assert.Equal(ClassEmitter.EmitWithWeights(plan).Weights, ClassEmitter.EmitWithWeights(read).Weights);
    }

    [Fact]
    public void A_missing_or_foreign_resource_is_an_exception_that_says_what_to_embed()
    {
        var resource = ClassEmitter.EmitWithWeights(Digits(Precision.Int8, WeightStorage.Resource));
        var input = SampleModels.DigitsTestInputs()[0];

        var missing = GeneratedAssembly.Compile(resource.Source, "Samples.DigitsMlp");
        var e = Failure(() => missing.Predict(input, 10));
        Assert.Contains($"manifest resource {Resource}", e.Message);
        Assert.Contains("LogicalName", e.Message);

        var foreign = (byte[])resource.Weights!.Clone();
        foreign[WeightBlob.HeaderBytes - 1] ^= 0xFF;
        var stale = GeneratedAssembly.Compile(resource.Source, "Samples.DigitsMlp", resources: new Dictionary<string, byte[]> { [Resource] = foreign });
        Assert.Contains("another bake", Failure(() => stale.Predict(input, 10)).Message);

        var truncated = GeneratedAssembly.Compile(resource.Source, "Samples.DigitsMlp",
            resources: new Dictionary<string, byte[]> { [Resource] = resource.Weights.Take(resource.Weights.Length - 1).ToArray() });
        Assert.Contains("another bake", Failure(() => truncated.Predict(input, 10)).Message);
    }

    /// <summary>
    /// The generated class's exception: as thrown when a step first reads the resource, or inside the
    /// TypeInitializationException of the class when its initializer does (sparse layers decode their weights there).
    /// </summary>
    private static InvalidOperationException Failure(Action call)
    {
        var e = Assert.ThrowsAny<Exception>(call);
        return Assert.IsType<InvalidOperationException>(e is TypeInitializationException t ? t.InnerException : e);
    }

    [Fact]
    public void Auto_keeps_a_small_model_inline_and_stores_a_large_one_in_a_resource()
    {
        Assert.Equal("", Digits(Precision.Int8, WeightStorage.Auto).Header.WeightResource);

        // 256 × 256 float32 weights: 256 KB, the Auto threshold; 128 × 128 stays inline.
        using var dir = new TempFolder();
        string model = WideGemm.Save(dir.Path("wide.onnx"), 256, 256);
        var plan = Baker.Bake(new BakeOptions(model, "Wide", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        Assert.True(plan.WeightBytes >= Baker.AutoResourceWeightBytes);
        Assert.Equal("Tests.Wide.weights", plan.Header.WeightResource);
        string narrow = WideGemm.Save(dir.Path("narrow.onnx"), 128, 128);
        Assert.Equal("", Baker.Bake(new BakeOptions(narrow, "Narrow", "Tests") { Precision = Precision.Float32 }, new RecordingLog()).Header.WeightResource);
        var named = Baker.Bake(new BakeOptions(model, "Wide", "Tests") { Precision = Precision.Float32, WeightResourceName = "X.y" }, new RecordingLog());
        Assert.Equal("X.y", named.Header.WeightResource);
    }

    [Fact]
    public void A_plan_whose_arrays_are_all_small_reads_no_resource_even_when_asked_to()
    {
        using var dir = new TempFolder();
        string model = WideGemm.Save(dir.Path("tiny.onnx"), 4, 3);
        var options = new BakeOptions(model, "Tiny", "Tests") { Precision = Precision.Float32 };
        var resource = ClassEmitter.EmitWithWeights(Baker.Bake(options with { WeightStorage = WeightStorage.Resource }, new RecordingLog()));
        Assert.Null(resource.Weights);
        Assert.Equal(ClassEmitter.Emit(Baker.Bake(options with { WeightStorage = WeightStorage.Inline }, new RecordingLog())), resource.Source);
    }

    [Fact]
    public void A_resource_plan_is_not_refused_for_size_and_an_inline_one_is_told_to_use_a_resource()
    {
        // 1024 × 2048 float32: 8 MB of weights, about 28 MB of initializers (MB1109 inline) but a few KB of C# with a resource.
        using var dir = new TempFolder();
        string model = WideGemm.Save(dir.Path("wide.onnx"), 1024, 2048);
        var options = new BakeOptions(model, "Wide", "Tests") { Precision = Precision.Float32 };

        var e = Assert.Throws<BakeException>(() => Baker.Bake(options with { WeightStorage = WeightStorage.Inline }, new RecordingLog()));
        Assert.Equal(ErrorCodes.ModelTooLarge, e.Code);
        Assert.Contains("WeightStorage=\"Resource\"", e.Message);

        var plan = Baker.Bake(options, new RecordingLog());
        var generated = ClassEmitter.EmitWithWeights(plan);
        Assert.True(generated.Source.Length < 64 * 1024, $"{generated.Source.Length} chars");
        Assert.True(generated.Weights!.Length > 8 * 1024 * 1024);
    }

}
