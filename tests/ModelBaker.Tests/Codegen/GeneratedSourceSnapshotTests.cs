using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;
using ModelBaker.Core.Generation;

namespace ModelBaker.Tests.Codegen;

/// <summary>
/// The generated source of a small model, pinned: any change to what users get in their obj/ folder shows up
/// as a reviewed diff of the approved file.
/// </summary>
public sealed class GeneratedSourceSnapshotTests
{
    /// <summary>Gemm(4→3, transB) + Relu, MatMul(3→2) + bias Add, Softmax: every fusion and a standalone step.</summary>
    private static string TinyModel()
    {
        var graph = new GraphBuilder()
            .Input("features", 1, 4)
            .Constant("w1", T.F(T.S(3, 4), 0.5f, -0.25f, 0.125f, 1f, -0.5f, 0.75f, 0.25f, -1f, 0.3f, 0.2f, -0.1f, 0.6f))
            .Constant("b1", T.F(T.S(3), 0.1f, -0.2f, 0.05f))
            .Constant("w2", T.F(T.S(3, 2), 1f, -1f, 0.5f, 0.25f, -0.75f, 0.5f))
            .Constant("b2", T.F(T.S(2), 0.01f, -0.01f))
            .Node("Gemm", new[] { "features", "w1", "b1" }, new[] { "hidden" }, GraphBuilder.Int("transB", 1))
            .Node("Relu", new[] { "hidden" }, new[] { "activated" })
            .Node("MatMul", new[] { "activated", "w2" }, new[] { "scores" })
            .Node("Add", new[] { "scores", "b2" }, new[] { "logits" })
            .Node("Softmax", new[] { "logits" }, new[] { "probabilities" })
            .Output("probabilities")
            .Graph;
        string folder = Path.Combine(Path.GetTempPath(), "modelbaker-snapshot-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "tiny_classifier.onnx");
        OnnxModelWriter.Save(graph, path);
        return path;
    }

    [Theory]
    [InlineData(Precision.Int8)]
    [InlineData(Precision.Float32)]
    public void Generated_source_matches_approved_file(Precision precision)
    {
        var options = new BakeOptions(TinyModel(), "TinyClassifier", "Snapshots") { Precision = precision };
        var log = new RecordingLog();
        string source = ClassEmitter.Emit(Baker.Bake(options, log));
        Snapshot.Match($"TinyClassifier.{precision}", source);
        GeneratedAssembly.Compile(source, "Snapshots.TinyClassifier");
    }

    [Fact]
    public void NanoFramework_source_matches_its_approved_file()
    {
        var options = new BakeOptions(TinyModel(), "TinyClassifier", "Snapshots") { Target = CodeTarget.NanoFramework };
        string source = ClassEmitter.Emit(Baker.Bake(options, new RecordingLog()));
        Snapshot.Match("TinyClassifier.NanoFramework", source);
        NanoFramework.NanoCompiler.AssertNanoFrameworkClean(source);
    }

    [Fact]
    public void The_class_holds_only_the_helpers_its_steps_call()
    {
        // The float Softmax kernel's file also has LogSoftmax; int8 steps requantize with Requantize alone.
        string floats = ClassEmitter.Emit(Baker.Bake(new BakeOptions(TinyModel(), "TinyClassifier", "Snapshots") { Precision = Precision.Float32 }, new RecordingLog()));
        Assert.Contains("private static void Softmax(", floats);
        Assert.DoesNotContain("LogSoftmax", floats);
        string int8 = ClassEmitter.Emit(Baker.Bake(new BakeOptions(TinyModel(), "TinyClassifier", "Snapshots"), new RecordingLog()));
        Assert.Contains("private static sbyte Requantize(", int8);
        Assert.DoesNotContain("MultiplyByQuantizedMultiplier", int8);
    }

    [Fact]
    public void Tensors_that_reuse_one_place_in_the_arena_keep_names_of_their_own()
    {
        // x → h1 → h2 → h3 → y, 8 values each: the planner puts h3 where h1 was (and h2 where x was).
        var builder = new GraphBuilder().Input("x", 1, 8);
        string previous = "x";
        foreach (string name in new[] { "h1", "h2", "h3", "y" })
        {
            builder.Constant(name + "_w", T.F(T.S(8, 8), Enumerable.Range(0, 64).Select(i => (i % 9 - 4) / 8f).ToArray()))
                .Node("MatMul", new[] { previous, name + "_w" }, new[] { name });
            previous = name;
        }
        string folder = Path.Combine(Path.GetTempPath(), "modelbaker-chain-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "chain.onnx");
        OnnxModelWriter.Save(builder.Output("y").Graph, path);
        var plan = Baker.Bake(new BakeOptions(path, "Chain", "Snapshots") { Precision = Precision.Float32 }, new RecordingLog());
        var h1 = plan.Kernels.Single(k => k.Output.TensorName == "h1").Output;
        var h3 = plan.Kernels.Single(k => k.Output.TensorName == "h3").Output;
        Assert.Equal(h1.Expression(), h3.Expression()); // the premise: one place, two tensors
        string source = ClassEmitter.Emit(plan);
        Assert.Contains($"Span<float> h1 = {h1.Expression()};", source);
        Assert.Contains($"Span<float> h3 = {h3.Expression()};", source);
        Assert.Contains(", h3);", source); // the third step writes to h3, not to h1
        GeneratedAssembly.Compile(source, "Snapshots.Chain");
    }
}
