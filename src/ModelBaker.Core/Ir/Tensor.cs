using System;
using System.Linq;

namespace ModelBaker.Core.Ir;

/// <summary>
/// A dense, row-major tensor with a known shape. Float32 data lives in <see cref="Floats"/>; every integer
/// type (and bool) is widened into <see cref="Int64s"/>, which is all the shape-computing ops need.
/// </summary>
public sealed class Tensor
{
    public ElementType Type { get; }
    public int[] Shape { get; }
    public float[]? Floats { get; }
    public long[]? Int64s { get; }

    private Tensor(ElementType type, int[] shape, float[]? floats, long[]? int64s)
    {
        int length = ShapeMath.Length(shape);
        int actual = floats?.Length ?? int64s!.Length;
        if (actual != length)
            throw new ArgumentException($"Tensor of shape [{string.Join(",", shape)}] needs {length} elements, got {actual}.");
        Type = type;
        Shape = shape;
        Floats = floats;
        Int64s = int64s;
    }

    public static Tensor FromFloats(int[] shape, float[] data) => new(ElementType.Float32, shape, data, null);

    public static Tensor FromInt64s(int[] shape, long[] data, ElementType type = ElementType.Int64)
    {
        if (type == ElementType.Float32) throw new ArgumentException("Use FromFloats for float data.");
        return new Tensor(type, shape, null, data);
    }

    public int Length => Floats?.Length ?? Int64s!.Length;

    /// <summary>The data as floats, converting integers when needed (for interpreters and calibration).</summary>
    public float[] AsFloats() => Floats ?? Int64s!.Select(v => (float)v).ToArray();

    public override string ToString() => $"{Type}[{string.Join(",", Shape)}]";
}
