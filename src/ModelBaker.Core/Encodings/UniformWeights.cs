using System;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Encodings;

/// <summary>
/// One value per unit, shared by all its weights: what a weight tensor filled with one value (ConstantOfShape, then
/// perhaps a BatchNormalization folded in) becomes once each unit is quantized on its own scale.
/// </summary>
public sealed class UniformWeights : EncodedWeights
{
    private UniformWeights(sbyte[] unitValues, int depth) : base(unitValues.Length, depth) => UnitValues = unitValues;

    /// <summary>The one weight of each unit.</summary>
    public sbyte[] UnitValues { get; }

    public override WeightEncoding Encoding => WeightEncoding.Uniform;
    public override string Name => "uniform";
    public override int Bytes => UnitValues.Length;
    public override sbyte[] Decode() => DecodeUniform(UnitValues, Depth);

    /// <summary>The weights as one value per unit, or null when some unit's weights differ.</summary>
    public static UniformWeights? Encode(sbyte[] weights, int units, int depth)
    {
        if (depth == 0) return null;
        var values = new sbyte[units];
        for (int n = 0; n < units; n++)
        {
            values[n] = weights[n * depth];
            for (int k = 1; k < depth; k++)
                if (weights[n * depth + k] != values[n]) return null;
        }
        return new UniformWeights(values, depth);
    }

    protected override string? DecoderBlock => nameof(UniformWeights);
    protected override string? Decoder(string name) => $"DecodeUniform({name}UnitValues, depth: {Depth})";
    public override WeightRows Rows() => new UniformRows(UnitValues, Depth);
    protected override string NanoRows(string name) => $"new UniformRows({name}UnitValues, depth: {Depth})";

    protected override void EmitStoredArrays(CodeWriter code, string name, string shape) =>
        EmitArrays.SBytes(code, name + "UnitValues", UnitValues, $"the one int8 weight each unit of the {shape} weights has");

    protected override void WritePayload(PlanBinaryWriter w) => w.SBytes(UnitValues);

    public static UniformWeights Read(PlanBinaryReader r, int units, int depth)
    {
        var values = r.SBytes();
        if (values.Length != units) throw new System.IO.InvalidDataException($"{values.Length} uniform weights for {units} units.");
        return new UniformWeights(values, depth);
    }

    // <emit>
    /// <summary>Weights stored as one value per unit, written out: [units × depth].</summary>
    public static sbyte[] DecodeUniform(ReadOnlySpan<sbyte> unitValues, int depth)
    {
        var weights = new sbyte[unitValues.Length * depth];
        for (int n = 0; n < unitValues.Length; n++) weights.AsSpan(n * depth, depth).Fill(unitValues[n]);
        return weights;
    }
    // </emit>

    // <emit Nano>
    /// <summary>Weights stored as one value per unit: each row is that value, depth times.</summary>
    public sealed class UniformRows : WeightRows
    {
        private readonly sbyte[] unitValues;
        private readonly sbyte[] row;

        public UniformRows(sbyte[] unitValues, int depth)
        {
            this.unitValues = unitValues;
            row = new sbyte[depth];
        }

        public override int Depth => row.Length;

        public override sbyte[] Read(int unit, out int offset)
        {
            for (int k = 0; k < row.Length; k++) row[k] = unitValues[unit];
            offset = 0;
            return row;
        }
    }
    // </emit>
}
