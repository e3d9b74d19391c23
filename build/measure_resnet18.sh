#!/usr/bin/env bash
# Issue 14, ResNet-18 rows: a fresh consumer project of the packed ModelBaker package bakes ResNet-18 (random weights,
# int8, Sparsity 0.5, 16 calibration images) in `dotnet build`, timed with /usr/bin/time -v; then its Program.cs times
# the generated Predict against ONNX Runtime 1.31.1 (float model, OrtValue API, one thread, preallocated buffers,
# same input; each side warmed up for a second, best of five blocks) and counts the bytes a Predict call allocates.
#   build/measure_resnet18.sh [work folder, default /tmp/resnet18-consumer]
# Writes build.time (time -v; it misses the MSBuild task host the bake runs in), build.tree-peak-kb (the largest
# summed RSS of the build's process tree), build.log, restore.log and predict.txt in the work folder.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/resnet18-consumer}"
rm -rf "$work" && mkdir -p "$work/feed" "$work/app"
export NUGET_PACKAGES="$work/packages"   # a package cache of its own: never a stale ModelBaker 0.1.0

# The model and calibration data (tests/ModelBaker.Benchmarks/Program.cs), and the package (as PackageFixture packs it).
dotnet build "$repo/tests/ModelBaker.Benchmarks" -c Release -v:q -nologo
dotnet "$repo/tests/ModelBaker.Benchmarks/bin/Release/net10.0/ModelBaker.Benchmarks.dll" write resnet18 "$work/app" 16
dotnet pack "$repo/src/ModelBaker/ModelBaker.csproj" -c Release -o "$work/feed" --disable-build-servers -v:q -nologo
version="$(basename "$work"/feed/ModelBaker.*.nupkg .nupkg)"; version="${version#ModelBaker.}"

cat > "$work/app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="modelbaker-local" value="$work/feed" />
  </packageSources>
</configuration>
XML
cat > "$work/app/ResNetApp.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="ModelBaker" Version="$version" />
    <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="1.31.1" />
  </ItemGroup>
  <ItemGroup>
    <CompressedModel Include="resnet18.onnx" Sparsity="0.5" Calibration="calibration.npy" ClassName="ResNet18" Namespace="ResNetApp" />
  </ItemGroup>
</Project>
XML
cat > "$work/app/Program.cs" <<'CS'
using System;
using System.Diagnostics;
using System.Linq;
using System.Runtime.Intrinsics;
using Microsoft.ML.OnnxRuntime;
using ResNetApp;

// One random image in [0, 1) for both sides (the calibration images are random too).
var random = new Random(3);
var input = new float[ResNet18.InputLength];
for (int i = 0; i < input.Length; i++) input[i] = (float)random.NextDouble();
var baked = new float[ResNet18.OutputLength];
var reference = new float[ResNet18.OutputLength];

var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
using var session = new InferenceSession("resnet18.onnx", options);
using var runOptions = new RunOptions();
string[] inputNames = { session.InputMetadata.Keys.Single() }, outputNames = { session.OutputMetadata.Keys.Single() };
using var ortInput = OrtValue.CreateTensorValueFromMemory(input, new long[] { 1, 3, 224, 224 });
using var ortOutput = OrtValue.CreateTensorValueFromMemory(reference, new long[] { 1, ResNet18.OutputLength });
OrtValue[] ortInputs = { ortInput }, ortOutputs = { ortOutput };

void Onnx() => session.Run(runOptions, inputNames, ortInputs, outputNames, ortOutputs);
void Predict() => ResNet18.Predict(input, baked);

Console.WriteLine($"{Environment.ProcessorCount} processors; Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}");
double onnx = Time(Onnx), predict = Time(Predict);
Console.WriteLine($"ONNX Runtime 1.31.1 float, 1 thread: {onnx:F0} µs per call");
Console.WriteLine($"ModelBaker int8 Predict:              {predict:F0} µs per call");
Console.WriteLine($"ratio (Predict / ONNX Runtime):        {predict / onnx:F2}");
Console.WriteLine($"bytes allocated per Predict call:      {AllocatedPerCall(Predict, 20)}");
Console.WriteLine($"bytes allocated per ONNX Runtime call: {AllocatedPerCall(Onnx, 20)}");
Console.WriteLine($"top-1: Predict {ArgMax(baked)}, ONNX Runtime {ArgMax(reference)}; largest |difference| of the {baked.Length} logits " +
                  $"{baked.Zip(reference, (a, b) => Math.Abs(a - b)).Max():G4}, logits span {reference.Max() - reference.Min():G4}");

// Warm up for a second, then the best of five blocks of as many calls as the warm-up second held (at least 3).
static double Time(Action call)
{
    var clock = Stopwatch.StartNew();
    int calls = 0;
    while (clock.Elapsed.TotalSeconds < 1) { call(); calls++; }
    calls = Math.Max(calls, 3);
    double best = double.MaxValue;
    for (int block = 0; block < 5; block++)
    {
        clock.Restart();
        for (int i = 0; i < calls; i++) call();
        best = Math.Min(best, clock.Elapsed.TotalMicroseconds / calls);
    }
    return best;
}

static long AllocatedPerCall(Action call, int calls)
{
    call();
    long before = GC.GetAllocatedBytesForCurrentThread();
    for (int i = 0; i < calls; i++) call();
    return (GC.GetAllocatedBytesForCurrentThread() - before) / calls;
}

static int ArgMax(float[] values)
{
    int best = 0;
    for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
    return best;
}
CS

cd "$work/app"
# Restore apart (network and package extraction are not the build); then the build that bakes, from a clean obj.
dotnet restore -v:q > "$work/restore.log" 2>&1
uptime > "$work/build.time"
/usr/bin/time -v -a -o "$work/build.time" dotnet build --no-restore --disable-build-servers -c Release -v:n > "$work/build.log" 2>&1 &
build=$!
# time -v reports the largest single process (MSBuild with the bake, or the compiler); this samples the whole
# process tree once a second and keeps the largest sum of resident sets.
while kill -0 "$build" 2>/dev/null; do
  ps -e -o pid=,ppid=,rss= | awk -v root="$build" '{ parent[$1] = $2; rss[$1] = $3 }
    END { for (p in parent) { q = p; while (q in parent && q != root) q = parent[q]; if (q == root) sum += rss[p] }; print sum }'
  sleep 1
done | sort -n | tail -1 > "$work/build.tree-peak-kb"
wait "$build"
dotnet "bin/Release/net10.0/ResNetApp.dll" | tee "$work/predict.txt"
