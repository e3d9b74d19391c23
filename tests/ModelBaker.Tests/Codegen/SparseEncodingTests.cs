using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Codegen;

/// <summary>
/// Sparse weight encodings: the bake picks the smallest, and every kernel path (AVX-512 expand, SSSE3 shuffle,
/// scalar; vectorised and scalar builds) gives exactly the interpreter's result, on depths that exercise the tails.
/// </summary>
public sealed class SparseEncodingTests
{
    private static (BakedPlan Plan, float[][] Inputs) Bake(int depth, int units, float sparsity, int seed)
    {
        var random = new Random(seed);
        float Next() => (float)(random.NextDouble() * 2 - 1);
        var graph = new GraphBuilder()
            .Input("x", 1, depth)
            .Constant("w", T.F(T.S(depth, units), Enumerable.Range(0, depth * units).Select(_ => Next()).ToArray()))
            .Node("MatMul", new[] { "x", "w" }, new[] { "y" })
            .Output("y")
            .Graph;
        string folder = Path.Combine(Path.GetTempPath(), "modelbaker-sparse-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "sparse.onnx");
        OnnxModelWriter.Save(graph, path);
        var plan = Baker.Bake(new BakeOptions(path, "Sparse", "Tests") { Sparsity = sparsity }, new RecordingLog());
        Directory.Delete(folder, true);
        var inputs = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, depth).Select(_ => Next()).ToArray()).ToArray();
        return (plan, inputs);
    }

    [Theory]
    [InlineData(8, 0.5f, WeightEncoding.Bitmask)]     // half the values and a bit per weight: 5 of 8 bytes
    [InlineData(24, 0.1f, WeightEncoding.Dense)]      // 0.9 + 0.125 bytes per weight: more than dense
    [InlineData(63, 0.5f, WeightEncoding.Bitmask)]
    [InlineData(64, 0.5f, WeightEncoding.Bitmask)]
    [InlineData(80, 0.5f, WeightEncoding.Bitmask)]    // 64 by AVX-512, 16 by SSSE3
    [InlineData(200, 0.6f, WeightEncoding.Bitmask)]   // all three paths and a scalar tail
    [InlineData(300, 0.97f, WeightEncoding.IndexDelta)]
    [InlineData(600, 0.995f, WeightEncoding.IndexDelta)] // gaps over 255 need stepping stones
    [InlineData(40, 0.0f, WeightEncoding.Dense)]
    public void TheSmallestEncodingIsChosenAndEveryKernelPathAgreesWithTheInterpreter(int depth, float sparsity, WeightEncoding expected)
    {
        var (plan, inputs) = Bake(depth, 7, sparsity, depth);
        var layer = Assert.IsType<FullyConnectedInt8>(Assert.Single(plan.Kernels));
        Assert.Equal(expected, layer.Encoded.Encoding);
        Assert.Equal(layer.Encoded.Bytes, new[] { EncodedWeights.Dense(layer.Weights, 7, depth).Bytes, layer.Encoded.Bytes }.Min());

        string source = ClassEmitter.Emit(plan);
        var vectorized = GeneratedAssembly.Compile(source, "Tests.Sparse");
        var scalar = GeneratedAssembly.Compile(source, "Tests.Sparse", vectorized: false);
        foreach (var input in inputs)
        {
            var reference = PlanInterpreter.Run(plan, new[] { input })[0];
            Assert.Equal(reference, vectorized.Predict(input, reference.Length));
            Assert.Equal(reference, scalar.Predict(input, reference.Length));
        }
    }

    [Fact]
    public void EncodingsRoundTripToTheDenseWeights()
    {
        var random = new Random(5);
        var dense = Enumerable.Range(0, 13 * 700).Select(i => random.NextDouble() < 0.8 ? (sbyte)0 : (sbyte)random.Next(-127, 128)).ToArray();
        var codebook = new sbyte[] { -90, -30, 20, 70 };
        var clustered = dense.Select(w => w == 0 ? (sbyte)0 : codebook[Math.Abs(w) % 4]).ToArray();
        Assert.Equal(dense, EncodedWeights.Smallest(dense, 13, 700).Decode());
        Assert.Equal(dense, EncodedWeights.Dense(dense, 13, 700).Decode());
        Assert.Equal(clustered, EncodedWeights.Smallest(clustered, 13, 700, codebook).Decode());
    }

    [Fact]
    public void ABitmaskStoresTheNonZerosAndOneBitPerWeightAndNothingElse()
    {
        var random = new Random(6);
        var weights = Enumerable.Range(0, 8 * 72).Select(_ => random.NextDouble() < 0.5 ? (sbyte)0 : (sbyte)random.Next(1, 128)).ToArray();
        var encoded = EncodedWeights.Smallest(weights, 8, 72);
        Assert.Equal(WeightEncoding.Bitmask, encoded.Encoding);
        Assert.Equal(weights.Count(w => w != 0) + 8 * 72 / 8, encoded.Bytes);
        Assert.Equal(weights, encoded.Decode());
    }
}
