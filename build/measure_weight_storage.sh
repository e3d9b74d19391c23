#!/usr/bin/env bash
# Measures what WeightStorage costs a consumer's build (docs/compression.md#weight-storage): for Gemm MLPs of four
# WIDTH×WIDTH layers with random weights, baked to int8 by `modelbaker generate`, the time and peak memory of
# `dotnet build` of a class library holding only the generated class (and, with Resource, its embedded .weights),
# the compiler run in-process (UseSharedCompilation=false) so its memory is the build's. Run from the repository root:
#   bash build/measure_weight_storage.sh [WIDTH…]      (default: 128 256 512 1024)
# Prints Markdown rows: width | weight bytes | storage | C# bytes | build seconds | peak RSS MB; then, for the first
# width, the time of one Predict of each storage, compiled in memory (best of 7 alternating blocks of 2,000 calls).
set -euo pipefail
widths=("${@:-128 256 512 1024}")
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build src/ModelBaker.Cli -c Release -v q -nologo > /dev/null
cli="dotnet $root/src/ModelBaker.Cli/bin/Release/net10.0/modelbaker.dll"

# A console that writes the MLP with the project's own ONNX protos (no Python needed).
mkdir -p "$work/make"
cat > "$work/make/make.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
  <ItemGroup><ProjectReference Include="$root/src/ModelBaker.Cli/ModelBaker.Cli.csproj" /></ItemGroup>
</Project>
XML
cat > "$work/make/Program.cs" <<'CS'
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
if (args[0] == "speed") { Speed.Run(args[1]); return; }
int width = int.Parse(args[0]);
var random = new Random(1);
var g = new Graph { Name = "mlp", Opset = 13 };
g.Add(new Value("X", ElementType.Float32, new[] { 1, width }));
g.Inputs.Add("X");
string previous = "X";
for (int layer = 0; layer < 4; layer++)
{
    var weights = Enumerable.Range(0, width * width).Select(_ => (float)(random.NextDouble() - 0.5) / MathF.Sqrt(width)).ToArray();
    g.Add(new Value($"W{layer}", ElementType.Float32, new[] { width, width }, Tensor.FromFloats(new[] { width, width }, weights)));
    string gemm = layer == 3 ? "Y" : $"G{layer}";
    g.Add(new Value(gemm, ElementType.Float32, new[] { 1, width }));
    g.Nodes.Add(new Node($"fc{layer}", "Gemm", new[] { previous, $"W{layer}" }, new[] { gemm }, new Dictionary<string, ModelBaker.Core.Ir.Attribute>()));
    previous = gemm;
    if (layer == 3) break;
    g.Add(new Value($"H{layer}", ElementType.Float32, new[] { 1, width }));
    g.Nodes.Add(new Node($"relu{layer}", "Relu", new[] { gemm }, new[] { $"H{layer}" }, new Dictionary<string, ModelBaker.Core.Ir.Attribute>()));
    previous = $"H{layer}";
}
g.Outputs.Add("Y");
OnnxModelWriter.Save(g, args[1]);

static class Speed
{
    public static void Run(string model)
    {
        var log = new ModelBaker.Cli.ConsoleBakeLog(TextWriter.Null, TextWriter.Null);
        var predictors = new[] { ModelBaker.Core.Options.WeightStorage.Inline, ModelBaker.Core.Options.WeightStorage.Resource }.Select(storage =>
        {
            var options = new ModelBaker.Core.Options.BakeOptions(model, "Mlp", "Measure") { WeightStorage = storage };
            var plan = ModelBaker.Core.Pipeline.Baker.Bake(options, log);
            return (storage, ModelBaker.Cli.Conformance.InMemoryCompiler.Compile(ModelBaker.Core.Generation.ClassEmitter.Emit(plan), plan), plan.Inputs[0].Length, plan.Outputs[0].Length);
        }).ToList();
        var best = predictors.ToDictionary(p => p.storage, _ => double.MaxValue);
        for (int block = 0; block < 8; block++)
            foreach (var (storage, predict, inputs, outputs) in predictors)
            {
                var input = new object[] { Enumerable.Range(0, inputs).Select(i => (float)Math.Sin(i)).ToArray() };
                var output = new object[] { new float[outputs] };
                var clock = System.Diagnostics.Stopwatch.StartNew();
                for (int i = 0; i < 2000; i++) predict(input, output);
                if (block > 0) best[storage] = Math.Min(best[storage], clock.Elapsed.TotalMicroseconds / 2000);
            }
        foreach (var (storage, us) in best) Console.WriteLine($"| Predict | {storage} | {us:0.0} µs |");
    }
}
CS
dotnet build "$work/make" -c Release -v q -nologo > "$work/make.log" || { cat "$work/make.log"; exit 1; }

echo "| width | weight bytes | storage | C# bytes | build s | peak RSS MB |"
echo "|---|---|---|---|---|---|"
for width in ${widths[@]}; do
  dotnet "$work/make/bin/Release/net10.0/make.dll" "$width" "$work/mlp$width.onnx"
  for storage in Inline Resource; do
    dir="$work/lib$width$storage"
    mkdir -p "$dir"
    if ! $cli generate "$work/mlp$width.onnx" --weight-storage "$storage" --class-name Mlp --namespace Measure -o "$dir" > "$dir/generate.log" 2>&1; then
      echo "| $width | | $storage | refused: $(grep -o 'MB1109' "$dir/generate.log" | head -1) | | |"
      continue
    fi
    weights=$(grep -o 'weights  *[0-9,]* B' "$dir/generate.log" | head -1 | tr -dc 0-9)
    resource=""
    [ -f "$dir/Mlp.weights" ] && resource='<ItemGroup><EmbeddedResource Include="Mlp.weights" LogicalName="Measure.Mlp.weights" WithCulture="false" /></ItemGroup>'
    cat > "$dir/Lib.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><UseSharedCompilation>false</UseSharedCompilation></PropertyGroup>
  $resource
</Project>
XML
    dotnet restore "$dir" -v q > /dev/null
    /usr/bin/time -f "%e %M" -o "$dir/time" dotnet build "$dir" --no-restore -c Release -v q -nologo --disable-build-servers > "$dir/build.log" 2>&1
    read -r seconds kb < "$dir/time"
    echo "| $width | $weights | $storage | $(stat -c %s "$dir/Mlp.cs") | $seconds | $((kb / 1024)) |"
  done
done
echo
dotnet "$work/make/bin/Release/net10.0/make.dll" speed "$work/mlp${widths[0]%% *}.onnx"
