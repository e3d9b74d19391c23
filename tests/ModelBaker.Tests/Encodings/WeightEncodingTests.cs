using ModelBaker.Core.Encodings;
using ModelBaker.Core.Plan;

namespace ModelBaker.Tests.Encodings;

/// <summary>
/// Each weight encoding on its own: it decodes (the .NET decoder generated code runs once) and reads row by row (the
/// nanoFramework reader, in order and out of order) to exactly the weights it encoded, on shapes that exercise mask
/// bytes, long gaps and empty units; its byte count is what it stores; it survives the plan file.
/// </summary>
public sealed class WeightEncodingTests
{
    private static readonly sbyte[] Codebook = { -112, -80, -48, -16, 16, 48, 80, 112, -96, -64, -32, 32, 64, 96, 127 };

    /// <summary>Random [units × depth] weights at a sparsity; clustered ones take only codebook values; uniform ones one value per unit.</summary>
    private static sbyte[] Weights(WeightEncoding encoding, int units, int depth, double sparsity, int seed)
    {
        var random = new Random(seed);
        var weights = new sbyte[units * depth];
        for (int n = 0; n < units; n++)
        {
            sbyte unitValue = (sbyte)random.Next(-127, 128);
            for (int k = 0; k < depth; k++)
            {
                if (encoding == WeightEncoding.Uniform) { weights[n * depth + k] = n % 3 == 2 ? (sbyte)0 : unitValue; continue; }
                if (random.NextDouble() < sparsity || n == 1) continue; // unit 1 is empty
                weights[n * depth + k] = encoding >= WeightEncoding.Clustered && encoding <= WeightEncoding.ClusteredIndexDelta
                    ? Codebook[random.Next(Codebook.Length)]
                    : (sbyte)random.Next(-127, 128);
            }
        }
        return weights;
    }

    private static EncodedWeights Encode(WeightEncoding encoding, sbyte[] weights, int units, int depth) => encoding switch
    {
        WeightEncoding.Dense => new DenseWeights(weights, units, depth),
        WeightEncoding.Uniform => UniformWeights.Encode(weights, units, depth)!,
        WeightEncoding.Bitmask => BitmaskWeights.Encode(weights, units, depth),
        WeightEncoding.IndexDelta => IndexDeltaWeights.Encode(weights, units, depth)!,
        WeightEncoding.Clustered => ClusteredWeights.Encode(weights, units, depth, Codebook),
        WeightEncoding.ClusteredBitmask => ClusteredBitmaskWeights.Encode(weights, units, depth, Codebook),
        _ => ClusteredIndexDeltaWeights.Encode(weights, units, depth, Codebook)!,
    };

    public static IEnumerable<object[]> Cases() =>
        from encoding in Enum.GetValues<WeightEncoding>()
        from shape in new (int Units, int Depth)[] { (5, 1), (5, 7), (6, 8), (4, 9), (3, 300), (3, 700) }
        from sparsity in new[] { 0.0, 0.5, 0.97 }
        select new object[] { encoding, shape.Units, shape.Depth, sparsity };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_encoding_decodes_and_reads_row_by_row_to_the_weights_it_encoded(WeightEncoding encoding, int units, int depth, double sparsity)
    {
        var weights = Weights(encoding, units, depth, sparsity, seed: units * 1000 + depth);
        var encoded = Encode(encoding, weights, units, depth);
        Assert.Equal(encoding, encoded.Encoding);
        Assert.Equal(weights, encoded.Decode());

        var rows = encoded.Rows();
        var order = Enumerable.Range(0, units).Concat(new[] { 2, 0, units - 1, 1, 1 }).Where(n => n < units);
        foreach (int n in order)
        {
            var row = rows.Read(n, out int offset);
            Assert.Equal(weights.AsSpan(n * depth, depth).ToArray(), row.AsSpan(offset, depth).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_encoding_reads_back_from_the_plan_file_as_written(WeightEncoding encoding, int units, int depth, double sparsity)
    {
        var encoded = Encode(encoding, Weights(encoding, units, depth, sparsity, seed: 7), units, depth);
        byte[] bytes = Bytes(encoded);
        var read = EncodedWeights.Read(new PlanBinaryReader(new MemoryStream(bytes)));
        Assert.Equal(encoded.GetType(), read.GetType());
        Assert.Equal(encoded.Decode(), read.Decode());
        Assert.Equal(bytes, Bytes(read));
    }

    private static byte[] Bytes(EncodedWeights weights)
    {
        var stream = new MemoryStream();
        using (var writer = new PlanBinaryWriter(stream)) weights.Write(writer);
        return stream.ToArray();
    }

    [Fact]
    public void Byte_counts_are_what_each_encoding_stores()
    {
        const int units = 8, depth = 72;
        var sparse = Weights(WeightEncoding.Bitmask, units, depth, 0.5, seed: 3);
        int nonZero = sparse.Count(w => w != 0);
        Assert.Equal(units * depth, new DenseWeights(sparse, units, depth).Bytes);
        Assert.Equal(units * depth / 8 + nonZero, BitmaskWeights.Encode(sparse, units, depth).Bytes);
        Assert.Equal(2 * units + 2 * nonZero, IndexDeltaWeights.Encode(sparse, units, depth)!.Bytes); // no gap over 255 in 72
        Assert.Equal(units, UniformWeights.Encode(Weights(WeightEncoding.Uniform, units, depth, 0, seed: 3), units, depth)!.Bytes);
        var clustered = Weights(WeightEncoding.Clustered, units, depth, 0.5, seed: 3);
        int kept = clustered.Count(w => w != 0);
        // 15 values and zero: 4-bit codes for every weight; or the mask and 4-bit codes of the kept ones.
        Assert.Equal(Codebook.Length + 1 + units * depth / 2, ClusteredWeights.Encode(clustered, units, depth, Codebook).Bytes);
        Assert.Equal(Codebook.Length + units * depth / 8 + (kept * 4 + 7) / 8, ClusteredBitmaskWeights.Encode(clustered, units, depth, Codebook).Bytes);
    }

    [Fact]
    public void Encodings_that_do_not_fit_say_so_and_the_smallest_that_fits_is_chosen()
    {
        var mixed = new sbyte[] { 1, 2, 3, 3 };
        Assert.Null(UniformWeights.Encode(mixed, 2, 2));
        Assert.Null(ClusteredIndexDeltaWeights.Encode(mixed, 2, 2, Enumerable.Range(1, 17).Select(v => (sbyte)v).ToArray()));
        var uniform = Weights(WeightEncoding.Uniform, 6, 50, 0, seed: 1);
        Assert.Equal(WeightEncoding.Uniform, EncodedWeights.Smallest(uniform, 6, 50).Encoding);
        var full = Enumerable.Range(0, 6 * 50).Select(i => (sbyte)(i % 127 + 1)).ToArray();
        Assert.Equal(WeightEncoding.Dense, EncodedWeights.Smallest(full, 6, 50).Encoding);
    }
}
