using ModelBaker.Core.Codegen;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using Attribute = ModelBaker.Core.Ir.Attribute;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Interpreter;

/// <summary>
/// QuantizeLinear, DequantizeLinear, ConvInteger, MatMulInteger, QLinearConv and QLinearMatMul one at a time against
/// ONNX Runtime on their own integer tensors (fixed seeds): the inferred type and shape, the reference (FloatInterpreter)
/// and the baked float plan. Exact, except that ONNX Runtime requantizes QLinear* in float32 where the ONNX reference
/// (and ModelBaker) multiplies in float64, which may move a value sitting near a rounding tie by one.
/// </summary>
public class QuantizedOperatorOracleTests
{
    private static Attribute Int(string name, long value) => GraphBuilder.Int(name, value);
    private static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };
    private static Tensor Scalar(float v) => Tensor.FromFloats(Array.Empty<int>(), new[] { v });
    private static Tensor Floats(params float[] v) => Tensor.FromFloats(new[] { v.Length }, v);
    private static Tensor Zp(ElementType type, params long[] v) =>
        Tensor.FromInt64s(v.Length == 1 ? Array.Empty<int>() : new[] { v.Length }, v, type);
    private static Tensor Random(ElementType type, int seed, params int[] shape) => TypedOrt.Random(new Random(seed), type, shape);

    private static void Check(string opType, Tensor x, Tensor?[] constants, Attribute[] attributes, long opset = 13, int tolerance = 0)
    {
        Graph Build()
        {
            var b = new GraphBuilder(opset).Input("x", x.Type, x.Shape);
            var inputs = new List<string> { "x" };
            for (int i = 0; i < constants.Length; i++)
            {
                if (constants[i] == null) { inputs.Add(""); continue; }
                b.Constant("c" + i, constants[i]!);
                inputs.Add("c" + i);
            }
            return b.Node(opType, inputs.ToArray(), new[] { "y" }, attributes).Output("y").Graph;
        }
        string context = $"{opType} opset {opset} {x.Type}{ShapeMath.Format(x.Shape)} " +
                         string.Join(" ", attributes.Select(a => $"{a.Name}={(a.Ints != null ? "[" + string.Join(",", a.Ints) + "]" : a.Int.ToString())}"));
        var feeds = new Dictionary<string, Tensor> { ["x"] = x };
        var graph = Build();
        ShapeInference.Run(graph);
        var forOrt = Build();
        forOrt["y"].Type = graph["y"].Type;
        var expected = TypedOrt.Run(forOrt, feeds)["y"];
        Assert.True(expected.Shape.SequenceEqual(graph["y"].Shape!), $"{context}: inferred {ShapeMath.Format(graph["y"].Shape!)}, ORT {ShapeMath.Format(expected.Shape)}");
        Assert.Equal(expected.Type, graph["y"].Type);

        var reference = FloatInterpreter.Run(graph, feeds)["y"];
        // uint8 × int8 products: ONNX Runtime saturates pairs of them on x64 without VNNI (OrtOracle.ExactInt8Products),
        // so there the specification's exact sums (the reference) are what the plan must give.
        bool ortSaturates = !OrtOracle.ExactInt8Products && x.Type == ElementType.UInt8 && constants.Any(c => c?.Type == ElementType.Int8);
        if (ortSaturates) expected = reference;
        AssertClose(expected, reference, tolerance, context + " (reference)");
        var plan = Baker.Bake(Build(), "test", new BakeOptions("model.onnx", "Model", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var output = PlanInterpreter.RunTensors(plan, new[] { TensorArrays.ToArray(x, x.Type) })[0];
        var baked = output is float[] f ? Tensor.FromFloats(expected.Shape, f)
            : Tensor.FromInt64s(expected.Shape, Enumerable.Range(0, output.Length).Select(i => Convert.ToInt64(output.GetValue(i))).ToArray(), expected.Type);
        AssertClose(reference, baked, 0, context + " (baked plan vs reference)");
    }

    private static void AssertClose(Tensor expected, Tensor actual, int tolerance, string context)
    {
        Assert.True(expected.Type == actual.Type, $"{context}: type {actual.Type}, expected {expected.Type}");
        if (expected.Floats != null)
        {
            Assert.True(expected.Floats.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual.Floats!.Select(BitConverter.SingleToInt32Bits)),
                $"{context}: [{string.Join(",", actual.Floats!)}] vs [{string.Join(",", expected.Floats)}]");
            return;
        }
        var differences = expected.Int64s!.Zip(actual.Int64s!, (e, a) => Math.Abs(e - a)).ToList();
        Assert.True(differences.Max() <= tolerance && differences.Count(d => d > 0) <= Math.Max(tolerance, differences.Count / 20 * tolerance),
            $"{context}: [{string.Join(",", actual.Int64s!)}] vs [{string.Join(",", expected.Int64s!)}]");
    }

    [Fact]
    public void QuantizeLinear_rounds_half_to_even_and_saturates()
    {
        var ties = Tensor.FromFloats(new[] { 12 }, new[] { -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, 1000f, -1000f, 0f, 0.49999997f, 126.5f });
        Check("QuantizeLinear", ties, new[] { Scalar(1f), Zp(ElementType.Int8, 1) }, Array.Empty<Attribute>());
        Check("QuantizeLinear", ties, new[] { Scalar(0.5f), Zp(ElementType.UInt8, 128) }, Array.Empty<Attribute>());
        Check("QuantizeLinear", ties, new Tensor?[] { Scalar(1f) }, Array.Empty<Attribute>(), opset: 10); // no zero point: uint8, 0
    }

    [Theory]
    [InlineData(ElementType.Int8, 1)]
    [InlineData(ElementType.UInt8, -1)]
    [InlineData(ElementType.Int8, 0)]
    public void QuantizeLinear_per_axis(ElementType type, int axis)
    {
        var x = Random(ElementType.Float32, 4, 2, 3, 4);
        int length = new[] { 2, 3, 4 }[(axis + 3) % 3];
        var scales = Floats(Enumerable.Range(0, length).Select(i => 0.01f + 0.013f * i).ToArray());
        var zeroPoints = Tensor.FromInt64s(new[] { length }, Enumerable.Range(0, length).Select(i => (long)(type == ElementType.Int8 ? i - 1 : 120 + i)).ToArray(), type);
        Check("QuantizeLinear", x, new[] { scales, zeroPoints }, new[] { Int("axis", axis) });
    }

    [Fact]
    public void QuantizeLinear_blocked()
    {
        var x = Random(ElementType.Float32, 5, 3, 4);
        var scales = Tensor.FromFloats(new[] { 3, 2 }, new[] { 0.02f, 0.03f, 0.05f, 0.01f, 0.04f, 0.07f });
        var zeroPoints = Tensor.FromInt64s(new[] { 3, 2 }, new long[] { 0, 1, -3, 5, 2, -1 }, ElementType.Int8);
        Check("QuantizeLinear", x, new[] { scales, zeroPoints }, new[] { Int("axis", 1), Int("block_size", 2) }, opset: 21);
    }

    [Theory]
    [InlineData(ElementType.Int8)]
    [InlineData(ElementType.UInt8)]
    public void DequantizeLinear_per_tensor_and_per_axis(ElementType type)
    {
        var x = Random(type, 6, 2, 3, 4);
        Check("DequantizeLinear", x, new[] { Scalar(0.037f), Zp(type, type == ElementType.Int8 ? -3 : 131) }, Array.Empty<Attribute>());
        var zeroPoints = Tensor.FromInt64s(new[] { 3 }, type == ElementType.Int8 ? new long[] { 0, -7, 12 } : new long[] { 128, 0, 255 }, type);
        Check("DequantizeLinear", x, new[] { Floats(0.5f, 0.01f, 3f), zeroPoints }, new[] { Int("axis", 1) });
    }

    [Fact]
    public void DequantizeLinear_of_int32()
    {
        var x = Random(ElementType.Int32, 7, 10);
        Check("DequantizeLinear", x, new Tensor?[] { Scalar(0.00123f) }, Array.Empty<Attribute>());
    }

    [Theory]
    [InlineData(ElementType.UInt8, ElementType.UInt8)]
    [InlineData(ElementType.UInt8, ElementType.Int8)]
    public void ConvInteger(ElementType xType, ElementType wType)
    {
        var x = Random(xType, 8, 1, 4, 6, 5);
        var w = Random(wType, 9, 6, 2, 3, 3);
        Check("ConvInteger", x, new[] { w, Zp(xType, xType == ElementType.UInt8 ? 131 : -2), Zp(wType, wType == ElementType.UInt8 ? 120 : 3) },
            new[] { Int("group", 2), Ints("pads", 1, 0, 2, 1), Ints("strides", 2, 1) });
        Check("ConvInteger", x, new Tensor?[] { Random(wType, 19, 3, 4, 3, 2) }, new[] { Ints("dilations", 2, 1), Ints("pads", 1, 1, 1, 1) });
    }

    [Theory]
    [InlineData(ElementType.UInt8, ElementType.UInt8)]
    [InlineData(ElementType.Int8, ElementType.Int8)]
    [InlineData(ElementType.UInt8, ElementType.Int8)]
    public void MatMulInteger(ElementType aType, ElementType bType)
    {
        var a = Random(aType, 10, 2, 3, 4);
        var b = Random(bType, 11, 4, 5);
        long bZero = bType == ElementType.UInt8 ? 100 : -4;
        Check("MatMulInteger", a, new[] { b, Zp(aType, aType == ElementType.UInt8 ? 129 : 5), Zp(bType, bZero) }, Array.Empty<Attribute>());
        var perColumn = Tensor.FromInt64s(new[] { 5 }, Enumerable.Range(0, 5).Select(i => bZero + i).ToArray(), bType);
        Check("MatMulInteger", a, new Tensor?[] { b, null, perColumn }, Array.Empty<Attribute>());
        Check("MatMulInteger", a, new[] { Random(bType, 12, 2, 4, 3) }, Array.Empty<Attribute>()); // a batch of B matrices
    }

    [Fact]
    public void QLinearConv_uint8_per_tensor_with_bias()
    {
        var x = Random(ElementType.UInt8, 13, 1, 4, 7, 6);
        var w = Random(ElementType.UInt8, 14, 4, 2, 3, 3);
        var bias = Tensor.FromInt64s(new[] { 4 }, new long[] { -400, 0, 250, 1234 }, ElementType.Int32);
        Check("QLinearConv", x, new[] { Scalar(0.02f), Zp(ElementType.UInt8, 130), w, Scalar(0.004f), Zp(ElementType.UInt8, 127),
            Scalar(0.3f), Zp(ElementType.UInt8, 120), bias }, new[] { Int("group", 2), Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2) }, tolerance: 1);
    }

    [Fact]
    public void QLinearConv_int8_per_channel()
    {
        var x = Random(ElementType.Int8, 15, 1, 3, 5, 5);
        var w = Random(ElementType.Int8, 16, 4, 3, 2, 2);
        Check("QLinearConv", x, new[] { Scalar(0.05f), Zp(ElementType.Int8, -5), w, Floats(0.003f, 0.0021f, 0.0017f, 0.004f),
            Tensor.FromInt64s(new[] { 4 }, new long[4], ElementType.Int8), Scalar(0.9f), Zp(ElementType.Int8, 7) },
            new[] { Ints("pads", 0, 1, 1, 0) }, tolerance: 1);
    }

    [Theory]
    [InlineData(ElementType.UInt8)]
    [InlineData(ElementType.Int8)]
    public void QLinearMatMul(ElementType type)
    {
        var a = Random(type, 17, 2, 3, 6);
        var b = Random(type, 18, 6, 4);
        long zero = type == ElementType.UInt8 ? 128 : 0;
        Check("QLinearMatMul", a, new[] { Scalar(0.02f), Zp(type, zero + 3), b, Scalar(0.01f), Zp(type, zero - 2), Scalar(0.05f), Zp(type, zero + 1) },
            Array.Empty<Attribute>(), tolerance: 1);
    }

    /// <summary>
    /// Float inputs and outputs around the integer steps, so the generated class (float Predict) runs every new kernel:
    /// it must equal the plan interpreter bit for bit.
    /// </summary>
    [Fact]
    public void Generated_code_of_the_integer_steps_matches_the_interpreter_bit_for_bit()
    {
        var w = Random(ElementType.Int8, 20, 3, 2, 3, 3);
        var b = Random(ElementType.UInt8, 21, 30, 4);
        var graph = new GraphBuilder(13).Input("x", 1, 2, 5, 5)
            .Constant("xs", Floats(0.02f, 0.03f)).Constant("xz", Tensor.FromInt64s(new[] { 2 }, new long[] { -3, 4 }, ElementType.Int8))
            .Constant("s", Scalar(0.02f)).Constant("z8", Zp(ElementType.Int8, -3)).Constant("w", w).Constant("ws", Floats(0.01f, 0.02f, 0.015f))
            .Constant("wz", Tensor.FromInt64s(new[] { 3 }, new long[3], ElementType.Int8)).Constant("ys", Scalar(0.1f)).Constant("yz", Zp(ElementType.Int8, 2))
            .Constant("shape", Tensor.FromInt64s(new[] { 2 }, new long[] { 1, 50 }))
            .Constant("uz", Zp(ElementType.UInt8, 128)).Constant("b", b).Constant("bz", Zp(ElementType.UInt8, 120))
            .Node("QuantizeLinear", new[] { "x", "xs", "xz" }, new[] { "xq" }, Int("axis", 1))
            .Node("DequantizeLinear", new[] { "xq", "xs", "xz" }, new[] { "xd" }, Int("axis", 1))
            .Node("QuantizeLinear", new[] { "xd", "s", "z8" }, new[] { "q" })
            .Node("QLinearConv", new[] { "q", "s", "z8", "w", "ws", "wz", "ys", "yz" }, new[] { "c" }, Ints("pads", 1, 1, 1, 1))
            .Node("DequantizeLinear", new[] { "c", "ys", "yz" }, new[] { "y1" })
            .Node("Reshape", new[] { "x", "shape" }, new[] { "flat" })
            .Node("QuantizeLinear", new[] { "flat", "s", "uz" }, new[] { "u" })
            .Node("Slice", new[] { "u", "sliceStart", "sliceEnd", "sliceAxes" }, new[] { "u30" })
            .Constant("sliceStart", Tensor.FromInt64s(new[] { 1 }, new long[] { 0 })).Constant("sliceEnd", Tensor.FromInt64s(new[] { 1 }, new long[] { 30 }))
            .Constant("sliceAxes", Tensor.FromInt64s(new[] { 1 }, new long[] { 1 }))
            .Node("MatMulInteger", new[] { "u30", "b", "uz", "bz" }, new[] { "acc" })
            .Node("Cast", new[] { "acc" }, new[] { "y2" }, Int("to", 1))
            .Node("ConvInteger", new[] { "q", "w", "z8" }, new[] { "acc2" })
            .Node("Cast", new[] { "acc2" }, new[] { "y3" }, Int("to", 1))
            .Node("Flatten", new[] { "y1" }, new[] { "f1" }).Node("Flatten", new[] { "y3" }, new[] { "f3" })
            .Node("Concat", new[] { "f1", "y2", "f3" }, new[] { "y" }, Int("axis", 1))
            .Output("y").Graph;
        var plan = Baker.Bake(graph, "test", new BakeOptions("model.onnx", "Quantized", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        Assert.Contains(plan.Kernels, k => k is Core.Kernels.IntegerConv);
        Assert.Contains(plan.Kernels, k => k is Core.Kernels.IntegerMatMul);
        Assert.Contains(plan.Kernels, k => k is Core.Kernels.Requantization);
        string source = ClassEmitter.Emit(plan);
        var x = OrtOracle.RandomTensor(new Random(22), new[] { 1, 2, 5, 5 }, 2f).AsFloats();
        var expected = PlanInterpreter.Run(plan, new[] { x })[0];
        Assert.Equal(75 + 4 + 27, expected.Length);
        Assert.Equal(expected, GeneratedAssembly.Compile(source, "Tests.Quantized").Predict(x, expected.Length));
        Assert.Equal(expected, GeneratedAssembly.Compile(source, "Tests.Quantized", vectorized: false).Predict(x, expected.Length));
        // and the float reference of the same graph agrees exactly
        var reference = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new[] { 1, 2, 5, 5 }, x) })["y"];
        Assert.Equal(reference.AsFloats(), expected);
    }
}
