using System;
using System.Linq;

namespace ModelBaker.Core.Ir;

/// <summary>Tensors as the typed arrays the plan interpreter and generated code take (float[], long[], sbyte[] …).</summary>
public static class TensorArrays
{
    public static Type ClrType(ElementType type) => type switch
    {
        ElementType.Float32 => typeof(float),
        ElementType.Int8 => typeof(sbyte),
        ElementType.UInt8 => typeof(byte),
        ElementType.Int32 => typeof(int),
        ElementType.Int64 => typeof(long),
        ElementType.Bool => typeof(bool),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The tensor's data as an array of <paramref name="type"/>'s CLR type.</summary>
    public static Array ToArray(Tensor tensor, ElementType type)
    {
        if (type == ElementType.Float32) return tensor.AsFloats();
        var values = tensor.Int64s ?? tensor.Floats!.Select(f => (long)f).ToArray();
        return type switch
        {
            ElementType.Int8 => values.Select(v => (sbyte)v).ToArray(),
            ElementType.UInt8 => values.Select(v => (byte)v).ToArray(),
            ElementType.Int32 => values.Select(v => (int)v).ToArray(),
            ElementType.Int64 => values,
            ElementType.Bool => values.Select(v => v != 0).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
        };
    }

    /// <summary>A typed array back into a tensor of the given shape.</summary>
    public static Tensor ToTensor(Array values, int[] shape) => values switch
    {
        float[] f => Tensor.FromFloats(shape, f),
        sbyte[] a => Tensor.FromInt64s(shape, a.Select(v => (long)v).ToArray(), ElementType.Int8),
        byte[] a => Tensor.FromInt64s(shape, a.Select(v => (long)v).ToArray(), ElementType.UInt8),
        int[] a => Tensor.FromInt64s(shape, a.Select(v => (long)v).ToArray(), ElementType.Int32),
        long[] a => Tensor.FromInt64s(shape, a, ElementType.Int64),
        bool[] a => Tensor.FromInt64s(shape, a.Select(v => v ? 1L : 0L).ToArray(), ElementType.Bool),
        _ => throw new ArgumentException($"No tensor type for {values.GetType().Name}."),
    };
}
