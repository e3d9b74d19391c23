using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using ModelBaker.Benchmarks.Models;
using ModelBaker.Cli;
using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;

namespace ModelBaker.Benchmarks;

/// <summary>
/// Where a generated class's time goes, step by step (docs/benchmarks.md): the model is baked in process, its generated
/// source gets a clock mark before each step of <c>Run</c> (the lines <c>// Step N: …</c> the emitter writes) and after
/// the last, and is compiled in memory as <see cref="InProcessBake"/> does. Each call is then split into per-step times,
/// summed over blocks of calls; each step's least time over the blocks is reported, steps in plan order. A mark costs about
/// 20 ns (one <see cref="Stopwatch.GetTimestamp"/>), so steps of a microsecond or less are only indicative.
/// </summary>
/// <remarks>
/// <c>dotnet run -c Release --project tests/ModelBaker.Benchmarks -- profile mobilenetv1|MODEL.onnx int8|float32 [calibration.npy]</c>
/// </remarks>
internal static partial class StepProfile
{
    /// <summary>The clock the rewritten class calls; compiled with it, so the marks are direct static calls.</summary>
    private const string ClockSource = """
        public static class StepClock
        {
            public static long[] Ticks = new long[4096];
            private static long _last;
            private static int _step;
            public static void Mark(int step)
            {
                long now = System.Diagnostics.Stopwatch.GetTimestamp();
                if (_step > 0) Ticks[_step] += now - _last;
                _step = step;
                _last = System.Diagnostics.Stopwatch.GetTimestamp();
            }
        }
        """;

    public static void Run(string model, string precisionName, string? calibration)
    {
        var precision = Enum.Parse<Precision>(precisionName, ignoreCase: true);
        InProcessBake.Written written = model == "mobilenetv1"
            ? InProcessBake.Write(MobileNetV1.Build(seed: 1), "MobileNetV1")
            : new InProcessBake.Written(Path.GetFullPath(model), calibration ?? "", "Profiled");
        var options = precision == Precision.Int8
            ? new BakeOptions(written.OnnxPath, written.ClassName, "ModelBaker.Benchmarks.Baked") { Sparsity = 0.5f, CalibrationPath = written.CalibrationPath }
            : new BakeOptions(written.OnnxPath, written.ClassName, "ModelBaker.Benchmarks.Baked") { Precision = Precision.Float32 };
        var plan = Baker.Bake(options, new ConsoleBakeLog(Console.Error, Console.Error));
        string source = ClassEmitter.Emit(plan);
        // Each step's comment and its call's arguments (the layer's geometry), on one line.
        var steps = StepLine().Matches(source).Select(m => (Number: int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
            Text: m.Groups[3].Value + " " + Regex.Replace(source.Substring(m.Index + m.Length, Math.Max(0, source.IndexOf(");", m.Index, StringComparison.Ordinal)
                - m.Index - m.Length)), @"\s+", " "))).ToArray();
        if (steps.Length == 0) throw new InvalidOperationException("No '// Step N:' lines in the generated class.");
        int end = steps.Max(s => s.Number) + 1;
        string marked = StepLine().Replace(source, m => $"{m.Groups[1].Value}global::StepClock.Mark({m.Groups[2].Value});\n{m.Value}");
        // The last mark after Run's call in Predict, so the last step is timed alone.
        var call = RunCall().Match(marked);
        if (!call.Success) throw new InvalidOperationException("No call of Run in the generated Predict.");
        marked = marked.Insert(call.Index + call.Length, $"\n{call.Groups[1].Value}global::StepClock.Mark({end});");
        var predictor = InMemoryCompiler.Compile(marked + "\n" + ClockSource, plan);
        var clock = predictor.Method.DeclaringType!.Assembly.GetType("StepClock")!;
        var ticks = (long[])clock.GetField("Ticks")!.GetValue(null)!;

        var inputs = plan.Inputs.Select(t => (object)new float[t.Shape.Aggregate(1, (a, b) => a * b)]).ToArray();
        var random = new Random(3);
        foreach (float[] x in inputs) for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        var outputs = plan.Outputs.Select(t => (object)new float[t.Shape.Aggregate(1, (a, b) => a * b)]).ToArray();
        // Blocks of a few calls after a second of warm-up; each step's time is its least over the blocks, since on a shared
        // machine any block may be interrupted.
        var warm = Stopwatch.StartNew();
        int calls = 0;
        while (warm.ElapsedMilliseconds < 1000) { predictor(inputs, outputs); calls++; }
        int block = Math.Max(3, calls / 50), blocks = 60;
        var best = Enumerable.Repeat(long.MaxValue, ticks.Length).ToArray();
        for (int b = 0; b < blocks; b++)
        {
            Array.Clear(ticks);
            for (int i = 0; i < block; i++) predictor(inputs, outputs);
            for (int s = 0; s < best.Length; s++) best[s] = Math.Min(best[s], ticks[s]);
        }
        long total = steps.Sum(s => best[s.Number]);
        double Micro(long t) => t * 1e6 / Stopwatch.Frequency / block;
        Console.WriteLine($"{plan.Header.ClassName} {precision}: {Micro(total):F1} µs per call, each step's least time (over {blocks} blocks of {block} calls)");
        foreach (var (number, text) in steps)
            Console.WriteLine($"{Micro(best[number]),9:F2} µs  step {number}: {text}");
    }

    [GeneratedRegex(@"^( *)// Step (\d+): (.*)$", RegexOptions.Multiline)]
    private static partial Regex StepLine();

    [GeneratedRegex(@"^( *)Run\([^)]*\);", RegexOptions.Multiline)]
    private static partial Regex RunCall();
}
