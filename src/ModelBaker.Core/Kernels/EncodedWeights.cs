using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>How a layer's int8 weights are stored in generated code (docs/compression.md).</summary>
public enum WeightEncoding : byte
{
    /// <summary>Every weight, [units × depth] sbytes.</summary>
    Dense = 0,
    /// <summary>Per unit a bit per weight (1 = non-zero), then the non-zero weights in order.</summary>
    Bitmask = 1,
    /// <summary>Per unit a count, then for each non-zero weight the distance from the previous one (a byte) and its value.</summary>
    IndexDelta = 2,
    /// <summary>A codebook of int8 values and, per weight, its packed code (Bits bits); zero has a code of its own.</summary>
    Clustered = 3,
    /// <summary>The bitmask of non-zero weights, then the packed codes of the non-zero weights only.</summary>
    ClusteredBitmask = 4,
    /// <summary>
    /// For at most 16 shared values: one byte per non-zero weight, the zeros before it (high 4 bits, 0–14) and its code
    /// (low 4 bits), over all units' weights in order; a byte 0xF0 + j skips 15 · (j + 1) zeros and places no weight.
    /// No per-unit counts: a unit's weights end where the next entry's position passes the unit's last weight.
    /// </summary>
    ClusteredIndexDelta = 5,
}

/// <summary>
/// A [units × depth] int8 weight matrix in the smallest of the encodings that fit it: sparse layers store only their
/// non-zero weights, clustered layers only small codes into a codebook. The kernels decode while they multiply and
/// skip the zeros.
/// </summary>
public sealed class EncodedWeights
{
    private EncodedWeights(WeightEncoding encoding, int units, int depth, sbyte[] values, byte[] mask, byte[] deltas,
        ushort[] counts, sbyte[] codebook, byte[] codes, int bits)
    {
        Encoding = encoding;
        Units = units;
        Depth = depth;
        Values = values;
        Mask = mask;
        Deltas = deltas;
        Counts = counts;
        Codebook = codebook;
        Codes = codes;
        Bits = bits;
    }

    public WeightEncoding Encoding { get; }
    public int Units { get; }
    public int Depth { get; }
    /// <summary>Dense: all weights; Bitmask and IndexDelta: the non-zero ones (IndexDelta also zero fillers for gaps over 255).</summary>
    public sbyte[] Values { get; }
    public byte[] Mask { get; }
    public byte[] Deltas { get; }
    public ushort[] Counts { get; }
    public sbyte[] Codebook { get; }
    /// <summary>Codes packed little-endian, <see cref="Bits"/> bits each, in weight order (ClusteredIndexDelta: its entry bytes).</summary>
    public byte[] Codes { get; }
    public int Bits { get; }

    public int MaskBytesPerUnit => (Depth + 7) / 8;

    /// <summary>For reports: "dense", "bitmask", "index-delta", "clustered", "clustered-bitmask", "clustered-index-delta".</summary>
    public string Name => Encoding switch
    {
        WeightEncoding.IndexDelta => "index-delta",
        WeightEncoding.ClusteredBitmask => "clustered-bitmask",
        WeightEncoding.ClusteredIndexDelta => "clustered-index-delta",
        var e => e.ToString().ToLowerInvariant(),
    };

    /// <summary>Distinct non-zero shared values of a clustered encoding; 0 otherwise.</summary>
    public int ClusterCount => Encoding is WeightEncoding.Clustered or WeightEncoding.ClusteredBitmask or WeightEncoding.ClusteredIndexDelta ? Codebook.Count(c => c != 0) : 0;

    public int Bytes => Values.Length + Mask.Length + Deltas.Length + 2 * Counts.Length + Codebook.Length + Codes.Length;

