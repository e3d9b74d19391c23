using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using ModelBaker.Benchmarks.Models;
using ModelBaker.Cli;
using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;

namespace ModelBaker.Benchmarks;

/// <summary>
/// Where a generated class's time goes, step by step (docs/benchmarks.md, "where the time goes"): bakes a model as the
/// benchmarks do, adds a timestamp between the steps of the generated <c>Run</c> method (each step's ticks of the last
/// call in a static array, so nothing is allocated), compiles it in memory and calls <c>Predict</c> for three seconds.
/// Per step it prints the fastest call's time, and the fastest whole call; then ONNX Runtime's fastest call on the float
/// model, measured the same way in the same process.
/// Not BenchmarkDotNet: a profile to choose what to work on, not a number for the table.
/// <code>
/// dotnet run -c Release --project tests/ModelBaker.Benchmarks -- steps mobilenetv1   (or resnet18)
/// dotnet run -c Release --project tests/ModelBaker.Benchmarks -- steps MODEL.onnx CALIBRATION.npy
/// dotnet run -c Release --project tests/ModelBaker.Benchmarks -- steps MODEL.onnx float32
/// </code>
/// </summary>
internal static class StepTimes
{
    private const string ClockClass = "StepClock";

    public static void Run(string[] args)
    {
        bool float32 = args.Contains("float32");
        string[] rest = args.Where(a => a != "float32").ToArray();
        var written = rest[1] switch
        {
            "mobilenetv1" => InProcessBake.Write(MobileNetV1.Build(seed: 1), "MobileNetV1"),
            "resnet18" => InProcessBake.Write(ResNet18.Build(seed: 1), "ResNet18"),
            _ => new InProcessBake.Written(Path.GetFullPath(rest[1]), rest.Length > 2 ? Path.GetFullPath(rest[2]) : "", "Profiled"),
        };
        var options = float32
            ? new BakeOptions(written.OnnxPath, written.ClassName, "ModelBaker.Benchmarks.Baked") { Precision = Precision.Float32 }
            : new BakeOptions(written.OnnxPath, written.ClassName, "ModelBaker.Benchmarks.Baked") { Sparsity = 0.5f, CalibrationPath = written.CalibrationPath };
        var plan = Baker.Bake(options, new ConsoleBakeLog(TextWriter.Null, Console.Error));
        var (source, names) = Instrument(ClassEmitter.Emit(plan));
        var predictor = InMemoryCompiler.Compile(source, plan);
        var ticks = (long[])predictor.Method.DeclaringType!.Assembly.GetType(ClockClass)!.GetField("Ticks")!.GetValue(null)!;

        int inputLength = plan.Inputs[0].Shape.Aggregate(1, (a, b) => a * b), outputLength = plan.Outputs[0].Shape.Aggregate(1, (a, b) => a * b);
        var random = new Random(3);
        var inputs = new object[] { Enumerable.Range(0, inputLength).Select(_ => (float)random.NextDouble()).ToArray() };
        var outputs = new object[] { new float[outputLength] };

        // Warm up for a second (tiered compilation settles), then calls for three seconds. On a shared machine a call is
        // often interrupted, a 50 µs step seldom: each step's fastest call over thousands is its time on a quiet core.
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 1000) predictor(inputs, outputs);
        var best = Enumerable.Repeat(long.MaxValue, names.Count).ToArray();
        long bestTotal = long.MaxValue, calls = 0;
        clock.Restart();
        while (clock.ElapsedMilliseconds < 3000)
        {
            long start = Stopwatch.GetTimestamp();
            predictor(inputs, outputs);
            bestTotal = Math.Min(bestTotal, Stopwatch.GetTimestamp() - start);
            for (int s = 0; s < names.Count; s++) best[s] = Math.Min(best[s], ticks[s]);
            calls++;
        }

        // ONNX Runtime on the float model, the same input, timed the same way (as ModelBenchmarks sets it up).
        var sessionOptions = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(written.OnnxPath, sessionOptions);
        using var runOptions = new RunOptions();
        using var ortInput = OrtValue.CreateTensorValueFromMemory((float[])inputs[0], plan.Inputs[0].Shape.Select(d => (long)d).ToArray());
        using var ortOutput = OrtValue.CreateTensorValueFromMemory((float[])outputs[0], plan.Outputs[0].Shape.Select(d => (long)d).ToArray());
        string[] inputNames = { session.InputMetadata.Keys.Single() }, outputNames = { session.OutputMetadata.Keys.Single() };
        OrtValue[] ortInputs = { ortInput }, ortOutputs = { ortOutput };
        long ortBest = long.MaxValue;
        clock.Restart();
        while (clock.ElapsedMilliseconds < 1000) session.Run(runOptions, inputNames, ortInputs, outputNames, ortOutputs);
        clock.Restart();
        while (clock.ElapsedMilliseconds < 3000)
        {
            long start = Stopwatch.GetTimestamp();
            session.Run(runOptions, inputNames, ortInputs, outputNames, ortOutputs);
            ortBest = Math.Min(ortBest, Stopwatch.GetTimestamp() - start);
        }

        Console.WriteLine($"{plan.Header.ClassName} ({(float32 ? "float32" : "int8")}), fastest of {calls} calls, µs:");
        for (int s = 0; s < names.Count; s++) Console.WriteLine($"{Microseconds(best[s]),9:F2}  {names[s]}");
        Console.WriteLine($"{Microseconds(best.Sum()),9:F2}  the steps together");
        Console.WriteLine($"{Microseconds(bestTotal),9:F2}  Predict (fastest whole call: the steps, input quantization, output dequantization)");
        Console.WriteLine($"{Microseconds(ortBest),9:F2}  ONNX Runtime (fastest call; ratio {(double)bestTotal / ortBest:F2})");
    }

    private static double Microseconds(long ticks) => ticks * 1e6 / Stopwatch.Frequency;

    /// <summary>
    /// The generated class with a clock per step: before each "// Step N:" comment of <c>Run</c> and at its end, the time
    /// since the previous mark is stored as the previous step's. Returns the source and each step's comment.
    /// </summary>
    private static (string Source, List<string> Names) Instrument(string source)
    {
        var lines = source.Split('\n').ToList();
        int run = lines.FindIndex(l => l.Contains("private static void Run(", StringComparison.Ordinal));
        if (run < 0) throw new InvalidOperationException("The generated class has no Run method to instrument.");
        string indent = lines[run][..lines[run].IndexOf('p')];
        int end = lines.FindIndex(run + 1, l => l.TrimEnd('\r') == indent + "}");
        var names = new List<string>();
        var result = new StringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i].TrimEnd('\r');
            bool step = i > run && i < end && line.TrimStart().StartsWith("// Step ", StringComparison.Ordinal);
            if (step || i == end)
            {
                if (names.Count > 0)
                    result.Append(CultureInfo.InvariantCulture, $"{indent}    {{ long now = System.Diagnostics.Stopwatch.GetTimestamp(); {ClockClass}.Ticks[{names.Count - 1}] = now - mark; mark = now; }}\n");
                else
                    result.Append(CultureInfo.InvariantCulture, $"{indent}    long mark = System.Diagnostics.Stopwatch.GetTimestamp();\n");
                if (step) names.Add(line.Trim()[3..]);
            }
            result.Append(line).Append('\n');
        }
        result.Append(CultureInfo.InvariantCulture, $"public static class {ClockClass} {{ public static readonly long[] Ticks = new long[{Math.Max(1, names.Count)}]; }}\n");
        return (result.ToString(), names);
    }
}
