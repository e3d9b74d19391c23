using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Encodings;

/// <summary>
/// Per unit a count, then for each non-zero weight its distance from the previous one (a byte) and its value: two
/// bytes per kept weight, the smallest form for very sparse layers. A gap wider than 255 takes zero-valued stepping stones.
/// </summary>
public sealed class IndexDeltaWeights : EncodedWeights
{
    private IndexDeltaWeights(ushort[] counts, byte[] deltas, sbyte[] values, int depth) : base(counts.Length, depth) =>
        (Counts, Deltas, Values) = (counts, deltas, values);

    /// <summary>Entries per unit.</summary>
    public ushort[] Counts { get; }
    /// <summary>Each entry's distance from the previous one in its unit (the first from −1).</summary>
    public byte[] Deltas { get; }
    /// <summary>Each entry's weight.</summary>
    public sbyte[] Values { get; }

    public override WeightEncoding Encoding => WeightEncoding.IndexDelta;
    public override string Name => "index-delta";
    public override int Bytes => 2 * Counts.Length + Deltas.Length + Values.Length;
    public override sbyte[] Decode() => DecodeIndexDelta(Counts, Deltas, Values, Depth);

    /// <summary>The encoding, or null when a unit would need more entries than a count holds (dense is smaller then anyway).</summary>
    public static IndexDeltaWeights? Encode(sbyte[] weights, int units, int depth)
    {
        var values = new List<sbyte>();
        var deltas = new List<byte>();
        var counts = new ushort[units];
        for (int n = 0; n < units; n++)
        {
            int previous = -1, count = 0;
            for (int k = 0; k < depth; k++)
            {
                if (weights[n * depth + k] == 0) continue;
                while (k - previous > 255) { previous += 255; deltas.Add(255); values.Add(0); count++; }
                deltas.Add((byte)(k - previous));
                values.Add(weights[n * depth + k]);
                previous = k;
                count++;
            }
            if (count > ushort.MaxValue) return null;
            counts[n] = (ushort)count;
        }
        return new IndexDeltaWeights(counts, deltas.ToArray(), values.ToArray(), depth);
    }

    protected override string? DecoderBlock => nameof(IndexDeltaWeights);
    protected override string? Decoder(string name) => $"DecodeIndexDelta({name}Counts, {name}Deltas, {name}Values, depth: {Depth})";
    public override WeightRows Rows() => new IndexDeltaRows(Counts, Deltas, Values, Depth);
    protected override string NanoRows(string name) => $"new IndexDeltaRows({name}Counts, {name}Deltas, {name}Values, depth: {Depth})";

    protected override void EmitStoredArrays(CodeWriter code, string name, string shape)
    {
        EmitArrays.UShorts(code, name + "Counts", Counts, $"entries per unit of the {shape} weights");
        EmitArrays.Bytes(code, name + "Deltas", Deltas, "distance of each entry from the previous one in its unit (the first from −1)");
        EmitArrays.SBytes(code, name + "Values", Values, "the int8 weight of each entry");
    }

    protected override void WritePayload(PlanBinaryWriter w)
    {
        w.Ints(Array.ConvertAll(Counts, c => (int)c)); w.Bytes(Deltas); w.SBytes(Values);
    }

    public static IndexDeltaWeights Read(PlanBinaryReader r, int units, int depth)
    {
        var counts = Array.ConvertAll(r.Ints(), c => (ushort)c);
        if (counts.Length != units) throw new System.IO.InvalidDataException($"{counts.Length} index-delta counts for {units} units.");
        return new IndexDeltaWeights(counts, r.Bytes(), r.SBytes(), depth);
    }

    // <emit>
    /// <summary>Weights stored as (distance from the previous non-zero, value) entries per unit, written out: [units × depth].</summary>
    public static sbyte[] DecodeIndexDelta(ReadOnlySpan<ushort> counts, ReadOnlySpan<byte> deltas, ReadOnlySpan<sbyte> values, int depth)
    {
        var weights = new sbyte[counts.Length * depth];
        int entry = 0;
        for (int n = 0; n < counts.Length; n++)
        {
            int k = n * depth - 1;
            for (int c = 0; c < counts[n]; c++, entry++)
            {
                k += deltas[entry];
                weights[k] = values[entry];
            }
        }
        return weights;
    }
    // </emit>

    // <emit Nano>
    /// <summary>Weights stored as (distance from the previous non-zero, value) entries per unit, a row at a time.</summary>
    public sealed class IndexDeltaRows : SequentialRows
    {
        private readonly ushort[] counts;
        private readonly byte[] deltas;
        private readonly sbyte[] values;
        private int unit, entry; // the unit DecodeNext decodes, and its first entry

        public IndexDeltaRows(ushort[] counts, byte[] deltas, sbyte[] values, int depth) : base(depth)
        {
            this.counts = counts;
            this.deltas = deltas;
            this.values = values;
        }

        protected override void Restart() { unit = 0; entry = 0; }

        protected override void DecodeNext(sbyte[] row)
        {
            for (int k = 0; k < row.Length; k++) row[k] = 0;
            int index = -1;
            for (int c = 0; c < counts[unit]; c++, entry++)
            {
                index += deltas[entry];
                row[index] = values[entry];
            }
            unit++;
        }

        /// <summary>Only the non-zero weights multiply, each at its input.</summary>
        protected override int DotNext(sbyte[] input, int offset)
        {
            int sum = 0, position = offset - 1, e = entry, end = entry + counts[unit++];
            for (; e < end; e++)
            {
                position += deltas[e];
                sum += input[position] * values[e];
            }
            entry = end;
            return sum;
        }
    }
    // </emit>
}
