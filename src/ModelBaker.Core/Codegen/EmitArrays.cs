using System;
using System.Collections.Generic;

namespace ModelBaker.Core.Codegen;

/// <summary>
/// Constant arrays in generated code as <c>ReadOnlySpan&lt;T&gt; Name =&gt; new T[] { … }</c> properties: the compiler
/// turns these into views of the assembly's data section (RuntimeHelpers.CreateSpan for wider types), so reading
/// them allocates nothing. When the plan stores its weights in a resource (<see cref="CodeWriter.Weights"/>), arrays of
/// <see cref="WeightBlob.MinArrayBytes"/> or more become spans of the class's one weight buffer instead, which the
/// compiler does not have to parse element by element.
/// </summary>
public static class EmitArrays
{
    public static void SBytes(CodeWriter code, string name, IReadOnlyList<sbyte> values, string comment) =>
        Emit(code, "sbyte", name, values, v => CodeWriter.Int(v), comment, perLine: 32);

    public static void Bytes(CodeWriter code, string name, IReadOnlyList<byte> values, string comment) =>
        Emit(code, "byte", name, values, v => CodeWriter.Int(v), comment, perLine: 32);

    public static void Shorts(CodeWriter code, string name, IReadOnlyList<short> values, string comment) =>
        Emit(code, "short", name, values, v => CodeWriter.Int(v), comment, perLine: 16);

    public static void UShorts(CodeWriter code, string name, IReadOnlyList<ushort> values, string comment) =>
        Emit(code, "ushort", name, values, v => CodeWriter.Int(v), comment, perLine: 16);

    public static void Ints(CodeWriter code, string name, IReadOnlyList<int> values, string comment) =>
        Emit(code, "int", name, values, CodeWriter.Int, comment, perLine: 16);

    public static void Longs(CodeWriter code, string name, IReadOnlyList<long> values, string comment) =>
        Emit(code, "long", name, values, v => v.ToString(System.Globalization.CultureInfo.InvariantCulture) + "L", comment, perLine: 8);

    public static void Floats(CodeWriter code, string name, IReadOnlyList<float> values, string comment) =>
        Emit(code, "float", name, values, CodeWriter.Float, comment, perLine: 8);

    /// <summary>
    /// A weighted int8 layer's biases: as 16-bit multiples of 2^k widened once when the class is first used, when they
    /// are that (<see cref="ShortBiasShift"/>; the generated class then holds an int array, built by
    /// WidenBias); otherwise as int32.
    /// </summary>
    public static void Bias(CodeWriter code, string name, int[] values, string comment)
    {
        int shift = ShortBiasShift(values);
        if (shift < 0)
        {
            Ints(code, name, values, comment);
            return;
        }
        code.Line($"/// <summary>{comment}; stored in 16 bits{(shift > 0 ? $" as multiples of 2^{shift}" : "")}.</summary>");
        code.Open($"private static readonly int[] {name} = WidenBias(new short[]");
        code.Elements(values, v => CodeWriter.Int(v >> shift), perLine: 16);
        code.Close($", shift: {shift});");
    }

    private static void Emit<T>(CodeWriter code, string type, string name, IReadOnlyList<T> values,
        System.Func<T, string> format, string comment, int perLine)
    {
        if (!code.Nano && FromResource(code, type, name, values as T[] ?? System.Linq.Enumerable.ToArray(values), comment)) return;
        code.Line($"/// <summary>{comment}.</summary>");
        if (code.Nano)
        {
            // nanoFramework has no spans: a field, built once when the class is first used (see docs/nanoframework.md
            // for where these bytes live on a device).
            if (values.Count == 0)
            {
                code.Line($"private static readonly {type}[] {name} = new {type}[0];");
                return;
            }
            code.Open($"private static readonly {type}[] {name} = new {type}[]");
            code.Elements(values, format, perLine);
            code.Close(";");
            return;
        }
        if (values.Count == 0)
        {
            code.Line($"private static ReadOnlySpan<{type}> {name} => default;");
            return;
        }
        code.Open($"private static ReadOnlySpan<{type}> {name} => new {type}[]");
        code.Elements(values, format, perLine);
        code.Close(";");
    }

    /// <summary>
    /// With resource storage, an array of <see cref="WeightBlob.MinArrayBytes"/> or more goes into the weight resource and
    /// becomes <c>ReadOnlySpan&lt;T&gt; Name =&gt; BakedWeights.Span&lt;T&gt;(offset, bytes)</c>: a view of the buffer the class
    /// reads once, no allocation per call. False (nothing written) otherwise.
    /// </summary>
    public static bool FromResource(CodeWriter code, string type, string name, Array values, string comment)
    {
        if (code.Weights is not { } blob || Buffer.ByteLength(values) < WeightBlob.MinArrayBytes) return false;
        var bytes = WeightBlob.LittleEndian(values);
        int offset = blob.Add(bytes);
        code.Line($"/// <summary>{comment}; {values.Length} values, {bytes.Length} bytes at {offset} in the weight resource.</summary>")
            .Line($"private static ReadOnlySpan<{type}> {name} => BakedWeights.Span<{type}>({offset}, {bytes.Length});");
        return true;
    }

    /// <summary>The k at which every bias is a short times 2^k (the smallest), or −1 when they need int32.</summary>
    public static int ShortBiasShift(int[] bias)
    {
        for (int k = 0; k <= 16; k++)
        {
            int step = 1 << k;
            if (Array.TrueForAll(bias, b => b % step == 0 && b / step >= short.MinValue && b / step <= short.MaxValue)) return k;
        }
        return -1;
    }
}
