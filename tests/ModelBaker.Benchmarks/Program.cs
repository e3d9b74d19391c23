using System;
using BenchmarkDotNet.Running;
using ModelBaker.Benchmarks.Models;

// dotnet run -c Release --project tests/ModelBaker.Benchmarks -- --filter '*' --job short   (see docs/benchmarks.md)
// dotnet run -c Release --project tests/ModelBaker.Benchmarks -- write resnet18 <folder> [calibration samples]
//   writes a model defined in code as ONNX with random calibration inputs, to bake with the CLI or a consumer project.
// dotnet run -c Release --project tests/ModelBaker.Benchmarks -- steps mobilenetv1|resnet18 | steps MODEL.onnx CALIBRATION.npy [float32]   (float32 needs no calibration)
//   times each step of a generated class (StepTimes.cs): where a Predict call's time goes.
if (args.Length >= 2 && args[0] == "steps")
{
    ModelBaker.Benchmarks.StepTimes.Run(args);
    return;
}
// dotnet run -c Release --project tests/ModelBaker.Benchmarks -- minimum "<model name>" int8|float32
//   ONNX Runtime against the generated class, fastest of alternating short blocks (MinimumCompare.cs), for a loaded machine.
if (args.Length >= 3 && args[0] == "write")
{
    var graph = args[1] switch
    {
        "resnet18" => ResNet18.Build(seed: 1),
        "mobilenetv1" => MobileNetV1.Build(seed: 1),
        _ => throw new ArgumentException($"Unknown model '{args[1]}': resnet18 or mobilenetv1."),
    };
    var written = InProcessBake.Write(graph, args[1], args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 16, args[2]);
    Console.WriteLine($"{written.OnnxPath}\n{written.CalibrationPath}");
    return;
}
if (args.Length >= 3 && args[0] == "minimum")
{
    ModelBaker.Benchmarks.MinimumCompare.Run(args[1], args[2]);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(ModelBaker.Benchmarks.ModelBenchmarks).Assembly).Run(args);
