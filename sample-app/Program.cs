// ModelBaker sample: the digits MLP (64 pixels in [0, 1] → 10 logits), baked at build time into the class
// SampleApp.DigitsMlp (int8, half of each layer's weights pruned), checked against the float model in ONNX Runtime
// on the 359 held-out digits the model never saw in training.
using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelBaker.Core.Calibration;
using SampleApp;

string dataFolder = Path.Combine(AppContext.BaseDirectory, "data");
string modelPath = Path.Combine(AppContext.BaseDirectory, "models", "digits_mlp.onnx");
var images = NpyReader.Read(Path.Combine(dataFolder, "digits_test_x.npy"));
var labels = NpyReader.Read(Path.Combine(dataFolder, "digits_test_y.npy")).AsFloats().Select(l => (int)l).ToArray();
int samples = labels.Length;
float[] pixels = images.AsFloats();
float[] Sample(int i) => pixels.AsSpan(i * DigitsMlp.InputLength, DigitsMlp.InputLength).ToArray();

// One thread, as the baked code uses: the comparison is per call, not per machine.
using var sessionOptions = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
using var session = new InferenceSession(modelPath, sessionOptions);
float[] RunFloat(float[] sample)
{
    var input = new DenseTensor<float>(sample, new[] { 1, DigitsMlp.InputLength });
    using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("pixels", input) });
    return results.First().AsEnumerable<float>().ToArray();
}
float[] RunBaked(float[] sample)
{
    var logits = new float[DigitsMlp.OutputLength];
    DigitsMlp.Predict(sample, logits);
    return logits;
}

int floatCorrect = 0, bakedCorrect = 0, agree = 0;
for (int i = 0; i < samples; i++)
{
    int floatClass = ArgMax(RunFloat(Sample(i))), bakedClass = ArgMax(RunBaked(Sample(i)));
    floatCorrect += floatClass == labels[i] ? 1 : 0;
    bakedCorrect += bakedClass == labels[i] ? 1 : 0;
    agree += floatClass == bakedClass ? 1 : 0;
}

// Float weight bytes: every float initializer of the ONNX model, as ModelBaker counts them when it bakes.
long floatWeightBytes = FloatWeightBytes(modelPath);
var input0 = Sample(0);
var output0 = new float[DigitsMlp.OutputLength];
// ONNX Runtime at its fastest: preallocated OrtValues, no per-call allocation (the accuracy loop above uses the
// convenient API instead).
using var ortInput = OrtValue.CreateTensorValueFromMemory(input0, new long[] { 1, DigitsMlp.InputLength });
using var ortOutput = OrtValue.CreateTensorValueFromMemory(new float[DigitsMlp.OutputLength], new long[] { 1, DigitsMlp.OutputLength });
using var runOptions = new RunOptions();
var ortInputs = new[] { ortInput };
var ortOutputs = new[] { ortOutput };
string[] inputNames = { "pixels" }, outputNames = { "logits" };
double onnxMicroseconds = Time(() => session.Run(runOptions, inputNames, ortInputs, outputNames, ortOutputs));
double bakedMicroseconds = Time(() => DigitsMlp.Predict(input0, output0));

Console.WriteLine($"ModelBaker sample: digits_mlp.onnx baked to {nameof(DigitsMlp)} (int8, sparsity 0.5), {samples} test digits");
Console.WriteLine();
Console.WriteLine($"  {"",-28} {"float (ONNX Runtime)",22} {"baked int8 (C#)",18}");
Console.WriteLine($"  {"accuracy",-28} {Percent(floatCorrect, samples),22} {Percent(bakedCorrect, samples),18}");
Console.WriteLine($"  {"model bytes (weights)",-28} {floatWeightBytes,22:N0} {DigitsMlp.WeightBytes,18:N0}");
Console.WriteLine($"  {"arena bytes",-28} {"-",22} {DigitsMlp.ArenaBytes,18:N0}");
Console.WriteLine($"  {"µs per prediction",-28} {onnxMicroseconds,22:F2} {bakedMicroseconds,18:F2}");
Console.WriteLine();
Console.WriteLine($"  agreement (same class): {Percent(agree, samples)}");
Console.WriteLine($"  size: {(double)DigitsMlp.WeightBytes / floatWeightBytes:P1} of the float weights; speed: {onnxMicroseconds / bakedMicroseconds:F1}x ONNX Runtime");
return 0;

static int ArgMax(float[] values)
{
    int best = 0;
    for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
    return best;
}

static string Percent(int count, int total) => $"{100.0 * count / total:F2}% ({count}/{total})";

static long FloatWeightBytes(string modelPath) =>
    ModelBaker.Core.Onnx.OnnxModelReader.Load(modelPath).Initializers
        .Where(v => v.Type == ModelBaker.Core.Ir.ElementType.Float32).Sum(v => 4L * v.Constant!.Length);

// Mean time of one call. Half a second of warm-up first: .NET's tiered JIT replaces the first, unoptimised code
// only after ~100 ms, and timing that code would measure the JIT, not the model. For numbers to publish, use
// tests/ModelBaker.Benchmarks (BenchmarkDotNet).
static double Time(Action predict)
{
    var watch = Stopwatch.StartNew();
    while (watch.ElapsedMilliseconds < 500) predict();
    long runs = 0;
    watch.Restart();
    while (watch.ElapsedMilliseconds < 1000)
    {
        for (int i = 0; i < 1000; i++) predict();
        runs += 1000;
    }
    return watch.Elapsed.TotalMilliseconds * 1000 / runs;
}
