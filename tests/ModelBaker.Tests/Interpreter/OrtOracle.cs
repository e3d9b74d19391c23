using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelBaker.Core.Interpreter;
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

    /// <summary>
    /// Whether ONNX Runtime's uint8 × int8 products are exact on this machine. On x64 without VNNI its u8s8 kernels
    /// multiply with <c>vpmaddubsw</c>, which saturates each pair of products at 32,767, so quantized models (QDQ,
    /// QLinearConv, QLinearMatMul, QGemm, ConvInteger) come out several steps from the ONNX specification's exact integer
    /// sums; ONNX Runtime's quantization tool offers reduce_range for those machines. Probed, not guessed from CPU flags:
    /// 255 · 127 + 255 · 127 = 64,770 through a QLinearMatMul whose output scale is 256 gives 253 when exact, 128 when
    /// saturated. Tests of quantized models compare with ONNX Runtime only where this holds, and otherwise with the
    /// float interpreter, which computes the specification's exact sums (and matches ONNX Runtime where it is exact).
    /// </summary>
    public static bool ExactInt8Products => ExactProducts.Value;

    private static readonly Lazy<bool> ExactProducts = new(() =>
    {
        static Tensor Scalar(float v) => Tensor.FromFloats(Array.Empty<int>(), new[] { v });
        static Tensor Zero(ElementType type) => Tensor.FromInt64s(Array.Empty<int>(), new[] { 0L }, type);
        var graph = new Operators.GraphBuilder(13).Input("x", new[] { 1, 2 })
            .Constant("one", Scalar(1f)).Constant("u8zero", Zero(ElementType.UInt8)).Constant("s8zero", Zero(ElementType.Int8))
            .Constant("b", Tensor.FromInt64s(new[] { 2, 1 }, new long[] { 127, 127 }, ElementType.Int8))
            .Constant("y_scale", Scalar(256f))
            .Node("QuantizeLinear", new[] { "x", "one", "u8zero" }, new[] { "xq" })
            .Node("QLinearMatMul", new[] { "xq", "one", "u8zero", "b", "one", "s8zero", "y_scale", "u8zero" }, new[] { "yq" })
            .Node("DequantizeLinear", new[] { "yq", "y_scale", "u8zero" }, new[] { "y" }).Output("y").Graph;
        float y = Run(graph, new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new[] { 1, 2 }, new[] { 255f, 255f }) })["y"].AsFloats()[0];
        return y == 253 * 256f;
    });

    /// <summary>
    /// The outputs of a quantized model as the ONNX specification defines them: ONNX Runtime's where its int8 products
    /// are exact (<see cref="ExactInt8Products"/>), else the float interpreter's, on a copy of the graph.
    /// </summary>
    public static Dictionary<string, Tensor> RunQuantized(Graph graph, IReadOnlyDictionary<string, Tensor> inputs)
    {
        if (ExactInt8Products) return Run(graph, inputs);
        var copy = OnnxModelReader.Load(OnnxModelWriter.ToBytes(graph), AppContext.BaseDirectory);
        ModelBaker.Core.Passes.ShapeInference.Run(copy);
        return FloatInterpreter.Run(copy, inputs).ToDictionary(kv => kv.Key, kv => kv.Value);
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
