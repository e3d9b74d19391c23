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
        ElementType.Int16 => typeof(short),
        ElementType.UInt16 => typeof(ushort),
        ElementType.UInt32 => typeof(uint),
        ElementType.UInt64 => typeof(ulong),
        ElementType.Double => typeof(double),
        ElementType.Float16 or ElementType.BFloat16 => typeof(ushort), // float16 and bfloat16 bits (HalfPrecision, SmallFloats)
        var t when NarrowTypes.Format(t) != null => typeof(byte), // float8 and float4 bits, one per byte
        var t when NarrowTypes.IsNarrow(t) => ClrType(NarrowTypes.ComputeType(t)), // int4 and int2 as sbyte, uint4 and uint2 as byte
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The tensor's data as an array of <paramref name="type"/>'s CLR type.</summary>
    public static Array ToArray(Tensor tensor, ElementType type)
    {
        if (type == ElementType.Float32) return tensor.AsFloats();
        if (type == ElementType.Double) return tensor.AsFloats().Select(f => (double)f).ToArray();
        if (type == ElementType.Float16) return tensor.AsFloats().Select(HalfPrecision.FloatToHalf).ToArray();
        if (type == ElementType.BFloat16) return tensor.AsFloats().Select(f => (ushort)NarrowTypes.Encode(type, f, saturate: false)).ToArray();
        if (NarrowTypes.Format(type) != null) return tensor.AsFloats().Select(f => (byte)NarrowTypes.Encode(type, f, saturate: false)).ToArray();
        if (NarrowTypes.IsNarrow(type)) type = NarrowTypes.ComputeType(type);
        var values = tensor.Int64s ?? tensor.Floats!.Select(f => (long)f).ToArray();
        return type switch
        {
            ElementType.Int8 => values.Select(v => (sbyte)v).ToArray(),
            ElementType.UInt8 => values.Select(v => (byte)v).ToArray(),
            ElementType.Int32 => values.Select(v => (int)v).ToArray(),
            ElementType.Int64 => values,
            ElementType.Bool => values.Select(v => v != 0).ToArray(),
            ElementType.Int16 => values.Select(v => unchecked((short)v)).ToArray(),
            ElementType.UInt16 => values.Select(v => unchecked((ushort)v)).ToArray(),
            ElementType.UInt32 => values.Select(v => unchecked((uint)v)).ToArray(),
            ElementType.UInt64 => values.Select(v => unchecked((ulong)v)).ToArray(),
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
        };
    }

    /// <summary>A typed array back into a tensor of the given shape.</summary>
    public static Tensor ToTensor(Array values, int[] shape)
    {
        // Switch on the exact element type: the runtime lets a byte[] match an sbyte[] pattern and the reverse.
        var type = values.GetType().GetElementType();
        if (type == typeof(float)) return Tensor.FromFloats(shape, (float[])values);
        if (type == typeof(long)) return Tensor.FromInt64s(shape, (long[])values, ElementType.Int64);
        // uint64 keeps its bits in the int64 (values of 2^63 and above read as negative), as the IR does everywhere.
        if (type == typeof(ulong)) return Tensor.FromInt64s(shape, ((ulong[])values).Select(v => unchecked((long)v)).ToArray(), ElementType.UInt64);
        var widened = new long[values.Length];
        for (int i = 0; i < widened.Length; i++)
            widened[i] = type == typeof(bool) ? ((bool)values.GetValue(i)! ? 1 : 0) : System.Convert.ToInt64(values.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
        if (type == typeof(sbyte)) return Tensor.FromInt64s(shape, widened, ElementType.Int8);
        if (type == typeof(byte)) return Tensor.FromInt64s(shape, widened, ElementType.UInt8);
        if (type == typeof(int)) return Tensor.FromInt64s(shape, widened, ElementType.Int32);
        if (type == typeof(bool)) return Tensor.FromInt64s(shape, widened, ElementType.Bool);
        if (type == typeof(short)) return Tensor.FromInt64s(shape, widened, ElementType.Int16);
        if (type == typeof(ushort)) return Tensor.FromInt64s(shape, widened, ElementType.UInt16);
        if (type == typeof(uint)) return Tensor.FromInt64s(shape, widened, ElementType.UInt32);
        throw new ArgumentException($"No tensor type for {values.GetType().Name}.");
    }
}
