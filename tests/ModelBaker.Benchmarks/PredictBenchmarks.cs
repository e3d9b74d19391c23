using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;

namespace ModelBaker.Benchmarks;

/// <summary>
/// One prediction of the sample digits MLP: the ModelBaker-generated int8 class against ONNX Runtime running the
/// original float model. Both get preallocated buffers; ONNX Runtime uses the OrtValue API on one thread, so
/// neither side allocates or spins up threads per call.
/// </summary>
[MemoryDiagnoser]
public class PredictBenchmarks
{
    private readonly float[] _input = new float[DigitsMlp.InputLength];
    private readonly float[] _output = new float[DigitsMlp.OutputLength];
    private InferenceSession _session = null!;
    private RunOptions _runOptions = null!;
    private OrtValue[] _ortInputs = null!, _ortOutputs = null!;
    private readonly string[] _inputNames = { "pixels" }, _outputNames = { "logits" };

    [GlobalSetup]
    public void Setup()
    {
        // A real held-out digit, so activations are realistic (the Relus zero as many units as in use).
        string folder = AppContext.BaseDirectory;
        var digits = Npy.ReadFloats(Path.Combine(folder, "digits_test_x.npy"));
        Array.Copy(digits, _input, _input.Length);

        var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        _session = new InferenceSession(Path.Combine(folder, "digits_mlp.onnx"), options);
        _runOptions = new RunOptions();
        _ortInputs = new[] { OrtValue.CreateTensorValueFromMemory(_input, new long[] { 1, DigitsMlp.InputLength }) };
        _ortOutputs = new[] { OrtValue.CreateTensorValueFromMemory(_output, new long[] { 1, DigitsMlp.OutputLength }) };
    }

    [Benchmark(Baseline = true, Description = "ONNX Runtime (float32)")]
    public void OnnxRuntime() => _session.Run(_runOptions, _inputNames, _ortInputs, _outputNames, _ortOutputs);

    [Benchmark(Description = "ModelBaker (int8, sparsity 0.5)")]
    public void Baked() => DigitsMlp.Predict(_input, _output);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var value in _ortInputs) value.Dispose();
        foreach (var value in _ortOutputs) value.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
