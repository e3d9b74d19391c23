using System;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Encodings;

/// <summary>Every weight, [units × depth] sbytes, row by row: what the kernels read, stored as it is.</summary>
public sealed class DenseWeights : EncodedWeights
{
    public DenseWeights(sbyte[] values, int units, int depth) : base(units, depth)
    {
        if (values.Length != units * depth) throw new ArgumentException($"{values.Length} weights are not {units} × {depth}.", nameof(values));
        Values = values;
    }

    public sbyte[] Values { get; }

    public override WeightEncoding Encoding => WeightEncoding.Dense;
    public override string Name => "dense";
    public override int Bytes => Values.Length;
    public override int DecodedBytes => 0;
    public override int RowBufferBytes => 0;
    public override sbyte[] Decode() => (sbyte[])Values.Clone();

    protected override string? DecoderBlock => null;
    protected override string? Decoder(string name) => null;
    public override WeightRows Rows() => new DenseRows(Values, Depth);
    protected override string NanoRows(string name) => $"new DenseRows({name}Weights, depth: {Depth})";

    protected override void EmitStoredArrays(CodeWriter code, string name, string shape) =>
        EmitArrays.SBytes(code, name + "Weights", Values, $"{shape} int8 weights, one row per output unit");

    protected override void WritePayload(PlanBinaryWriter w) => w.SBytes(Values);

    public static DenseWeights Read(PlanBinaryReader r, int units, int depth) => new(r.SBytes(), units, depth);

    // <emit Nano>
    /// <summary>Dense weights: each row is read where it is stored, nothing is copied.</summary>
    public sealed class DenseRows : WeightRows
    {
        private readonly sbyte[] weights;
        private readonly int depth;

        public DenseRows(sbyte[] weights, int depth)
        {
            this.weights = weights;
            this.depth = depth;
        }

        public override int Depth => depth;

        public override sbyte[] Read(int unit, out int offset)
        {
            offset = unit * depth;
            return weights;
        }
    }
    // </emit>
}
