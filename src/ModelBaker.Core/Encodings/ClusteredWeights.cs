using System;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Encodings;

/// <summary>
/// A codebook of int8 values and, per weight, its code packed in <see cref="Bits"/> bits (4 for 16 clusters); zero
/// has a code of its own when the layer has zeros. Its decoder also serves <see cref="ClusteredBitmaskWeights"/>, which
/// adds a bitmask and codes only the non-zero weights.
/// </summary>
public sealed class ClusteredWeights : EncodedWeights
{
    private ClusteredWeights(sbyte[] codebook, byte[] codes, int bits, int units, int depth) : base(units, depth) =>
        (Codebook, Codes, Bits) = (codebook, codes, bits);

    public sbyte[] Codebook { get; }
    /// <summary>One code per weight, <see cref="Bits"/> bits each, little-endian, in weight order.</summary>
    public byte[] Codes { get; }
    public int Bits { get; }

    public override WeightEncoding Encoding => WeightEncoding.Clustered;
    public override string Name => "clustered";
    public override int Bytes => Codebook.Length + Codes.Length;
    public override int ClusterCount => Codebook.Count(c => c != 0);
    public override sbyte[] Decode() => DecodeClustered(ReadOnlySpan<byte>.Empty, Codebook, Codes, Bits, Units, Depth);

    public static ClusteredWeights Encode(sbyte[] weights, int units, int depth, sbyte[] codebook)
    {
        // Zero gets a code when the layer has zeros and the codebook lacks it.
        var book = weights.Contains((sbyte)0) && !codebook.Contains((sbyte)0) ? codebook.Concat(new sbyte[] { 0 }).ToArray() : codebook;
        int bits = PackedBits.BitsFor(book.Length);
        return new ClusteredWeights(book, PackedBits.Pack(weights.Select(w => Array.IndexOf(book, w)), bits, weights.Length), bits, units, depth);
    }

    protected override string? DecoderBlock => nameof(ClusteredWeights);
    protected override string? Decoder(string name) => $"DecodeClustered(mask: default, {name}Codebook, {name}Codes, bits: {Bits}, units: {Units}, depth: {Depth})";
    public override WeightRows Rows() => new ClusteredRows(Array.Empty<byte>(), Codebook, Codes, Bits, Depth);
    protected override string NanoRows(string name) => $"new ClusteredRows(new byte[0], {name}Codebook, {name}Codes, bits: {Bits}, depth: {Depth})";

    protected override void EmitStoredArrays(CodeWriter code, string name, string shape)
    {
        EmitArrays.SBytes(code, name + "Codebook", Codebook, $"the {Codebook.Length} int8 values the {shape} weights share");
        EmitArrays.Bytes(code, name + "Codes", Codes, $"{Bits}-bit codebook indices of the weights, packed least significant bit first");
    }

    protected override void WritePayload(PlanBinaryWriter w) { w.SBytes(Codebook); w.Bytes(Codes); w.Int(Bits); }

    public static ClusteredWeights Read(PlanBinaryReader r, int units, int depth) => new(r.SBytes(), r.Bytes(), r.Int(), units, depth);

    // <emit>
    /// <summary>
    /// Weights stored as codes into a small codebook, packed <paramref name="bits"/> bits each, written out:
    /// [units × depth]. With a non-empty <paramref name="mask"/> (a bit per weight) only the non-zero weights have codes.
    /// </summary>
    public static sbyte[] DecodeClustered(ReadOnlySpan<byte> mask, ReadOnlySpan<sbyte> codebook, ReadOnlySpan<byte> codes, int bits, int units, int depth)
    {
        var weights = new sbyte[units * depth];
        int maskBytes = (depth + 7) / 8, position = 0, codeMask = (1 << bits) - 1;
        for (int n = 0; n < units; n++)
        {
            for (int k = 0; k < depth; k++)
            {
                if (mask.Length > 0 && (mask[n * maskBytes + k / 8] & (1 << (k % 8))) == 0) continue;
                int at = position >> 3, word = codes[at] | (at + 1 < codes.Length ? codes[at + 1] << 8 : 0);
                weights[n * depth + k] = codebook[(word >> (position & 7)) & codeMask];
                position += bits;
            }
        }
        return weights;
    }
    // </emit>

    // <emit Nano>
    /// <summary>
    /// Weights stored as packed codes into a codebook, a row at a time; with a non-empty mask only the non-zero weights
    /// have codes.
    /// </summary>
    public sealed class ClusteredRows : SequentialRows
    {
        private readonly byte[] mask;
        private readonly sbyte[] codebook;
        private readonly byte[] codes;
        private readonly int bits;
        private int unit, position; // the unit DecodeNext decodes, and the bit position of its first code

        public ClusteredRows(byte[] mask, sbyte[] codebook, byte[] codes, int bits, int depth) : base(depth)
        {
            this.mask = mask;
            this.codebook = codebook;
            this.codes = codes;
            this.bits = bits;
        }

        protected override void Restart() { unit = 0; position = 0; }

        protected override void DecodeNext(sbyte[] row)
        {
            int depth = row.Length, maskAt = unit++ * ((depth + 7) / 8), codeMask = (1 << bits) - 1;
            for (int k = 0; k < depth; k++)
            {
                if (mask.Length > 0 && (mask[maskAt + k / 8] & (1 << (k % 8))) == 0) { row[k] = 0; continue; }
                int at = position >> 3, word = codes[at] | (at + 1 < codes.Length ? codes[at + 1] << 8 : 0);
                row[k] = codebook[(word >> (position & 7)) & codeMask];
                position += bits;
            }
        }
    }
    // </emit>
}
