using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests;
using ModelBaker.Tests.Codegen;
using ModelBaker.Tests.Kernels;
using ModelBaker.Tests.Support;
using Xunit.Sdk;

namespace ModelBaker.Arm64Check;

/// <summary>
/// The int8 kernel-path checks of the unit tests, run without a test host: every [Fact] and [Theory] case of
/// <see cref="Int8KernelPathTests"/>, <see cref="DotTests"/> and <see cref="ChannelsLastTests"/> (vectorised generated kernels
/// against the interpreter's scalar ones on every geometry and tail), then generated classes end to end (random CNNs and the
/// sample app's models baked to int8, their vectorised generated code against the plan interpreter, bit for bit).
/// Whatever path this process has (SDOT, 128-bit vectors, scalar; the runtime's DOTNET_Enable… switches choose) is the one
/// tested; <c>--expect dp|vector128|scalar</c> (or avx2 on x64) fails the run when it is not the path it was meant to test.
/// <c>--cnns N</c> sets how many random CNNs (8), <c>--only text</c> runs only the test methods whose names contain it.
/// Exit code 0 when everything passed.
/// </summary>
public static class Program
{
    /// <summary>Interpreter-only plan comparisons (no vector path in them) that take long under emulation.</summary>
    private static readonly HashSet<string> Skipped = new() { nameof(ChannelsLastTests.A_channels_last_plan_equals_the_channels_first_plan_bit_for_bit) };

    public static int Main(string[] args)
    {
        string? expected = args.SkipWhile(a => a != "--expect").Skip(1).FirstOrDefault();
        int cnnSeeds = int.Parse(args.SkipWhile(a => a != "--cnns").Skip(1).FirstOrDefault() ?? "8");
        string only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault() ?? ""; // run the checks whose names contain it
        string path = !Vector128.IsHardwareAccelerated ? "scalar" : Dp.IsSupported ? "dp"
            : System.Runtime.Intrinsics.X86.Avx2.IsSupported ? "avx2" : "vector128";
        Console.WriteLine($"{RuntimeInformation.ProcessArchitecture}: AdvSimd {AdvSimd.IsSupported}, Dp {Dp.IsSupported}, "
            + $"Vector128 accelerated {Vector128.IsHardwareAccelerated}, Avx2 {System.Runtime.Intrinsics.X86.Avx2.IsSupported} -> path {path}");
        if (expected != null && expected != path)
        {
            Console.WriteLine($"FAIL: expected the {expected} path, this process has {path}");
            return 2;
        }

        int passed = 0, failed = 0;
        foreach (var type in new[] { typeof(DotTests), typeof(Int8KernelPathTests), typeof(ChannelsLastTests) })
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.GetCustomAttribute<FactAttribute>() != null))
            {
                if (Skipped.Contains(method.Name)) continue;
                var cases = method.GetCustomAttributes<DataAttribute>().SelectMany(d => d.GetData(method)).ToList();
                if (cases.Count == 0) cases.Add(Array.Empty<object>());
                foreach (var arguments in cases.Where(_ => $"{type.Name}.{method.Name}".Contains(only)))
                    Run($"{type.Name}.{method.Name}({string.Join(", ", arguments)})",
                        () => method.Invoke(Activator.CreateInstance(type), arguments), ref passed, ref failed);
            }

        foreach (int seed in Enumerable.Range(0, only.Length == 0 ? cnnSeeds : 0))
            Run($"random CNN {seed}, int8, generated class vs plan interpreter", () => RandomCnnEndToEnd(seed), ref passed, ref failed);
        foreach (string model in new[] { "digits_mlp", "digits_cnn", "digits_dscnn" }.Where(_ => only.Length == 0))
            Run($"{model}, int8, generated class vs plan interpreter", () => SampleEndToEnd(model), ref passed, ref failed);

        Console.WriteLine($"{(failed == 0 ? "PASSED" : "FAILED")} on the {path} path: {passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static void Run(string name, Action check, ref int passed, ref int failed)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            check();
            passed++;
            Console.WriteLine($"  pass  {name} ({clock.Elapsed.TotalSeconds:F1} s)");
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine($"  FAIL  {name}: {(e is TargetInvocationException { InnerException: { } inner } ? inner : e)}");
        }
    }

    /// <summary>As RandomCnnTests: a random CNN baked to int8, its vectorised generated class equal to the plan interpreter.</summary>
    private static void RandomCnnEndToEnd(int seed)
    {
        var cnn = new RandomCnn(seed);
        using var folder = new TempFolder();
        string path = folder.Path("cnn.onnx");
        OnnxModelWriter.Save(cnn.Graph, path);
        var plan = Baker.Bake(new BakeOptions(path, "RandomCnn", "Tests"), new RecordingLog());
        float[] input = cnn.Input.Floats!;
        var reference = PlanInterpreter.Run(plan, new[] { input })[0];
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), "Tests.RandomCnn", vectorized: true);
        Assert.Equal(reference, generated.Predict(input, reference.Length));
    }

    /// <summary>A sample app model baked to int8 at Sparsity 0.5 with its calibration data, on sixteen test digits.</summary>
    private static void SampleEndToEnd(string model)
    {
        var options = new BakeOptions(TestData.Path("sample", "models", model + ".onnx"), "Model", "Tests")
        {
            Sparsity = 0.5f,
            CalibrationPath = SampleModels.DigitsCalibration,
        };
        var plan = Baker.Bake(options, new RecordingLog());
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), "Tests.Model", vectorized: true);
        foreach (var input in SampleModels.DigitsTestInputs().Take(16))
        {
            var reference = PlanInterpreter.Run(plan, new[] { input })[0];
            Assert.Equal(reference, generated.Predict(input, reference.Length));
        }
    }
}
