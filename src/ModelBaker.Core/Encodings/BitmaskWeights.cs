using System;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Encodings;

/// <summary>Per unit a bit per weight (1 = non-zero), then the non-zero weights in order: about half the bytes at Sparsity 0.5.</summary>
public sealed class BitmaskWeights : EncodedWeights
{
    private BitmaskWeights(byte[] mask, sbyte[] values, int units, int depth) : base(units, depth) => (Mask, Values) = (mask, values);

    /// <summary>(depth + 7) / 8 bytes per unit, least significant bit first.</summary>
    public byte[] Mask { get; }
    /// <summary>The non-zero weights, unit by unit.</summary>
    public sbyte[] Values { get; }

    public override WeightEncoding Encoding => WeightEncoding.Bitmask;
    public override string Name => "bitmask";
    public override int Bytes => Mask.Length + Values.Length;
    public override sbyte[] Decode() => DecodeBitmask(Mask, Values, Units, Depth);

    public static BitmaskWeights Encode(sbyte[] weights, int units, int depth) =>
        new(PackedBits.NonZeroMask(weights, units, depth), weights.Where(w => w != 0).ToArray(), units, depth);

    protected override string? DecoderBlock => nameof(BitmaskWeights);
    protected override string? Decoder(string name) => $"DecodeBitmask({name}Mask, {name}Values, units: {Units}, depth: {Depth})";
    public override WeightRows Rows() => new BitmaskRows(Mask, Values, Depth);
    protected override string NanoRows(string name) => $"new BitmaskRows({name}Mask, {name}Values, depth: {Depth})";

    protected override void EmitStoredArrays(CodeWriter code, string name, string shape)
    {
        EmitArrays.Bytes(code, name + "Mask", Mask, $"{shape} bitmask of the non-zero weights, {(Depth + 7) / 8} bytes per unit, least significant bit first");
        EmitArrays.SBytes(code, name + "Values", Values, "the non-zero int8 weights, unit by unit");
    }

    protected override void WritePayload(PlanBinaryWriter w) { w.Bytes(Mask); w.SBytes(Values); }

    public static BitmaskWeights Read(PlanBinaryReader r, int units, int depth) => new(r.Bytes(), r.SBytes(), units, depth);

    // <emit>
    /// <summary>Weights stored as a bitmask of non-zeros plus the non-zero values, written out: [units × depth].</summary>
    public static sbyte[] DecodeBitmask(ReadOnlySpan<byte> mask, ReadOnlySpan<sbyte> values, int units, int depth)
    {
        var weights = new sbyte[units * depth];
        int maskBytes = (depth + 7) / 8, next = 0;
        for (int n = 0; n < units; n++)
            for (int k = 0; k < depth; k++)
                if ((mask[n * maskBytes + k / 8] & (1 << (k % 8))) != 0) weights[n * depth + k] = values[next++];
        return weights;
    }
    // </emit>

    // <emit Nano>
    /// <summary>Weights stored as a bitmask of non-zeros plus the non-zero values, a row at a time.</summary>
    public sealed class BitmaskRows : SequentialRows
    {
        private readonly byte[] mask;
        private readonly sbyte[] values;
        private int unit, next; // the unit DecodeNext decodes, and its first value

        public BitmaskRows(byte[] mask, sbyte[] values, int depth) : base(depth)
        {
            this.mask = mask;
            this.values = values;
        }

        protected override void Restart() { unit = 0; next = 0; }

        protected override void DecodeNext(sbyte[] row)
        {
            int depth = row.Length, at = unit++ * ((depth + 7) / 8);
            for (int k = 0; k < depth; k++)
                row[k] = (mask[at + k / 8] & (1 << (k % 8))) != 0 ? values[next++] : (sbyte)0;
        }

        /// <summary>Only the non-zero weights multiply: a mask byte of zeros skips eight inputs at once.</summary>
        protected override int DotNext(sbyte[] input, int offset)
        {
            int depth = Depth, bytes = (depth + 7) / 8, at = unit++ * bytes, sum = 0, v = next;
            for (int b = 0; b < bytes; b++, offset += 8)
            {
                int bits = mask[at + b];
                if (bits == 0) continue;
                if ((bits & 1) != 0) sum += input[offset] * values[v++];
                if ((bits & 2) != 0) sum += input[offset + 1] * values[v++];
                if ((bits & 4) != 0) sum += input[offset + 2] * values[v++];
                if ((bits & 8) != 0) sum += input[offset + 3] * values[v++];
                if ((bits & 16) != 0) sum += input[offset + 4] * values[v++];
                if ((bits & 32) != 0) sum += input[offset + 5] * values[v++];
                if ((bits & 64) != 0) sum += input[offset + 6] * values[v++];
                if ((bits & 128) != 0) sum += input[offset + 7] * values[v++];
            }
            next = v;
            return sum;
        }
    }
    // </emit>
}
