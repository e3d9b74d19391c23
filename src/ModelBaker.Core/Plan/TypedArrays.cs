using System;
using System.Globalization;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Plan;

/// <summary>
/// Constant data of any arena element type (float[], sbyte[], byte[], int[], long[], bool[]) as the data-movement
/// kernels carry it: written to and read from plans with its type tag, and emitted as C# literals.
/// </summary>
public static class TypedArrays
{
    /// <summary>
    /// By the exact element type: the runtime lets a byte[] pass as sbyte[] (and the reverse) in type tests, so a
    /// pattern match on array types cannot tell them apart.
    /// </summary>
    public static ElementType TypeOf(Array values)
    {
        var element = values.GetType().GetElementType();
        if (element == typeof(float)) return ElementType.Float32;
        if (element == typeof(sbyte)) return ElementType.Int8;
        if (element == typeof(byte)) return ElementType.UInt8;
        if (element == typeof(int)) return ElementType.Int32;
        if (element == typeof(long)) return ElementType.Int64;
        if (element == typeof(bool)) return ElementType.Bool;
        if (element == typeof(short)) return ElementType.Int16;
        if (element == typeof(ushort)) return ElementType.UInt16;
        if (element == typeof(uint)) return ElementType.UInt32;
        if (element == typeof(ulong)) return ElementType.UInt64;
        throw new ArgumentException($"No arena element type for {values.GetType().Name}.");
    }

    /// <summary>The type tag, the length, then the elements (floats as float32, integers as int64, bools as bytes).</summary>
    public static void Write(PlanBinaryWriter w, Array values)
    {
        var type = TypeOf(values);
        w.Byte((byte)type);
        w.Int(values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            switch (values)
            {
                case float[] f: w.Float(f[i]); break;
                case bool[] b: w.Byte(b[i] ? (byte)1 : (byte)0); break;
                case ulong[] u: w.Long(unchecked((long)u[i])); break; // a long[] too: the same bits
                default: w.Long(Convert.ToInt64(values.GetValue(i), CultureInfo.InvariantCulture)); break;
            }
        }
    }

    public static Array Read(PlanBinaryReader r)
    {
        var type = (ElementType)r.Byte();
        int count = r.Int();
        if (count < 0 || count > 1 << 28) throw new System.IO.InvalidDataException($"Typed array of {count} elements.");
        var values = Array.CreateInstance(TensorArrays.ClrType(type), count);
        for (int i = 0; i < count; i++)
        {
            // By the tag, not by array patterns: the runtime lets an int[] pass as a uint[] (and so on) in type tests.
            switch (type)
            {
                case ElementType.Float32: ((float[])values)[i] = r.Float(); break;
                case ElementType.Bool: ((bool[])values)[i] = r.Byte() != 0; break;
                case ElementType.UInt8: ((byte[])values)[i] = (byte)r.Long(); break;
                case ElementType.Int8: ((sbyte[])values)[i] = (sbyte)r.Long(); break;
                case ElementType.Int32: ((int[])values)[i] = (int)r.Long(); break;
                case ElementType.Int64: ((long[])values)[i] = r.Long(); break;
                case ElementType.Int16: ((short[])values)[i] = (short)r.Long(); break;
                case ElementType.UInt16: ((ushort[])values)[i] = (ushort)r.Long(); break;
                case ElementType.UInt32: ((uint[])values)[i] = (uint)r.Long(); break;
                case ElementType.UInt64: ((ulong[])values)[i] = unchecked((ulong)r.Long()); break;
            }
        }
        return values;
    }

    /// <summary>A C# literal of element <paramref name="index"/> that parses back to exactly the same value.</summary>
    public static string Literal(Array values, int index) => TypeOf(values) switch
    {
        ElementType.Float32 => CodeWriter.Float(((float[])values)[index]),
        ElementType.Bool => ((bool[])values)[index] ? "true" : "false",
        ElementType.UInt8 => $"(byte){((byte[])values)[index].ToString(CultureInfo.InvariantCulture)}",
        ElementType.Int8 => $"(sbyte){((sbyte[])values)[index].ToString(CultureInfo.InvariantCulture)}",
        ElementType.Int32 => ((int[])values)[index] is var a && a == int.MinValue ? "int.MinValue" : a.ToString(CultureInfo.InvariantCulture),
        ElementType.Int64 => ((long[])values)[index] is var a && a == long.MinValue ? "long.MinValue" : a.ToString(CultureInfo.InvariantCulture) + "L",
        ElementType.Int16 => ((short[])values)[index] is var a && a == short.MinValue ? "short.MinValue" : a.ToString(CultureInfo.InvariantCulture),
        ElementType.UInt16 => ((ushort[])values)[index].ToString(CultureInfo.InvariantCulture),
        ElementType.UInt32 => ((uint[])values)[index].ToString(CultureInfo.InvariantCulture) + "U",
        ElementType.UInt64 => ((ulong[])values)[index].ToString(CultureInfo.InvariantCulture) + "UL",
        _ => throw new ArgumentException($"No literal for {values.GetType().Name}."),
    };

    /// <summary>
    /// Emits <c>ReadOnlySpan&lt;T&gt; Name =&gt; new T[] { … }</c> (no allocation at run time, see EmitArrays), or in the
    /// nanoFramework flavour, which has no spans, a <c>static readonly T[]</c> field.
    /// </summary>
    public static void Emit(CodeWriter code, string name, Array values, string comment)
    {
        string type = Arenas.CSharpType(TypeOf(values));
        if (!code.Nano && EmitArrays.FromResource(code, type, name, values, comment)) return;
        code.Line($"/// <summary>{comment}.</summary>");
        if (values.Length == 0)
        {
            code.Line(code.Nano ? $"private static readonly {type}[] {name} = new {type}[0];" : $"private static ReadOnlySpan<{type}> {name} => default;");
            return;
        }
        code.Open(code.Nano ? $"private static readonly {type}[] {name} = new {type}[]" : $"private static ReadOnlySpan<{type}> {name} => new {type}[]");
        code.Elements(Enumerable.Range(0, values.Length).ToArray(), i => Literal(values, i).Replace("(sbyte)", "").Replace("(byte)", ""), 16);
        code.Close(";");
    }
}
