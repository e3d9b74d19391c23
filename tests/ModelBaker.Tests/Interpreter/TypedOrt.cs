using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using Tensor = ModelBaker.Core.Ir.Tensor;

namespace ModelBaker.Tests.Interpreter;

/// <summary>
/// ONNX Runtime on graphs whose inputs and outputs may be of any element type ModelBaker carries (float32, int8,
/// uint8, int32, int64, bool): the oracle for the data-movement and shape operators.
/// </summary>
internal static class TypedOrt
{
    public static Dictionary<string, Tensor> Run(Graph graph, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var session = new InferenceSession(OnnxModelWriter.ToBytes(graph));
        var feeds = inputs.Select(kv => Feed(kv.Key, kv.Value)).ToList();
        using var results = session.Run(feeds);
        return results.ToDictionary(r => r.Name, r => Read(r.Value, r.Name));
    }

    private static NamedOnnxValue Feed(string name, Tensor t) => TensorArrays.ToArray(t, t.Type) switch
    {
        float[] a => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(a, t.Shape)),
        byte[] a when t.Type == ElementType.UInt8 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<byte>(a, t.Shape)),
        sbyte[] a => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<sbyte>(a, t.Shape)),
        int[] a => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<int>(a, t.Shape)),
        long[] a => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(a, t.Shape)),
        bool[] a => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<bool>(a, t.Shape)),
        _ => throw new NotSupportedException(t.Type.ToString()),
    };

    private static Tensor Read(object? value, string name) => value switch
    {
        Tensor<float> f => Tensor.FromFloats(f.Dimensions.ToArray(), f.ToArray()),
        Tensor<sbyte> a => Tensor.FromInt64s(a.Dimensions.ToArray(), a.Select(v => (long)v).ToArray(), ElementType.Int8),
        Tensor<byte> a => Tensor.FromInt64s(a.Dimensions.ToArray(), a.Select(v => (long)v).ToArray(), ElementType.UInt8),
        Tensor<int> a => TensorArrays.ToTensor(a.ToArray(), a.Dimensions.ToArray()),
        Tensor<long> a => TensorArrays.ToTensor(a.ToArray(), a.Dimensions.ToArray()),
        Tensor<bool> a => TensorArrays.ToTensor(a.ToArray(), a.Dimensions.ToArray()),
        _ => throw new NotSupportedException($"ORT output '{name}' has an unexpected type {value?.GetType()}."),
    };

    /// <summary>Random data of any type: floats in [−scale, scale], integers over a small signed (or unsigned) range.</summary>
    public static Tensor Random(Random rng, ElementType type, int[] shape, float scale = 3f)
    {
        int length = ShapeMath.Length(shape);
        if (type == ElementType.Float32)
            return Tensor.FromFloats(shape, Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray());
        long Next() => type switch
        {
            ElementType.Bool => rng.Next(2),
            ElementType.UInt8 => rng.Next(256),
            ElementType.Int8 => rng.Next(-128, 128),
            _ => rng.Next(-1000, 1000),
        };
        return Tensor.FromInt64s(shape, Enumerable.Range(0, length).Select(_ => Next()).ToArray(), type);
    }
}
