using System;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Encodings;

/// <summary>
/// A pruned and clustered layer: the bitmask of non-zero weights, then the packed codes of the non-zero weights only
/// (a bit plus 4 bits per kept weight at 16 clusters). Decoded by <see cref="ClusteredWeights"/>' decoder with the mask.
/// </summary>
public sealed class ClusteredBitmaskWeights : EncodedWeights
{
    private ClusteredBitmaskWeights(byte[] mask, sbyte[] codebook, byte[] codes, int bits, int units, int depth) : base(units, depth) =>
        (Mask, Codebook, Codes, Bits) = (mask, codebook, codes, bits);

    public byte[] Mask { get; }
    public sbyte[] Codebook { get; }
    /// <summary>One code per non-zero weight, <see cref="Bits"/> bits each, little-endian, in weight order.</summary>
    public byte[] Codes { get; }
    public int Bits { get; }

    public override WeightEncoding Encoding => WeightEncoding.ClusteredBitmask;
    public override string Name => "clustered-bitmask";
    public override int Bytes => Mask.Length + Codebook.Length + Codes.Length;
    public override int ClusterCount => Codebook.Count(c => c != 0);
    public override sbyte[] Decode() => ClusteredWeights.DecodeClustered(Mask, Codebook, Codes, Bits, Units, Depth);

    public static ClusteredBitmaskWeights Encode(sbyte[] weights, int units, int depth, sbyte[] codebook)
    {
        var nonZero = weights.Where(w => w != 0).ToList();
        int bits = PackedBits.BitsFor(codebook.Length);
        return new ClusteredBitmaskWeights(PackedBits.NonZeroMask(weights, units, depth), codebook,
            PackedBits.Pack(nonZero.Select(w => Array.IndexOf(codebook, w)), bits, nonZero.Count), bits, units, depth);
    }

    protected override string? DecoderBlock => nameof(ClusteredWeights);
    protected override string? Decoder(string name) => $"DecodeClustered({name}Mask, {name}Codebook, {name}Codes, bits: {Bits}, units: {Units}, depth: {Depth})";
    public override WeightRows Rows() => new ClusteredWeights.ClusteredRows(Mask, Codebook, Codes, Bits, Depth);
    protected override string NanoRows(string name) => $"new ClusteredRows({name}Mask, {name}Codebook, {name}Codes, bits: {Bits}, depth: {Depth})";
    protected override string NanoRowsBlock => nameof(ClusteredWeights);

    protected override void EmitStoredArrays(CodeWriter code, string name, string shape)
    {
        EmitArrays.SBytes(code, name + "Codebook", Codebook, $"the {Codebook.Length} int8 values the {shape} weights share");
        EmitArrays.Bytes(code, name + "Mask", Mask, $"{shape} bitmask of the non-zero weights, {(Depth + 7) / 8} bytes per unit");
        EmitArrays.Bytes(code, name + "Codes", Codes, $"{Bits}-bit codebook indices of the non-zero weights, packed least significant bit first");
    }

    protected override void WritePayload(PlanBinaryWriter w) { w.Bytes(Mask); w.SBytes(Codebook); w.Bytes(Codes); w.Int(Bits); }

    public static ClusteredBitmaskWeights Read(PlanBinaryReader r, int units, int depth) => new(r.Bytes(), r.SBytes(), r.Bytes(), r.Int(), units, depth);
}
