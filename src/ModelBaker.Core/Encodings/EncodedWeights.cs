using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Encodings;

/// <summary>The tag of each encoding in the plan file (docs/compression.md describes them).</summary>
public enum WeightEncoding : byte
{
    Dense = 0,
    Bitmask = 1,
    IndexDelta = 2,
    Clustered = 3,
    ClusteredBitmask = 4,
    ClusteredIndexDelta = 5,
    Uniform = 6,
}

/// <summary>
/// A [units × depth] int8 weight matrix as generated code stores it: sparse layers only their non-zero weights,
/// clustered layers small codes into a codebook. One subclass per encoding, in this folder, owns how it encodes, its
/// byte count, its plan payload, the arrays it emits and the code that decodes them — in .NET once, when the generated
/// class is first used, into a dense array (the binary keeps the small form, the kernels run at dense speed); in
/// nanoFramework, where RAM is short, one unit's row at a time through <see cref="WeightRows"/>. Kernels only ever see
/// dense rows: they never ask which encoding they got.
/// </summary>
public abstract class EncodedWeights
{
    protected EncodedWeights(int units, int depth)
    {
        if (units < 0 || depth < 0) throw new ArgumentOutOfRangeException(nameof(units), "A weight matrix has no negative side.");
        Units = units;
        Depth = depth;
    }

    public int Units { get; }
    public int Depth { get; }

    /// <summary>The plan file's tag for this encoding.</summary>
    public abstract WeightEncoding Encoding { get; }

    /// <summary>For reports: "dense", "bitmask", "index-delta", …</summary>
    public abstract string Name { get; }

    /// <summary>Bytes the generated code stores.</summary>
    public abstract int Bytes { get; }

    /// <summary>Distinct non-zero shared values of a clustered encoding; 0 otherwise.</summary>
    public virtual int ClusterCount => 0;

    /// <summary>The weights as a dense [units × depth] matrix, decoded by the very code the generated class runs.</summary>
    public abstract sbyte[] Decode();

    /// <summary>Bytes of decoded weights the .NET flavour holds in memory besides what it stores (0 when stored dense).</summary>
    public virtual int DecodedBytes => Units * Depth;

    /// <summary>Bytes of the one-row buffer the nanoFramework flavour decodes into (0 when rows are read where they are stored).</summary>
    public virtual int RowBufferBytes => Depth;

    /// <summary>The nanoFramework row buffer: <see cref="RowBufferBytes"/>, or a whole row when the weights are read from a resource.</summary>
    public int NanoRowBufferBytes(bool fromResource) => fromResource ? Depth : RowBufferBytes;

    /// <summary>The emitted block that decodes this encoding in .NET ("File" or "File#Block" for <see cref="KernelSources"/>); null for none.</summary>
    protected abstract string? DecoderBlock { get; }

    /// <summary>The emitted blocks generated .NET code needs for these weights.</summary>
    public IEnumerable<string> Helpers => DecoderBlock == null ? Array.Empty<string>() : new[] { DecoderBlock };

    /// <summary>The emitted blocks nanoFramework code needs: the row reader base and this encoding's reader.</summary>
    public IEnumerable<string> NanoHelpers => new[] { nameof(WeightRows) + "#Nano", NanoRowsBlock + "#Nano", nameof(RowDot) + "#Nano" };

    /// <summary>The file whose <c>// &lt;emit Nano&gt;</c> block holds this encoding's row reader: its own, unless it shares one.</summary>
    protected virtual string NanoRowsBlock => GetType().Name;

