using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/ModelBaker.Benchmarks -- --filter '*' --job short   (see docs/benchmarks.md)
BenchmarkSwitcher.FromAssembly(typeof(ModelBaker.Benchmarks.ModelBenchmarks).Assembly).Run(args);