    /// <summary>The weights back as a dense matrix (for statistics; kernels decode on the fly).</summary>
    public sbyte[] Decode()
    {
        var dense = new sbyte[Units * Depth];
        switch (Encoding)
        {
            case WeightEncoding.Dense:
                Array.Copy(Values, dense, dense.Length);
                break;
            case WeightEncoding.Bitmask:
            {
                int v = 0;
                for (int i = 0; i < dense.Length; i++)
                    if (IsSet(i)) dense[i] = Values[v++];
                break;
            }
            case WeightEncoding.IndexDelta:
            {
                int entry = 0;
                for (int n = 0; n < Units; n++)
                {
                    int k = -1;
                    for (int c = 0; c < Counts[n]; c++, entry++)
                    {
                        k += Deltas[entry];
                        dense[n * Depth + k] = Values[entry];
                    }
                }
                break;
            }
            case WeightEncoding.Clustered:
                for (int i = 0; i < dense.Length; i++) dense[i] = Codebook[Code(i)];
                break;
            case WeightEncoding.ClusteredBitmask:
            {
                int c = 0;
                for (int i = 0; i < dense.Length; i++)
                    if (IsSet(i)) dense[i] = Codebook[Code(c++)];
                break;
            }
            case WeightEncoding.ClusteredIndexDelta:
            {
                int position = 0;
                foreach (byte entry in Codes)
                {
                    if (entry >= SkipEntry) { position += 15 * ((entry & 15) + 1); continue; }
                    position += entry >> 4;
                    dense[position++] = Codebook[entry & 15];
                }
                break;
            }
        }
        return dense;
    }

    private bool IsSet(int index)
    {
        int n = index / Depth, k = index % Depth;
        return (Mask[n * MaskBytesPerUnit + k / 8] & (1 << (k % 8))) != 0;
    }

    private int Code(int position)
    {
        int bit = position * Bits;
        int value = Codes[bit / 8] | (bit / 8 + 1 < Codes.Length ? Codes[bit / 8 + 1] << 8 : 0);
        return (value >> (bit % 8)) & ((1 << Bits) - 1);
    }

    public static EncodedWeights Dense(sbyte[] weights, int units, int depth) =>
        new(WeightEncoding.Dense, units, depth, weights, Array.Empty<byte>(), Array.Empty<byte>(), Array.Empty<ushort>(),
            Array.Empty<sbyte>(), Array.Empty<byte>(), 0);

    /// <summary>
    /// The smallest encoding of <paramref name="weights"/>. With a <paramref name="codebook"/> (a clustered layer,
    /// whose every weight is 0 or a codebook value) only the clustered encodings are considered.
    /// </summary>
    public static EncodedWeights Smallest(sbyte[] weights, int units, int depth, sbyte[]? codebook = null)
    {
        var candidates = codebook == null
            ? new[] { Dense(weights, units, depth), EncodeBitmask(weights, units, depth), EncodeIndexDelta(weights, units, depth) }
            : new[] { EncodeClustered(weights, units, depth, codebook), EncodeClusteredBitmask(weights, units, depth, codebook) }
                .Concat(codebook.Length <= 16 ? new[] { EncodeClusteredIndexDelta(weights, units, depth, codebook) } : Array.Empty<EncodedWeights>())
                .ToArray();
        return candidates.OrderBy(c => c.Bytes).ThenBy(c => c.Encoding).First();
    }

    private static byte[] MaskOf(sbyte[] weights, int units, int depth)
    {
        int perUnit = (depth + 7) / 8;
        var mask = new byte[units * perUnit];
        for (int n = 0; n < units; n++)
            for (int k = 0; k < depth; k++)
                if (weights[n * depth + k] != 0) mask[n * perUnit + k / 8] |= (byte)(1 << (k % 8));
        return mask;
    }

    private static EncodedWeights EncodeBitmask(sbyte[] weights, int units, int depth) =>
        new(WeightEncoding.Bitmask, units, depth, weights.Where(w => w != 0).ToArray(), MaskOf(weights, units, depth),
            Array.Empty<byte>(), Array.Empty<ushort>(), Array.Empty<sbyte>(), Array.Empty<byte>(), 0);

