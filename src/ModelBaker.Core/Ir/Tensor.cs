using System;
using System.Linq;

namespace ModelBaker.Core.Ir;

/// <summary>
/// A row-major tensor with a known shape. Float32 data lives in <see cref="Floats"/>; every integer
/// type (and bool) is widened into <see cref="Int64s"/>, which is all the shape-computing ops need.
/// A uniform tensor (every element the same, as ConstantOfShape makes) keeps one value: its element array is only
/// built when something asks for it, so a model whose 100-million-element weights are one repeated value bakes
/// without holding them (<see cref="IsUniform"/>, <see cref="UniformFloat"/>).
/// </summary>
public sealed class Tensor
{
    private float[]? _floats;
    private long[]? _int64s;
    private readonly float _uniformFloat;
    private readonly long _uniformInt64;

    public ElementType Type { get; }
    public int[] Shape { get; }

    /// <summary>
    /// The ONNX type of data read from a model or data file that ModelBaker holds in a wider <see cref="Type"/> (int4 as
    /// Int8, float8e4m3fn as Float32 …; <see cref="NarrowTypes"/>), so that QuantizeLinear knows its zero point's type; else null.
    /// </summary>
    public ElementType? DeclaredType { get; private set; }

    /// <summary>This new tensor, marked as holding data of <paramref name="type"/> (the converter's, on tensors it just made).</summary>
    internal Tensor Declaring(ElementType type)
    {
        DeclaredType = type;
        return this;
    }

    /// <summary>The float elements (built on first use for a uniform tensor); null for integer tensors.</summary>
    public float[]? Floats => _floats ?? (IsUniform && Type == ElementType.Float32 ? _floats = Repeat(_uniformFloat) : null);

    /// <summary>The integer elements, widened (built on first use for a uniform tensor); null for float tensors.</summary>
    public long[]? Int64s => _int64s ?? (IsUniform && Type != ElementType.Float32 ? _int64s = Repeat(_uniformInt64) : null);

    /// <summary>Every element is the same value, stored once.</summary>
    public bool IsUniform { get; }

    private Tensor(ElementType type, int[] shape, float[]? floats, long[]? int64s)
    {
        int length = ShapeMath.Length(shape);
        int actual = floats?.Length ?? int64s!.Length;
        if (actual != length)
            throw new ArgumentException($"Tensor of shape [{string.Join(",", shape)}] needs {length} elements, got {actual}.");
        Type = type;
        Shape = shape;
        _floats = floats;
        _int64s = int64s;
    }

    private Tensor(ElementType type, int[] shape, float uniformFloat, long uniformInt64)
    {
        Type = type;
        Shape = shape;
        IsUniform = true;
        _uniformFloat = uniformFloat;
        _uniformInt64 = uniformInt64;
    }

    public static Tensor FromFloats(int[] shape, float[] data) => new(ElementType.Float32, shape, data, null);

    public static Tensor FromInt64s(int[] shape, long[] data, ElementType type = ElementType.Int64)
    {
        if (type == ElementType.Float32) throw new ArgumentException("Use FromFloats for float data.");
        return new Tensor(type, shape, null, data);
    }

    /// <summary>A float tensor of <paramref name="shape"/> whose elements are all <paramref name="value"/>, stored once.</summary>
    public static Tensor UniformFloats(int[] shape, float value) => new(ElementType.Float32, shape, value, 0L);

    /// <summary>An integer tensor of <paramref name="shape"/> whose elements are all <paramref name="value"/>, stored once.</summary>
    public static Tensor UniformInt64s(int[] shape, long value, ElementType type = ElementType.Int64)
    {
        if (type == ElementType.Float32) throw new ArgumentException("Use UniformFloats for float data.");
        return new Tensor(type, shape, 0f, value);
    }

    /// <summary>The one value of a uniform float tensor.</summary>
    public float UniformFloat => IsUniform && Type == ElementType.Float32 ? _uniformFloat
        : throw new InvalidOperationException($"{this} is not a uniform float tensor.");

    /// <summary>The one value of a uniform integer tensor.</summary>
    public long UniformInt64 => IsUniform && Type != ElementType.Float32 ? _uniformInt64
        : throw new InvalidOperationException($"{this} is not a uniform integer tensor.");

    public int Length => IsUniform ? ShapeMath.Length(Shape) : _floats?.Length ?? _int64s!.Length;

    /// <summary>The data as floats, converting integers when needed (for interpreters and calibration).</summary>
    public float[] AsFloats() => Floats ?? Int64s!.Select(v => (float)v).ToArray();

    private T[] Repeat<T>(T value)
    {
        var data = new T[ShapeMath.Length(Shape)];
        for (int i = 0; i < data.Length; i++) data[i] = value;
        return data;
    }

    public override string ToString() => $"{Type}[{string.Join(",", Shape)}]";
}
