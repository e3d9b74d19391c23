using ModelBaker.Core.Codegen;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Codegen;

/// <summary>
/// Sparse weight encodings in a bake: it picks the smallest, and generated code (its decoders, then the dense kernel's
/// vectorised and scalar builds) gives exactly the interpreter's result, on depths that exercise the tails.
/// </summary>
public sealed class SparseEncodingTests
{
    private static (BakedPlan Plan, float[][] Inputs) Bake(int depth, int units, float sparsity, int seed, int? clusters = null)
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
        var plan = Baker.Bake(new BakeOptions(path, "Sparse", "Tests") { Sparsity = sparsity, Clusters = clusters }, new RecordingLog());
        Directory.Delete(folder, true);
        var inputs = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, depth).Select(_ => Next()).ToArray()).ToArray();
        return (plan, inputs);
    }

    private static void AssertVectorizedAndScalarCodeMatchTheInterpreter(BakedPlan plan, float[][] inputs)
    {
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
    public void The_smallest_encoding_is_chosen_and_every_kernel_path_agrees_with_the_interpreter(int depth, float sparsity, WeightEncoding expected)
    {
        var (plan, inputs) = Bake(depth, 7, sparsity, depth);
        var layer = Assert.IsType<FullyConnectedInt8>(Assert.Single(plan.Kernels));
        Assert.Equal(expected, layer.Encoded.Encoding);
        Assert.Equal(layer.Encoded.Bytes, new[] { EncodedWeights.Dense(layer.Weights, 7, depth).Bytes, layer.Encoded.Bytes }.Min());

        AssertVectorizedAndScalarCodeMatchTheInterpreter(plan, inputs);
    }

    [Theory]
    [InlineData(40, 0.0f, WeightEncoding.Clustered)]             // 4-bit codes for every weight
    [InlineData(64, 0.5f, WeightEncoding.ClusteredBitmask)]      // a bit per weight and 4 bits per kept one: 0.375 bytes per weight
    [InlineData(300, 0.9f, WeightEncoding.ClusteredIndexDelta)]  // a byte per kept weight (and a few skips): ~0.11 bytes per weight
    [InlineData(700, 0.99f, WeightEncoding.ClusteredIndexDelta)] // gaps over 240 zeros take several skip entries
    public void Clustered_layers_take_the_smallest_clustered_encoding_and_generated_code_agrees_with_the_interpreter(int depth, float sparsity, WeightEncoding expected)
    {
        var (plan, inputs) = Bake(depth, 7, sparsity, depth, clusters: 16);
        var layer = Assert.IsType<FullyConnectedInt8>(Assert.Single(plan.Kernels));
        Assert.Equal(expected, layer.Encoded.Encoding);
        Assert.InRange(layer.Encoded.ClusterCount, 2, 16);

        AssertVectorizedAndScalarCodeMatchTheInterpreter(plan, inputs);
    }

    [Fact]
    public void Clustered_index_delta_stores_a_byte_a_per_kept_weight_plus_skips_and_round_trips_every_gap_length()
    {
        // Gaps of every kind, within a unit and across unit boundaries: 0, 14 (the longest in one entry), 15 and 29 (a
        // skip entry and the rest), 30, 240 and 241 (one skip of 16 × 15, then 0 or 1), 600 (three skips), units without
        // any weight, and trailing zeros.
        const int units = 6, depth = 250;
        var codebook = Enumerable.Range(0, 16).Select(c => (sbyte)(c * 16 - 120)).Where(c => c != 0).ToArray();
        var weights = new sbyte[units * depth];
        int position = 0, placed = 0;
        foreach (int gap in new[] { 0, 0, 14, 15, 29, 30, 1, 240, 241, 3, 600, 2 })
        {
            position += gap;
            weights[position++] = codebook[placed++ % codebook.Length];
        }
        Assert.True(position < weights.Length - 100);

        var encoded = EncodedWeights.Smallest(weights, units, depth, codebook);

        Assert.Equal(WeightEncoding.ClusteredIndexDelta, encoded.Encoding);
        int skips = 1 + 1 + 1 + 1 + 1 + 3; // for the gaps 15, 29, 30, 240, 241 and 600 (= 240 + 240 + 120)
        Assert.Equal(codebook.Length + placed + skips, encoded.Bytes);
        Assert.Equal(weights, encoded.Decode());
    }

    [Fact]
    public void Encodings_round_trip_to_the_dense_weights()
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
    public void A_bitmask_stores_the_non_zeros_and_one_bit_per_weight_and_nothing_else()
    {
        var random = new Random(6);
        var weights = Enumerable.Range(0, 8 * 72).Select(_ => random.NextDouble() < 0.5 ? (sbyte)0 : (sbyte)random.Next(1, 128)).ToArray();
        var encoded = EncodedWeights.Smallest(weights, 8, 72);
        Assert.Equal(WeightEncoding.Bitmask, encoded.Encoding);
        Assert.Equal(weights.Count(w => w != 0) + 8 * 72 / 8, encoded.Bytes);
        Assert.Equal(weights, encoded.Decode());
    }
}
