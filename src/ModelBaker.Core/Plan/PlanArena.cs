using System;
using System.Collections.Generic;
using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Plan;

/// <summary>The interpreter's arenas: one array per element type, sized by the plan.</summary>
public sealed class PlanArena
{
    public PlanArena(IReadOnlyDictionary<ElementType, int> lengths)
    {
        int Length(ElementType type) => lengths.TryGetValue(type, out int n) ? n : 0;
        Float = new float[Length(ElementType.Float32)];
        Int8 = new sbyte[Length(ElementType.Int8)];
        UInt8 = new byte[Length(ElementType.UInt8)];
        Int32 = new int[Length(ElementType.Int32)];
        Int64 = new long[Length(ElementType.Int64)];
        Bool = new bool[Length(ElementType.Bool)];
        Int16 = new short[Length(ElementType.Int16)];
        UInt16 = new ushort[Length(ElementType.UInt16)];
        UInt32 = new uint[Length(ElementType.UInt32)];
        UInt64 = new ulong[Length(ElementType.UInt64)];
    }

    public float[] Float { get; }
    public sbyte[] Int8 { get; }
    public byte[] UInt8 { get; }
    public int[] Int32 { get; }
    public long[] Int64 { get; }
    public bool[] Bool { get; }
    public short[] Int16 { get; }
    public ushort[] UInt16 { get; }
    public uint[] UInt32 { get; }
    public ulong[] UInt64 { get; }

    public Span<float> Floats(ArenaSlice s) => Of<float>(s);
    public Span<sbyte> Int8s(ArenaSlice s) => Of<sbyte>(s);

    /// <summary>The slice as a span of its element type (T must match the slice's type).</summary>
    public Span<T> Of<T>(ArenaSlice s)
    {
        var array = Array(s.Type);
        // Checked on the exact type: the runtime would let a byte[] pass as sbyte[] and the reverse.
        if (array.GetType().GetElementType() != typeof(T))
            throw new InvalidOperationException($"Slice '{s.TensorName}' is {s.Type}, not {typeof(T).Name}.");
        return new((T[])array, s.Offset, s.Length);
    }

    /// <summary>The whole arena of one element type.</summary>
    public Array Array(ElementType type) => type switch
    {
        ElementType.Float32 => Float,
        ElementType.Int8 => Int8,
        ElementType.UInt8 => UInt8,
        ElementType.Int32 => Int32,
        ElementType.Int64 => Int64,
        ElementType.Bool => Bool,
        ElementType.Int16 => Int16,
        ElementType.UInt16 => UInt16,
        ElementType.UInt32 => UInt32,
        ElementType.UInt64 => UInt64,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
