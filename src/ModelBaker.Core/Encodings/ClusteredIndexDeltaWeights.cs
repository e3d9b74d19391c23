using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Encodings;

/// <summary>
/// For at most 16 shared values: one byte per non-zero weight, the zeros before it (high 4 bits, 0–14) and its code
/// (low 4 bits), over all units' weights in order; a byte 0xF0 + j skips 15 · (j + 1) zeros and places no weight.
/// No per-unit counts: a unit's weights end where the next entry's position passes the unit's last weight.
/// About a byte per kept weight: the smallest form for very sparse clustered layers.
/// </summary>
public sealed class ClusteredIndexDeltaWeights : EncodedWeights
{
    /// <summary>An entry at or above this skips zeros and places no weight.</summary>
    private const int SkipEntry = 0xF0;

    private ClusteredIndexDeltaWeights(sbyte[] codebook, byte[] entries, int units, int depth) : base(units, depth) =>
        (Codebook, Entries) = (codebook, entries);

    public sbyte[] Codebook { get; }
    public byte[] Entries { get; }

    public override WeightEncoding Encoding => WeightEncoding.ClusteredIndexDelta;
    public override string Name => "clustered-index-delta";
    public override int Bytes => Codebook.Length + Entries.Length;
    public override int ClusterCount => Codebook.Count(c => c != 0);
    public override sbyte[] Decode() => DecodeClusteredIndexDelta(Codebook, Entries, Units, Depth);

    /// <summary>The encoding, or null when the codebook has more than 16 values (codes are 4 bits).</summary>
    public static ClusteredIndexDeltaWeights? Encode(sbyte[] weights, int units, int depth, sbyte[] codebook)
    {
        if (codebook.Length > 16) return null;
        var entries = new List<byte>();
        int position = 0; // the next weight an entry can place
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] == 0) continue;
            int gap = i - position;
            while (gap > 14)
            {
                int fifteens = Math.Min(gap / 15, 16);
                entries.Add((byte)(SkipEntry + fifteens - 1));
                gap -= 15 * fifteens;
            }
            entries.Add((byte)(gap << 4 | Array.IndexOf(codebook, weights[i])));
            position = i + 1;
        }
        return new ClusteredIndexDeltaWeights(codebook, entries.ToArray(), units, depth);
    }

    protected override string? DecoderBlock => nameof(ClusteredIndexDeltaWeights);
    protected override string? Decoder(string name) => $"DecodeClusteredIndexDelta({name}Codebook, {name}Entries, units: {Units}, depth: {Depth})";
    public override WeightRows Rows() => new ClusteredIndexDeltaRows(Codebook, Entries, Depth);
    protected override string NanoRows(string name) => $"new ClusteredIndexDeltaRows({name}Codebook, {name}Entries, depth: {Depth})";

    protected override void EmitStoredArrays(CodeWriter code, string name, string shape)
    {
        EmitArrays.SBytes(code, name + "Codebook", Codebook, $"the {Codebook.Length} int8 values the {shape} weights share");
        EmitArrays.Bytes(code, name + "Entries", Entries,
            "per non-zero weight, unit by unit: the zeros before it (high 4 bits) and its code (low 4 bits); 0xF0 + j skips 15·(j + 1) zeros");
    }

    protected override void WritePayload(PlanBinaryWriter w) { w.SBytes(Codebook); w.Bytes(Entries); }

    public static ClusteredIndexDeltaWeights Read(PlanBinaryReader r, int units, int depth) => new(r.SBytes(), r.Bytes(), units, depth);

    // <emit>
    /// <summary>
    /// Weights stored as one byte per non-zero weight — zeros skipped (high 4 bits) and codebook index (low 4 bits) —
    /// over all units in order, 0xF0 + j skipping 15·(j + 1) zeros; written out: [units × depth].
    /// </summary>
    public static sbyte[] DecodeClusteredIndexDelta(ReadOnlySpan<sbyte> codebook, ReadOnlySpan<byte> entries, int units, int depth)
    {
        var weights = new sbyte[units * depth];
        int position = 0; // the next weight an entry can place
        foreach (byte entry in entries)
        {
            if (entry >= 0xF0) { position += 15 * ((entry & 15) + 1); continue; }
            position += entry >> 4;
            weights[position++] = codebook[entry & 15];
        }
        return weights;
    }
    // </emit>

    // <emit Nano>
    /// <summary>Weights stored as (zeros skipped, code) bytes over all units, a row at a time.</summary>
    public sealed class ClusteredIndexDeltaRows : SequentialRows
    {
        private readonly sbyte[] codebook;
        private readonly byte[] entries;
        private int unit, cursor, position; // the unit DecodeNext decodes, the next entry, the next weight an entry can place

        public ClusteredIndexDeltaRows(sbyte[] codebook, byte[] entries, int depth) : base(depth)
        {
            this.codebook = codebook;
            this.entries = entries;
        }

        protected override void Restart() { unit = 0; cursor = 0; position = 0; }

        protected override void DecodeNext(sbyte[] row)
        {
            for (int k = 0; k < row.Length; k++) row[k] = 0;
            int first = unit++ * row.Length, end = first + row.Length;
            for (; cursor < entries.Length; cursor++)
            {
                int entry = entries[cursor];
                if (entry >= 0xF0) { position += 15 * ((entry & 15) + 1); continue; }
                int at = position + (entry >> 4);
                if (at >= end) break; // the next unit's
                row[at - first] = codebook[entry & 15];
                position = at + 1;
            }
        }
    }
    // </emit>
}