    private static EncodedWeights EncodeIndexDelta(sbyte[] weights, int units, int depth)
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
                // A gap wider than a byte gets zero-valued stepping stones.
                while (k - previous > 255) { previous += 255; deltas.Add(255); values.Add(0); count++; }
                deltas.Add((byte)(k - previous));
                values.Add(weights[n * depth + k]);
                previous = k;
                count++;
            }
            if (count > ushort.MaxValue) return Dense(weights, units, depth); // never smaller anyway
            counts[n] = (ushort)count;
        }
        return new EncodedWeights(WeightEncoding.IndexDelta, units, depth, values.ToArray(), Array.Empty<byte>(), deltas.ToArray(),
            counts, Array.Empty<sbyte>(), Array.Empty<byte>(), 0);
    }

    private static EncodedWeights EncodeClustered(sbyte[] weights, int units, int depth, sbyte[] codebook)
    {
        // Zero gets a code when the layer has zeros and the codebook lacks it.
        var book = weights.Contains((sbyte)0) && !codebook.Contains((sbyte)0) ? codebook.Concat(new sbyte[] { 0 }).ToArray() : codebook;
        return new EncodedWeights(WeightEncoding.Clustered, units, depth, Array.Empty<sbyte>(), Array.Empty<byte>(), Array.Empty<byte>(),
            Array.Empty<ushort>(), book, Pack(weights.Select(w => Array.IndexOf(book, w)), BitsFor(book.Length), weights.Length), BitsFor(book.Length));
    }

    private static EncodedWeights EncodeClusteredBitmask(sbyte[] weights, int units, int depth, sbyte[] codebook)
    {
        var nonZero = weights.Where(w => w != 0).ToList();
        int bits = BitsFor(codebook.Length);
        return new EncodedWeights(WeightEncoding.ClusteredBitmask, units, depth, Array.Empty<sbyte>(), MaskOf(weights, units, depth),
            Array.Empty<byte>(), Array.Empty<ushort>(), codebook, Pack(nonZero.Select(w => Array.IndexOf(codebook, w)), bits, nonZero.Count), bits);
    }

    /// <summary>A ClusteredIndexDelta entry at or above this skips zeros and places no weight.</summary>
    private const int SkipEntry = 0xF0;

    private static EncodedWeights EncodeClusteredIndexDelta(sbyte[] weights, int units, int depth, sbyte[] codebook)
    {
        var entries = new List<byte>();
        int position = 0; // the next weight an entry can place
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] == 0) continue;
            int gap = i - position;
            for (; gap > 14; )
            {
                int fifteens = Math.Min(gap / 15, 16);
                entries.Add((byte)(SkipEntry + fifteens - 1));
                gap -= 15 * fifteens;
            }
            entries.Add((byte)(gap << 4 | Array.IndexOf(codebook, weights[i])));
            position = i + 1;
        }
        return new EncodedWeights(WeightEncoding.ClusteredIndexDelta, units, depth, Array.Empty<sbyte>(), Array.Empty<byte>(), Array.Empty<byte>(),
            Array.Empty<ushort>(), codebook, entries.ToArray(), 4);
    }

    /// <summary>Bits per code: 4 for 16 codes, 8 for 256.</summary>
    public static int BitsFor(int codes)
    {
        int bits = 1;
        while ((1 << bits) < codes) bits++;
        return bits;
    }

    private static byte[] Pack(IEnumerable<int> codes, int bits, int count)
    {
        var packed = new byte[(count * bits + 7) / 8];
        int position = 0;
        foreach (int code in codes)
        {
            if (code < 0) throw new InvalidOperationException("A clustered weight is not in its codebook.");
            for (int b = 0; b < bits; b++, position++)
                if ((code & (1 << b)) != 0) packed[position / 8] |= (byte)(1 << (position % 8));
        }
        return packed;
    }

    // <emit Decode>
    /// <summary>
    /// Decodes one unit's weights (units in order; <paramref name="cursor"/> carries the position in the packed data
    /// from one unit to the next, starting at 0; so does <paramref name="position"/>, the next weight a clustered
    /// index-delta entry can place) into <paramref name="row"/>. Encodings: 0 dense, 1 bitmask, 2 index-delta,
    /// 3 clustered, 4 clustered with a bitmask, 5 clustered index-delta.
    /// </summary>
    public static void DecodeRow(int encoding, int unit, ReadOnlySpan<sbyte> values, ReadOnlySpan<byte> mask, ReadOnlySpan<byte> deltas,
        ReadOnlySpan<ushort> counts, ReadOnlySpan<sbyte> codebook, ReadOnlySpan<byte> codes, int bits, ref int cursor, ref int position, Span<sbyte> row)
    {
        int depth = row.Length, maskBytes = (depth + 7) / 8;
        if (encoding == 0)
        {
            values.Slice(unit * depth, depth).CopyTo(row);
            return;
        }
        if (encoding == 5)
        {
            row.Clear();
            int first = unit * depth;
            for (; cursor < codes.Length; cursor++)
            {
                int entry = codes[cursor];
                if (entry >= 0xF0) { position += 15 * ((entry & 15) + 1); continue; }
                int at = position + (entry >> 4);
                if (at >= first + depth) break; // the next unit's
                row[at - first] = codebook[entry & 15];
                position = at + 1;
            }
            return;
        }
        if (encoding == 2)
        {
            row.Clear();
            int k = -1;
            for (int c = 0; c < counts[unit]; c++, cursor++)
            {
                k += deltas[cursor];
                row[k] = values[cursor];
            }
            return;
        }
        for (int k = 0; k < depth; k++)
        {
            bool present = encoding == 3 || (mask[unit * maskBytes + k / 8] & (1 << (k % 8))) != 0;
            if (!present) { row[k] = 0; continue; }
            if (encoding == 1) { row[k] = values[cursor++]; continue; }
            int bit = cursor++ * bits, at = bit >> 3;
            int word = codes[at] | (at + 1 < codes.Length ? codes[at + 1] << 8 : 0);
            row[k] = codebook[(word >> (bit & 7)) & ((1 << bits) - 1)];
        }
    }
    // </emit>

    // <emit NanoDecode>
    /// <summary>DecodeRow on arrays, for nanoFramework (its arguments as in the span flavour; unused arrays may be null).</summary>
    public static void DecodeRow(int encoding, int unit, sbyte[] values, byte[] mask, byte[] deltas,
        ushort[] counts, sbyte[] codebook, byte[] codes, int bits, ref int cursor, ref int position, sbyte[] row)
    {
        int depth = row.Length, maskBytes = (depth + 7) / 8;
        if (encoding == 0)
        {
            for (int k = 0; k < depth; k++) row[k] = values[unit * depth + k];
            return;
        }
        if (encoding == 5)
        {
            for (int k = 0; k < depth; k++) row[k] = 0;
            int first = unit * depth;
            for (; cursor < codes.Length; cursor++)
            {
                int entry = codes[cursor];
                if (entry >= 0xF0) { position += 15 * ((entry & 15) + 1); continue; }
                int at = position + (entry >> 4);
                if (at >= first + depth) break; // the next unit's
                row[at - first] = codebook[entry & 15];
                position = at + 1;
            }
            return;
        }
        if (encoding == 2)
        {
            for (int k = 0; k < depth; k++) row[k] = 0;
            int index = -1;
            for (int c = 0; c < counts[unit]; c++, cursor++)
            {
                index += deltas[cursor];
                row[index] = values[cursor];
            }
            return;
        }
        for (int k = 0; k < depth; k++)
        {
            bool present = encoding == 3 || (mask[unit * maskBytes + k / 8] & (1 << (k % 8))) != 0;
            if (!present) { row[k] = 0; continue; }
            if (encoding == 1) { row[k] = values[cursor++]; continue; }
            int bit = cursor++ * bits, at = bit >> 3;
            int word = codes[at] | (at + 1 < codes.Length ? codes[at + 1] << 8 : 0);
            row[k] = codebook[(word >> (bit & 7)) & ((1 << bits) - 1)];
        }
    }
    // </emit>

    /// <summary>The arguments generated code passes to DecodeRow for these weights (names as in <see cref="EmitData"/>).</summary>
    public string DecodeArguments(string name) => Encoding switch
    {
        WeightEncoding.Dense => $"encoding: 0, {name}Weights, mask: default, deltas: default, counts: default, codebook: default, codes: default, bits: 0",
        WeightEncoding.Bitmask => $"encoding: 1, {name}Weights, {name}Mask, deltas: default, counts: default, codebook: default, codes: default, bits: 0",
        WeightEncoding.IndexDelta => $"encoding: 2, {name}Weights, mask: default, {name}Deltas, {name}Counts, codebook: default, codes: default, bits: 0",
        WeightEncoding.Clustered => $"encoding: 3, values: default, mask: default, deltas: default, counts: default, {name}Codebook, {name}Codes, bits: {Bits}",
        WeightEncoding.ClusteredBitmask => $"encoding: 4, values: default, {name}Mask, deltas: default, counts: default, {name}Codebook, {name}Codes, bits: {Bits}",
        _ => $"encoding: 5, values: default, mask: default, deltas: default, counts: default, {name}Codebook, {name}Entries, bits: 4",
    };

    public void Write(PlanBinaryWriter w)
    {
        w.Byte((byte)Encoding); w.Int(Units); w.Int(Depth);
        w.SBytes(Values); w.Bytes(Mask); w.Bytes(Deltas); w.Ints(Counts.Select(c => (int)c).ToArray());
        w.SBytes(Codebook); w.Bytes(Codes); w.Int(Bits);
    }

    public static EncodedWeights Read(PlanBinaryReader r) =>
        new((WeightEncoding)r.Byte(), r.Int(), r.Int(), r.SBytes(), r.Bytes(), r.Bytes(), r.Ints().Select(c => (ushort)c).ToArray(),
            r.SBytes(), r.Bytes(), r.Int());

    /// <summary>The arrays generated code reads, named <paramref name="name"/> + Weights / Mask / Deltas / Counts / Codebook / Codes.</summary>
    public void EmitData(CodeWriter code, string name)
    {
        string shape = $"[{Units} units × {Depth}]";
        switch (Encoding)
        {
            case WeightEncoding.Dense:
                EmitArrays.SBytes(code, name + "Weights", Values, $"{shape} int8 weights, one row per output unit");
                break;
            case WeightEncoding.Bitmask:
                EmitArrays.Bytes(code, name + "Mask", Mask, $"{shape} bitmask of the non-zero weights, {MaskBytesPerUnit} bytes per unit, least significant bit first");
                EmitArrays.SBytes(code, name + "Weights", Values, "the non-zero int8 weights, unit by unit");
                break;
            case WeightEncoding.IndexDelta:
                EmitArrays.UShorts(code, name + "Counts", Counts, "entries per unit");
                EmitArrays.Bytes(code, name + "Deltas", Deltas, "distance of each entry from the previous one in its unit (the first from −1)");
                EmitArrays.SBytes(code, name + "Weights", Values, "the int8 weight of each entry");
                break;
            case WeightEncoding.ClusteredIndexDelta:
                EmitArrays.SBytes(code, name + "Codebook", Codebook, $"the {Codebook.Length} int8 values the {shape} weights share");
                EmitArrays.Bytes(code, name + "Entries", Codes,
                    "per non-zero weight, unit by unit: the zeros before it (high 4 bits) and its code (low 4 bits); 0xF0 + j skips 15·(j + 1) zeros");
                break;
            default:
                EmitArrays.SBytes(code, name + "Codebook", Codebook, $"the {Codebook.Length} int8 values the {shape} weights share");
                if (Encoding == WeightEncoding.ClusteredBitmask)
                    EmitArrays.Bytes(code, name + "Mask", Mask, $"{shape} bitmask of the non-zero weights, {MaskBytesPerUnit} bytes per unit");
                EmitArrays.Bytes(code, name + "Codes", Codes, $"{Bits}-bit codebook indices of the {(Encoding == WeightEncoding.Clustered ? "" : "non-zero ")}weights, packed least significant bit first");
                break;
        }
    }
}
