using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace ModelBaker.Core.Plan;

/// <summary>Reads what <see cref="PlanBinaryWriter"/> wrote; every length is checked against the bytes left.</summary>
public sealed class PlanBinaryReader : IDisposable
{
    private readonly BinaryReader _reader;
    private readonly Dictionary<(string, ModelBaker.Core.Ir.ElementType, int, int), ArenaSlice> _slices = new();

    public PlanBinaryReader(Stream stream) => _reader = new BinaryReader(stream, new UTF8Encoding(false), leaveOpen: true);

    public byte Byte() => _reader.ReadByte();
    public int Int() => _reader.ReadInt32();
    public double Double() => _reader.ReadDouble();
    public long Long() => _reader.ReadInt64();
    public float Float() => _reader.ReadSingle();
    public string String() => _reader.ReadString();

    /// <summary>An optional slice as <see cref="PlanBinaryWriter.OptionalSlice"/> wrote it.</summary>
    public ArenaSlice? OptionalSlice() => Byte() == 1 ? Slice() : null;

    /// <summary>An optional operand as <see cref="PlanBinaryWriter.OptionalOperand{T}"/> wrote it.</summary>
    public Operand<T>? OptionalOperand<T>(Func<T[]> data) => Byte() switch
    {
        0 => null,
        1 => new Operand<T>(Slice(), null, System.Array.Empty<int>()),
        _ => new Operand<T>(null, data(), System.Array.Empty<int>()),
    };

    public ArenaSlice Slice()
    {
        string name = String();
        var type = (ModelBaker.Core.Ir.ElementType)Byte();
        int offset = Int();
        int length = Int();
        int[]? shape = Byte() == 1 ? Ints() : null;
        // One instance per tensor, as in the plan that was written: the memory planner's lifetimes (the arena's lower
        // bound in the generated comment) follow instances, and a tensor read by a later step must be the one written.
        if (_slices.TryGetValue((name, type, offset, length), out var known)) return known;
        return _slices[(name, type, offset, length)] = new ArenaSlice(name, type, length, offset, shape);
    }

    public int[] Ints()
    {
        var values = new int[Count(4)];
        for (int i = 0; i < values.Length; i++) values[i] = _reader.ReadInt32();
        return values;
    }

    public float[] Floats()
    {
        var values = new float[Count(4)];
        for (int i = 0; i < values.Length; i++) values[i] = _reader.ReadSingle();
        return values;
    }

    public byte[] Bytes() => _reader.ReadBytes(Count(1));

    public sbyte[] SBytes()
    {
        var values = new sbyte[Count(1)];
        for (int i = 0; i < values.Length; i++) values[i] = _reader.ReadSByte();
        return values;
    }

    private int Count(int elementSize)
    {
        int count = _reader.ReadInt32();
        long left = _reader.BaseStream.Length - _reader.BaseStream.Position;
        if (count < 0 || (long)count * elementSize > left)
            throw new InvalidDataException($"Array of {count} elements does not fit in the {left} bytes left in the plan.");
        return count;
    }

    public void Dispose() => _reader.Dispose();
}
