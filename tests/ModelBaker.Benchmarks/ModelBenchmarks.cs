using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using ModelBaker.Benchmarks.Models;
using ModelBaker.Core.Options;

namespace ModelBaker.Benchmarks;

/// <summary>
/// One prediction per model, in one process: ONNX Runtime 1.31.1 running the original float model, the
/// ModelBaker-generated int8 class (Sparsity 0.5, calibrated, as a user bakes it) and the generated float32 class
/// (`Precision="Float32"`, nothing pruned). All get the same input and preallocated buffers; ONNX Runtime uses the
/// OrtValue API on one thread, so no side allocates or starts threads per call. Ratios are per model (ONNX Runtime is
/// each model's baseline).
/// </summary>
[MemoryDiagnoser]
public class ModelBenchmarks
{
    /// <summary>A model: its ONNX file, a held-out input, and its generated classes' Predict, made on demand.</summary>
    /// <param name="InputFile">Held-out inputs beside the benchmark, or null for a random one in [0, 1).</param>
    private sealed record Model(string OnnxFile, string? InputFile, Func<Action<float[], float[]>> Int8, Func<Action<float[], float[]>> Float32);

    private static readonly Dictionary<string, Func<Model>> Models = new()
    {
        ["digits MLP"] = () => new("digits_mlp.onnx", "digits_test_x.npy", () => (x, y) => DigitsMlp.Predict(x, y), () => (x, y) => DigitsMlpFloat32.Predict(x, y)),
        ["digits CNN"] = () => new("digits_cnn.onnx", "digits_test_x.npy", () => (x, y) => DigitsCnn.Predict(x, y), () => (x, y) => DigitsCnnFloat32.Predict(x, y)),
        ["depthwise CNN"] = () => new("digits_dscnn.onnx", "digits_test_x.npy", () => (x, y) => DigitsDscnn.Predict(x, y), () => (x, y) => DigitsDscnnFloat32.Predict(x, y)),
        ["mnist-8"] = () => new("mnist8.onnx", "mnist8_test_x.npy", () => (x, y) => Mnist8.Predict(x, y), () => (x, y) => Mnist8Float32.Predict(x, y)),
        ["MobileNetV1-0.25 96x96"] = () =>
        {
            var written = InProcessBake.Write(MobileNetV1.Build(seed: 1), "MobileNetV1");
            return new(written.OnnxPath, null, () => InProcessBake.Compile(written, Precision.Int8), () => InProcessBake.Compile(written, Precision.Float32));
        },
        // Random weights, calibrated like MobileNet (16 random images); the int8 bake takes about two minutes of CPU.
        ["ResNet-18 224x224"] = () =>
        {
            var written = InProcessBake.Write(ResNet18.Build(seed: 1), "ResNet18");
            return new(written.OnnxPath, null, () => InProcessBake.Compile(written, Precision.Int8), () => InProcessBake.Compile(written, Precision.Float32));
        },
    };

    [Params("digits MLP", "digits CNN", "depthwise CNN", "mnist-8", "MobileNetV1-0.25 96x96", "ResNet-18 224x224")]
    public string ModelName { get; set; } = "digits MLP";

    private Action<float[], float[]> _predict = null!;
    private float[] _input = null!, _output = null!;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private OrtValue[] _ortInputs = null!, _ortOutputs = null!;
    private string[] _inputNames = null!, _outputNames = null!;

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime() => Open();

    /// <summary>Each generated class is made only in the process that measures it (MobileNet's bake takes tens of seconds).</summary>
    [GlobalSetup(Target = nameof(Int8))]
    public void SetupInt8() => _predict = Open().Int8();

    [GlobalSetup(Target = nameof(Float32))]
    public void SetupFloat32() => _predict = Open().Float32();

    private Model Open()
    {
        var model = Models[ModelName]();
        string folder = AppContext.BaseDirectory;
        var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        _session = new InferenceSession(Path.Combine(folder, model.OnnxFile), options);
        _runOptions = new RunOptions();
        var input = _session.InputMetadata.Single();
        var output = _session.OutputMetadata.Single();
        long[] inputShape = input.Value.Dimensions.Select(d => (long)Math.Max(d, 1)).ToArray();
        long[] outputShape = output.Value.Dimensions.Select(d => (long)Math.Max(d, 1)).ToArray();
        int inputLength = (int)inputShape.Aggregate(1L, (a, b) => a * b);
        // The first held-out sample, so activations are realistic.
        var random = new Random(3);
        _input = model.InputFile is null ? Enumerable.Range(0, inputLength).Select(_ => (float)random.NextDouble()).ToArray()
            : Npy.ReadFloats(Path.Combine(folder, model.InputFile)).Take(inputLength).ToArray();
        _output = new float[outputShape.Aggregate(1L, (a, b) => a * b)];
        _inputNames = new[] { input.Key };
        _outputNames = new[] { output.Key };
        _ortInputs = new[] { OrtValue.CreateTensorValueFromMemory(_input, inputShape) };
        _ortOutputs = new[] { OrtValue.CreateTensorValueFromMemory(_output, outputShape) };
        return model;
    }

    [Benchmark(Baseline = true, Description = "ONNX Runtime (float32)")]
    public void OnnxRuntime() => _session.Run(_runOptions, _inputNames, _ortInputs, _outputNames, _ortOutputs);

    [Benchmark(Description = "ModelBaker (int8, sparsity 0.5)")]
    public void Int8() => _predict(_input, _output);

    [Benchmark(Description = "ModelBaker (float32)")]
    public void Float32() => _predict(_input, _output);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var value in _ortInputs) value.Dispose();
        foreach (var value in _ortOutputs) value.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
