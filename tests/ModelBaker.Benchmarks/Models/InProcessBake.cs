using System;
using System.IO;
using System.Linq;
using ModelBaker.Cli;
using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;

namespace ModelBaker.Benchmarks.Models;

/// <summary>
/// Bakes a model defined in code the way the build task would (int8, Sparsity 0.5, calibrated on random inputs in the
/// input's range), emits its class and compiles it in memory as a .NET 10 consumer's build does: for models too large to
/// commit as files. The ONNX file it writes is what ONNX Runtime runs.
/// </summary>
internal static class InProcessBake
{
    public sealed record Result(string OnnxPath, int InputLength, int OutputLength, Action<float[], float[]> Predict);

    public static Result Bake(Graph graph, string className, int calibrationSamples = 16)
    {
        string folder = Path.Combine(Path.GetTempPath(), "modelbaker-benchmarks", className);
        Directory.CreateDirectory(folder);
        string onnx = Path.Combine(folder, className + ".onnx");
        OnnxModelWriter.Save(graph, onnx);
        int inputLength = graph.Values[graph.Inputs[0]].Shape!.Aggregate(1, (a, b) => a * b);
        var random = new Random(2);
        string calibration = Path.Combine(folder, "calibration.npy");
        NpyWriter.Write(calibration, Enumerable.Range(0, calibrationSamples)
            .Select(_ => Enumerable.Range(0, inputLength).Select(_ => (float)random.NextDouble()).ToArray()).ToArray());
        var plan = Baker.Bake(new BakeOptions(onnx, className, "ModelBaker.Benchmarks.Baked") { Sparsity = 0.5f, CalibrationPath = calibration },
            new ConsoleBakeLog(Console.Error, Console.Error));
        var predictor = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
        int outputLength = plan.Outputs[0].Shape.Aggregate(1, (a, b) => a * b);
        // Arrays of arguments made once, so a call allocates nothing.
        object[] inputs = new object[1], outputs = new object[1];
        return new Result(onnx, inputLength, outputLength, (x, y) =>
        {
            inputs[0] = x;
            outputs[0] = y;
            predictor(inputs, outputs);
        });
    }
}
