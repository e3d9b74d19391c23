using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using Tensor = ModelBaker.Core.Ir.Tensor;

namespace ModelBaker.Tests.Interpreter;

/// <summary>
/// Runs a graph in ONNX Runtime (written with OnnxModelWriter) and compares results with ours: the
/// independent oracle for the reference kernels.
/// </summary>
internal static class OrtOracle
{
    /// <summary>Relative tolerance, absolute below 1: |ours - ort| ≤ 1e-5 · max(1, |ort|).</summary>
    public const double Tolerance = 1e-5;

    public static Dictionary<string, Tensor> Run(Graph graph, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var session = new InferenceSession(OnnxModelWriter.ToBytes(graph));
        var feeds = inputs.Select(kv => kv.Value.Type == ElementType.Int32
            ? NamedOnnxValue.CreateFromTensor(kv.Key, new DenseTensor<int>(kv.Value.Int64s!.Select(v => (int)v).ToArray(), kv.Value.Shape))
            : NamedOnnxValue.CreateFromTensor(kv.Key, new DenseTensor<float>(kv.Value.Floats!, kv.Value.Shape))).ToList();
        using var results = session.Run(feeds);
        var outputs = new Dictionary<string, Tensor>();
        foreach (var result in results)
        {
            switch (result.Value)
            {
                case Tensor<float> f:
                    outputs[result.Name] = Tensor.FromFloats(f.Dimensions.ToArray(), f.ToArray());
                    break;
                case Tensor<bool> b:
                    outputs[result.Name] = Tensor.FromInt64s(b.Dimensions.ToArray(), b.Select(v => v ? 1L : 0L).ToArray(), ElementType.Bool);
                    break;
                case Tensor<long> l:
                    outputs[result.Name] = Tensor.FromInt64s(l.Dimensions.ToArray(), l.ToArray());
                    break;
                default:
                    throw new NotSupportedException($"ORT output '{result.Name}' has an unexpected type {result.Value?.GetType()}.");
            }
        }
        return outputs;
    }

    /// <summary>Largest |ours - ort| / max(1, |ort|) over the elements; fails outright on shape or type differences.</summary>
    public static double MaxError(Tensor ort, Tensor ours, string what)
    {
        Assert.True(ort.Shape.SequenceEqual(ours.Shape),
            $"{what}: ORT shape {ShapeMath.Format(ort.Shape)}, ours {ShapeMath.Format(ours.Shape)}");
        Assert.Equal(ort.Type, ours.Type);
        if (ort.Int64s != null)
        {
            Assert.Equal(ort.Int64s, ours.Int64s);
            return 0;
        }
        double max = 0;
        for (int i = 0; i < ort.Length; i++)
        {
            double expected = ort.Floats![i], actual = ours.Floats![i];
            max = Math.Max(max, Math.Abs(actual - expected) / Math.Max(1, Math.Abs(expected)));
        }
        return max;
    }

    /// <summary>Every graph output of ours within <see cref="Tolerance"/> of ORT's; returns the worst error.</summary>
    public static double AssertMatches(Graph graph, IReadOnlyDictionary<string, Tensor> inputs,
        IReadOnlyDictionary<string, Tensor> ours, string context)
    {
        var ort = Run(graph, inputs);
        double worst = 0;
        foreach (string name in graph.Outputs)
        {
            double error = MaxError(ort[name], ours[name], $"{context}, output '{name}'");
            Assert.True(error <= Tolerance, $"{context}, output '{name}': relative error {error:E2} > {Tolerance:E0}");
            worst = Math.Max(worst, error);
        }
        return worst;
    }

    public static Tensor RandomTensor(Random rng, int[] shape, float scale = 1f) =>
        Tensor.FromFloats(shape, Enumerable.Range(0, ShapeMath.Length(shape))
            .Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray());
}
