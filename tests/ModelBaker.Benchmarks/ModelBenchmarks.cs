using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using ModelBaker.Benchmarks.Models;

namespace ModelBaker.Benchmarks;

/// <summary>
/// One prediction per model: the ModelBaker-generated int8 class (Sparsity 0.5, calibrated, as a user bakes it) against
/// ONNX Runtime 1.31.1 running the original float model, in one process. Both get the same real input and
/// preallocated buffers; ONNX Runtime uses the OrtValue API on one thread, so neither side allocates or starts threads
/// per call. Ratios are per model (ONNX Runtime is each model's baseline).
/// </summary>
[MemoryDiagnoser]
public class ModelBenchmarks
{
    /// <summary>A baked model: its ONNX file, a held-out input, and the generated class's Predict.</summary>
    /// <param name="InputFile">Held-out inputs beside the benchmark, or null for a random one in [0, 1).</param>
    private sealed record Baked(string OnnxFile, string? InputFile, int InputLength, int OutputLength, Action<float[], float[]> Predict);

    private static readonly Dictionary<string, Func<Baked>> Models = new()
    {
        ["digits MLP"] = () => new("digits_mlp.onnx", "digits_test_x.npy", DigitsMlp.InputLength, DigitsMlp.OutputLength, (x, y) => DigitsMlp.Predict(x, y)),
        ["digits CNN"] = () => new("digits_cnn.onnx", "digits_test_x.npy", DigitsCnn.InputLength, DigitsCnn.OutputLength, (x, y) => DigitsCnn.Predict(x, y)),
        ["depthwise CNN"] = () => new("digits_dscnn.onnx", "digits_test_x.npy", DigitsDscnn.InputLength, DigitsDscnn.OutputLength, (x, y) => DigitsDscnn.Predict(x, y)),
        ["mnist-8"] = () => new("mnist8.onnx", "mnist8_test_x.npy", Mnist8.InputLength, Mnist8.OutputLength, (x, y) => Mnist8.Predict(x, y)),
        ["MobileNetV1-0.25 96x96"] = () =>
        {
            var baked = InProcessBake.Bake(MobileNetV1.Build(seed: 1), "MobileNetV1");
            return new(baked.OnnxPath, null, baked.InputLength, baked.OutputLength, baked.Predict);
        },
    };

    [Params("digits MLP", "digits CNN", "depthwise CNN", "mnist-8", "MobileNetV1-0.25 96x96")]
    public string Model { get; set; } = "digits MLP";

    private Baked _baked = null!;
    private float[] _input = null!, _output = null!;
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private OrtValue[] _ortInputs = null!, _ortOutputs = null!;
    private string[] _inputNames = null!, _outputNames = null!;

    [GlobalSetup]
    public void Setup()
    {
        _baked = Models[Model]();
        string folder = AppContext.BaseDirectory;
        // The first held-out sample, so activations are realistic.
        var random = new Random(3);
        _input = _baked.InputFile is null ? Enumerable.Range(0, _baked.InputLength).Select(_ => (float)random.NextDouble()).ToArray()
            : Npy.ReadFloats(Path.Combine(folder, _baked.InputFile)).Take(_baked.InputLength).ToArray();
        _output = new float[_baked.OutputLength];

        var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        _session = new InferenceSession(Path.Combine(folder, _baked.OnnxFile), options);
        _runOptions = new RunOptions();
        var input = _session.InputMetadata.Single();
        var output = _session.OutputMetadata.Single();
        _inputNames = new[] { input.Key };
        _outputNames = new[] { output.Key };
        _ortInputs = new[] { OrtValue.CreateTensorValueFromMemory(_input, input.Value.Dimensions.Select(d => (long)Math.Max(d, 1)).ToArray()) };
        _ortOutputs = new[] { OrtValue.CreateTensorValueFromMemory(_output, output.Value.Dimensions.Select(d => (long)Math.Max(d, 1)).ToArray()) };
    }

    [Benchmark(Baseline = true, Description = "ONNX Runtime (float32)")]
    public void OnnxRuntime() => _session.Run(_runOptions, _inputNames, _ortInputs, _outputNames, _ortOutputs);

    [Benchmark(Description = "ModelBaker (int8, sparsity 0.5)")]
    public void Generated() => _baked.Predict(_input, _output);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var value in _ortInputs) value.Dispose();
        foreach (var value in _ortOutputs) value.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
