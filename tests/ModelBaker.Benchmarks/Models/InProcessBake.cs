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
/// For models too large to commit as files: writes a model defined in code as ONNX (what ONNX Runtime runs) with
/// random calibration inputs in [0, 1), then bakes it as the build task would (int8: Sparsity 0.5, calibrated; or
/// float32), emits its class and compiles it in memory as a .NET 10 consumer's build does.
/// </summary>
internal static class InProcessBake
{
    public sealed record Written(string OnnxPath, string CalibrationPath, string ClassName);

    /// <param name="folder">Where the files go; a folder under the temporary directory unless given.</param>
    public static Written Write(Graph graph, string className, int calibrationSamples = 16, string? folder = null)
    {
        folder ??= Path.Combine(Path.GetTempPath(), "modelbaker-benchmarks", className);
        Directory.CreateDirectory(folder);
        string onnx = Path.Combine(folder, className + ".onnx");
        OnnxModelWriter.Save(graph, onnx);
        int inputLength = graph.Values[graph.Inputs[0]].Shape!.Aggregate(1, (a, b) => a * b);
        var random = new Random(2);
        string calibration = Path.Combine(folder, "calibration.npy");
        NpyWriter.Write(calibration, Enumerable.Range(0, calibrationSamples)
            .Select(_ => Enumerable.Range(0, inputLength).Select(_ => (float)random.NextDouble()).ToArray()).ToArray());
        return new Written(onnx, calibration, className);
    }

    public static Action<float[], float[]> Compile(Written model, Precision precision)
    {
        var options = precision == Precision.Int8
            ? new BakeOptions(model.OnnxPath, model.ClassName, "ModelBaker.Benchmarks.Baked") { Sparsity = 0.5f, CalibrationPath = model.CalibrationPath }
            : new BakeOptions(model.OnnxPath, model.ClassName, "ModelBaker.Benchmarks.Baked") { Precision = Precision.Float32 };
        var plan = Baker.Bake(options, new ConsoleBakeLog(Console.Error, Console.Error));
        var predictor = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
        // Arrays of arguments made once, so a call allocates nothing.
        object[] inputs = new object[1], outputs = new object[1];
        return (x, y) =>
        {
            inputs[0] = x;
            outputs[0] = y;
            predictor(inputs, outputs);
        };
    }
}
