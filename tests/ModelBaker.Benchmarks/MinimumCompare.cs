using System;
using System.Diagnostics;

namespace ModelBaker.Benchmarks;

/// <summary>
/// For a machine too loaded for BenchmarkDotNet's means (docs/benchmarks.md): ONNX Runtime and a generated class on the
/// same model, set up exactly as <see cref="ModelBenchmarks"/> sets them up, timed in alternating short blocks of calls;
/// each side's figure is its fastest block, so a block another process interrupted does not count.
/// </summary>
/// <remarks><c>dotnet run -c Release --project tests/ModelBaker.Benchmarks -- minimum "MODEL NAME" int8|float32</c></remarks>
internal static class MinimumCompare
{
    public static void Run(string modelName, string precision)
    {
        var runtime = new ModelBenchmarks { ModelName = modelName };
        runtime.SetupOnnxRuntime();
        var baked = new ModelBenchmarks { ModelName = modelName };
        bool int8 = precision.Equals("int8", StringComparison.OrdinalIgnoreCase);
        if (int8) baked.SetupInt8(); else baked.SetupFloat32();
        Action ort = runtime.OnnxRuntime, generated = int8 ? baked.Int8 : baked.Float32;
        // Calls per block: about 2 ms of ONNX Runtime after a second of warm-up of each.
        int calls = Warm(ort) / 500 + 1;
        Warm(generated);
        double bestOrt = double.MaxValue, bestGenerated = double.MaxValue;
        for (int b = 0; b < 300; b++)
        {
            bestOrt = Math.Min(bestOrt, Block(ort, calls));
            bestGenerated = Math.Min(bestGenerated, Block(generated, calls));
        }
        Console.WriteLine($"{modelName}: ONNX Runtime {bestOrt:F2} µs, ModelBaker {precision} {bestGenerated:F2} µs, ratio {bestGenerated / bestOrt:F2} " +
            $"(fastest of 300 alternating blocks of {calls} calls)");
        runtime.Cleanup();
        baked.Cleanup();
    }

    private static int Warm(Action call)
    {
        var clock = Stopwatch.StartNew();
        int calls = 0;
        while (clock.ElapsedMilliseconds < 1000) { call(); calls++; }
        return calls;
    }

    /// <summary>Microseconds per call over one block.</summary>
    private static double Block(Action call, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) call();
        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls;
    }
}
