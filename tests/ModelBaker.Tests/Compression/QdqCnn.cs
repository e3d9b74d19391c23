using ModelBaker.Core.Ir;
using ModelBaker.Tests.Operators;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Compression;

/// <summary>
/// A small CNN in the form onnxruntime.quantization.quantize_static(QuantFormat.QDQ) gives: every activation wrapped
/// in QuantizeLinear → DequantizeLinear (uint8 input with zero point 128, int8 elsewhere), int8 weights symmetric per
/// output channel behind DequantizeLinear, int32 biases at input scale × weight scale.
/// x [1,2,6,6] → Conv 3×3 pad 1 (4 channels) → Relu → Flatten → Gemm (transB, 10 units) → MatMul (10 × 5) → y [1,5].
/// </summary>
internal sealed class QdqCnn
{
    public const float InputScale = 2f / 255, ReluScale = 0.01f, GemmScale = 0.008f, OutputScale = 0.01f;
    public const int InputZeroPoint = 128, ReluZeroPoint = -128, GemmZeroPoint = 3, OutputZeroPoint = -2;

    public Graph Graph { get; }
    public sbyte[] ConvWeights { get; }
    public float[] ConvScales { get; }
    public sbyte[] GemmWeights { get; }
    public float[] GemmScales { get; }
    /// <summary>B of the MatMul, [10 × 5] as in the model.</summary>
    public sbyte[] MatMulWeights { get; }
    public float[] MatMulScales { get; }

    public QdqCnn(int seed, bool asymmetricConvWeights = false)
    {
        var rng = new Random(seed);
        float[] Uniform(int n, float limit) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * limit).ToArray();

        // Per-channel symmetric int8 weights: scale = max |w| / 127, as quantize_static computes them.
        (sbyte[] Q, float[] Scales) Quantize(float[] w, int channels, Func<int, int> channelOf)
        {
            var scales = new float[channels];
            for (int i = 0; i < w.Length; i++) scales[channelOf(i)] = Math.Max(scales[channelOf(i)], Math.Abs(w[i]) / 127f);
            return (w.Select((v, i) => (sbyte)Math.Round(v / scales[channelOf(i)])).ToArray(), scales);
        }
        (ConvWeights, ConvScales) = Quantize(Uniform(4 * 2 * 9, 0.3f), 4, i => i / 18);
        (GemmWeights, GemmScales) = Quantize(Uniform(10 * 144, 0.1f), 10, i => i / 144);
        (MatMulWeights, MatMulScales) = Quantize(Uniform(10 * 5, 0.5f), 5, i => i % 5);
        long[] Bias(float[] b, float inputScale, float[] weightScales) =>
            b.Select((v, i) => (long)Math.Round(v / (inputScale * weightScales[i]))).ToArray();
        var convBias = Bias(Uniform(4, 0.2f), InputScale, ConvScales);
        var gemmBias = Bias(Uniform(10, 0.1f), ReluScale, GemmScales);

        Tensor F(float[] v) => Tensor.FromFloats(new[] { v.Length }, v);
        Tensor Scalar(float v) => Tensor.FromFloats(Array.Empty<int>(), new[] { v });
        Tensor Zp(long v, ElementType type) => Tensor.FromInt64s(Array.Empty<int>(), new[] { v }, type);
        Tensor Int8s(sbyte[] v, int[] shape) => Tensor.FromInt64s(shape, v.Select(x => (long)x).ToArray(), ElementType.Int8);
        Attribute Axis(long axis) => GraphBuilder.Int("axis", axis);

        var b = new GraphBuilder(13).Input("x", 1, 2, 6, 6)
            .Constant("x_scale", Scalar(InputScale)).Constant("x_zp", Zp(InputZeroPoint, ElementType.UInt8))
            .Constant("r_scale", Scalar(ReluScale)).Constant("r_zp", Zp(ReluZeroPoint, ElementType.Int8))
            .Constant("g_scale", Scalar(GemmScale)).Constant("g_zp", Zp(GemmZeroPoint, ElementType.Int8))
            .Constant("y_scale", Scalar(OutputScale)).Constant("y_zp", Zp(OutputZeroPoint, ElementType.Int8))
            .Constant("w1_q", Int8s(ConvWeights, new[] { 4, 2, 3, 3 })).Constant("w1_scale", F(ConvScales))
            .Constant("w1_zp", Tensor.FromInt64s(new[] { 4 }, asymmetricConvWeights ? new long[] { 0, 1, 0, 0 } : new long[4], ElementType.Int8))
            .Constant("b1_q", Tensor.FromInt64s(new[] { 4 }, convBias, ElementType.Int32))
            .Constant("b1_scale", F(ConvScales.Select(s => InputScale * s).ToArray()))
            .Constant("w2_q", Int8s(GemmWeights, new[] { 10, 144 })).Constant("w2_scale", F(GemmScales))
            .Constant("b2_q", Tensor.FromInt64s(new[] { 10 }, gemmBias, ElementType.Int32))
            .Constant("b2_scale", F(GemmScales.Select(s => ReluScale * s).ToArray()))
            .Constant("w3_q", Int8s(MatMulWeights, new[] { 10, 5 })).Constant("w3_scale", F(MatMulScales));
        b.Node("QuantizeLinear", new[] { "x", "x_scale", "x_zp" }, new[] { "x_q" })
            .Node("DequantizeLinear", new[] { "x_q", "x_scale", "x_zp" }, new[] { "x_dq" })
            .Node("DequantizeLinear", new[] { "w1_q", "w1_scale", "w1_zp" }, new[] { "w1" }, Axis(0))
            .Node("DequantizeLinear", new[] { "b1_q", "b1_scale" }, new[] { "b1" }, Axis(0))
            .Node("Conv", new[] { "x_dq", "w1", "b1" }, new[] { "c1" }, new Attribute { Name = "pads", Kind = AttributeKind.Ints, Ints = new long[] { 1, 1, 1, 1 } })
            .Node("Relu", new[] { "c1" }, new[] { "r1" })
            .Node("QuantizeLinear", new[] { "r1", "r_scale", "r_zp" }, new[] { "r1_q" })
            .Node("DequantizeLinear", new[] { "r1_q", "r_scale", "r_zp" }, new[] { "r1_dq" })
            .Node("Flatten", new[] { "r1_dq" }, new[] { "f" })
            .Node("DequantizeLinear", new[] { "w2_q", "w2_scale" }, new[] { "w2" }, Axis(0))
            .Node("DequantizeLinear", new[] { "b2_q", "b2_scale" }, new[] { "b2" }, Axis(0))
            .Node("Gemm", new[] { "f", "w2", "b2" }, new[] { "g" }, GraphBuilder.Int("transB", 1))
            .Node("QuantizeLinear", new[] { "g", "g_scale", "g_zp" }, new[] { "g_q" })
            .Node("DequantizeLinear", new[] { "g_q", "g_scale", "g_zp" }, new[] { "g_dq" })
            .Node("DequantizeLinear", new[] { "w3_q", "w3_scale" }, new[] { "w3" }, Axis(1))
            .Node("MatMul", new[] { "g_dq", "w3" }, new[] { "m" })
            .Node("QuantizeLinear", new[] { "m", "y_scale", "y_zp" }, new[] { "m_q" })
            .Node("DequantizeLinear", new[] { "m_q", "y_scale", "y_zp" }, new[] { "y" })
            .Output("y");
        Graph = b.Graph;
        Graph["y"].Shape = new[] { 1, 5 };
    }
}
