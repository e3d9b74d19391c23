using System;
using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Plan;

/// <summary>The arenas of generated code: one span per element type, named and typed as below.</summary>
public static class Arenas
{
    /// <summary>Variable name of the arena of <paramref name="type"/> in generated code.</summary>
    public static string Name(ElementType type) => type switch
    {
        ElementType.Float32 => "floats",
        ElementType.Int8 => "int8s",
        ElementType.UInt8 => "uint8s",
        ElementType.Int32 => "int32s",
        ElementType.Int64 => "int64s",
        ElementType.Bool => "bools",
        ElementType.Int16 => "int16s",
        ElementType.UInt16 => "uint16s",
        ElementType.UInt32 => "uint32s",
        ElementType.UInt64 => "uint64s",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The C# element type.</summary>
    public static string CSharpType(ElementType type) => type switch
    {
        ElementType.Float32 => "float",
        ElementType.Int8 => "sbyte",
        ElementType.UInt8 => "byte",
        ElementType.Int32 => "int",
        ElementType.Int64 => "long",
        ElementType.Bool => "bool",
        ElementType.Int16 => "short",
        ElementType.UInt16 => "ushort",
        ElementType.UInt32 => "uint",
        ElementType.UInt64 => "ulong",
        ElementType.Double => "double", // plan inputs and outputs only (no arena)
        ElementType.Float16 => "ushort", // float16 bits, plan inputs and outputs only (HalfPrecision)
        // Plan inputs and outputs only: bfloat16 bits, float8 and float4 bits (one per byte), 4- and 2-bit integer values.
        ElementType.BFloat16 => "ushort",
        ElementType.Float8E4M3FN or ElementType.Float8E4M3FNUZ or ElementType.Float8E5M2 or ElementType.Float8E5M2FNUZ or ElementType.Float4E2M1
            or ElementType.Float8E8M0 => "byte",
        ElementType.Int4 or ElementType.Int2 => "sbyte",
        ElementType.UInt4 or ElementType.UInt2 => "byte",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>
    /// The type in a method name: the nanoFramework flavour has no generics, so its per-type kernels are named
    /// "CompareInt8", "SelectBool", … (distinct names, so a class keeps only those its steps call).
    /// </summary>
    public static string MethodSuffix(ElementType type) => type switch
    {
        ElementType.Float32 => "Float",
        ElementType.Int8 => "Int8",
        ElementType.UInt8 => "UInt8",
        ElementType.Int32 => "Int32",
        ElementType.Int64 => "Int64",
        ElementType.Bool => "Bool",
        ElementType.Int16 => "Int16",
        ElementType.UInt16 => "UInt16",
        ElementType.UInt32 => "UInt32",
        ElementType.UInt64 => "UInt64",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static int Size(ElementType type) => type switch
    {
        ElementType.Float32 or ElementType.Int32 or ElementType.UInt32 => 4,
        ElementType.Int64 or ElementType.UInt64 => 8,
        ElementType.Int16 or ElementType.UInt16 => 2,
        _ => 1,
    };
}
