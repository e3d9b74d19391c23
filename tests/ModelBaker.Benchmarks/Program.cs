using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/ModelBaker.Benchmarks [-- --filter *]
BenchmarkSwitcher.FromAssembly(typeof(ModelBaker.Benchmarks.ModelBenchmarks).Assembly).Run(args);
