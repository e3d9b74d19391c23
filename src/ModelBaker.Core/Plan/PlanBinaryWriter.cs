using System;
using System.IO;
using System.Text;

namespace ModelBaker.Core.Plan;

/// <summary>Little-endian primitives of the plan format (docs/plan-format.md).</summary>
public sealed class PlanBinaryWriter : IDisposable
{
    private readonly BinaryWriter _writer;

    public PlanBinaryWriter(Stream stream) => _writer = new BinaryWriter(stream, new UTF8Encoding(false), leaveOpen: true);

    public void Byte(byte value) => _writer.Write(value);
    public void Int(int value) => _writer.Write(value);
    public void Double(double value) => _writer.Write(value);
    public void Long(long value) => _writer.Write(value);
    public void Float(float value) => _writer.Write(value);
    public void String(string value) => _writer.Write(value); // 7-bit encoded length, then UTF-8

    public void Slice(ArenaSlice slice)
    {
        String(slice.TensorName);
        Byte((byte)slice.Type);
        Int(slice.Offset);
        Int(slice.Length);
        Byte(slice.Shape != null ? (byte)1 : (byte)0);
        if (slice.Shape != null) Ints(slice.Shape);
    }

    /// <summary>An optional slice: 0 absent, 1 then the slice.</summary>
    public void OptionalSlice(ArenaSlice? slice)
    {
        Byte(slice != null ? (byte)1 : (byte)0);
        if (slice != null) Slice(slice);
    }

    /// <summary>An optional operand: 0 absent, 1 a slice, 2 baked-in data (written by <paramref name="data"/>).</summary>
    public void OptionalOperand<T>(Operand<T>? operand, Action<T[]> data)
    {
        Byte((byte)(operand == null ? 0 : operand.Slice != null ? 1 : 2));
        if (operand?.Slice != null) Slice(operand.Slice);
        else if (operand != null) data(operand.Constant!);
    }

    public void Ints(int[] values)
    {
        Int(values.Length);
        foreach (int v in values) _writer.Write(v);
    }

    public void Floats(float[] values)
    {
        Int(values.Length);
        foreach (float v in values) _writer.Write(v);
    }

    public void Bytes(byte[] values)
    {
        Int(values.Length);
        _writer.Write(values);
    }

    public void SBytes(sbyte[] values)
    {
        Int(values.Length);
        foreach (sbyte v in values) _writer.Write(v);
    }

    public void Dispose() => _writer.Dispose();
}