    /// <summary>
    /// The arrays this encoding stores (<see cref="EmitArrays"/>), named <paramref name="name"/> + a suffix; then, in
    /// .NET, <c>{name}Weights</c>: the dense weights (stored or decoded once); in nanoFramework <c>{name}Rows</c>, a
    /// <see cref="WeightRows"/> over the stored arrays.
    /// </summary>
    /// <param name="shape">How the weights' shape reads in comments; "[units × depth]" by default.</param>
    public void EmitData(CodeWriter code, string name, string? shape = null)
    {
        shape ??= $"[{Units} units × {Depth}]";
        if (code.Nano && code.Weights is { } resource)
        {
            // Dense in the resource whatever the encoding: rows are read from flash straight into the row buffer.
            int offset = resource.Add(Codegen.WeightBlob.LittleEndian(Decode()));
            code.ResourceWeightBytes += Bytes;
            code.Line($"/// <summary>The {shape} weights, dense at byte {offset} of the weight resource (in flash), read one unit at a time into a {Depth}-byte row buffer, counted in ScratchBytes.</summary>")
                .Line($"private static readonly WeightRows {name}Rows = new ResourceRows({Generation.NanoClassEmitter.WeightResourceReader}, offset: {offset}, depth: {Depth});");
            return;
        }
        EmitStoredArrays(code, name, shape);
        if (code.Nano)
        {
            code.Line($"/// <summary>The {shape} weights one unit at a time ({Name}{(RowBufferBytes > 0 ? $"; a {RowBufferBytes}-byte row buffer, counted in ScratchBytes" : "")}).</summary>")
                .Line($"private static readonly WeightRows {name}Rows = {NanoRows(name)};");
            return;
        }
        string? decode = Decoder(name);
        if (decode != null)
            code.Line($"/// <summary>The {shape} int8 weights, decoded once from the {Name} arrays above when the class is first used.</summary>")
                .Line($"private static readonly sbyte[] {name}Weights = {decode};");
    }

    /// <summary>Emits the arrays this encoding stores.</summary>
    protected abstract void EmitStoredArrays(CodeWriter code, string name, string shape);

    /// <summary>The .NET expression that decodes the stored arrays into a dense sbyte[]; null when they are the dense weights.</summary>
    protected abstract string? Decoder(string name);

    /// <summary>The nanoFramework row reader over these weights, as <see cref="NanoRows"/> makes it in generated code.</summary>
    public abstract WeightRows Rows();

    /// <summary>The nanoFramework expression that makes this encoding's <see cref="WeightRows"/>.</summary>
    protected abstract string NanoRows(string name);

    /// <summary>The encoding's own part of the plan file, after the tag, units and depth.</summary>
    protected abstract void WritePayload(PlanBinaryWriter w);

    public void Write(PlanBinaryWriter w)
    {
        w.Byte((byte)Encoding); w.Int(Units); w.Int(Depth);
        WritePayload(w);
    }

    /// <summary>Reads what <see cref="Write"/> wrote. A new encoding adds its line here.</summary>
    public static EncodedWeights Read(PlanBinaryReader r)
    {
        var encoding = (WeightEncoding)r.Byte();
        int units = r.Int(), depth = r.Int();
        return encoding switch
        {
            WeightEncoding.Dense => DenseWeights.Read(r, units, depth),
            WeightEncoding.Uniform => UniformWeights.Read(r, units, depth),
            WeightEncoding.Bitmask => BitmaskWeights.Read(r, units, depth),
            WeightEncoding.IndexDelta => IndexDeltaWeights.Read(r, units, depth),
            WeightEncoding.Clustered => ClusteredWeights.Read(r, units, depth),
            WeightEncoding.ClusteredBitmask => ClusteredBitmaskWeights.Read(r, units, depth),
            WeightEncoding.ClusteredIndexDelta => ClusteredIndexDeltaWeights.Read(r, units, depth),
            _ => throw new System.IO.InvalidDataException($"Unknown weight encoding {(int)encoding} in the plan."),
        };
    }

    public static EncodedWeights Dense(sbyte[] weights, int units, int depth) => new DenseWeights(weights, units, depth);

    /// <summary>
    /// The smallest encoding of <paramref name="weights"/> (ties go to the simpler one). With a
    /// <paramref name="codebook"/> (a clustered layer, whose every weight is 0 or a codebook value) only the clustered
    /// encodings are considered. A new encoding adds its candidate here.
    /// </summary>
    public static EncodedWeights Smallest(sbyte[] weights, int units, int depth, sbyte[]? codebook = null)
    {
        if (weights.Length != units * depth) throw new ArgumentException($"{weights.Length} weights are not {units} × {depth}.", nameof(weights));
        var candidates = codebook == null
            ? new EncodedWeights?[] { Dense(weights, units, depth), UniformWeights.Encode(weights, units, depth), BitmaskWeights.Encode(weights, units, depth), IndexDeltaWeights.Encode(weights, units, depth) }
            : new EncodedWeights?[] { ClusteredWeights.Encode(weights, units, depth, codebook), ClusteredBitmaskWeights.Encode(weights, units, depth, codebook), ClusteredIndexDeltaWeights.Encode(weights, units, depth, codebook) };
        return candidates.OfType<EncodedWeights>().OrderBy(c => c.Bytes).ThenBy(c => c.Encoding).First();
    }
}
