using ModelBaker.Tests.Support;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using Attribute = ModelBaker.Core.Ir.Attribute;
using Tensor = ModelBaker.Core.Ir.Tensor;

namespace ModelBaker.Tests.Onnx;

public class OnnxModelWriterTests
{
    /// <summary>A graph using every attribute kind and every element type the IR has.</summary>
    private static Graph EveryKindGraph()
    {
        var g = new Graph { Name = "kinds", Opset = 13 };
        g.Add(new Value("x", ElementType.Float32, new[] { 1, 4 }));
        g.Add(new Value("w", ElementType.Float32, new[] { 4, 2 }, Tensor.FromFloats(new[] { 4, 2 }, new[] { 1f, -2, 3.5f, 0, float.MaxValue, -0f, 1e-30f, 7 })));
        g.Add(new Value("shape", ElementType.Int64, new[] { 2 }, Tensor.FromInt64s(new[] { 2 }, new[] { long.MinValue, long.MaxValue })));
        g.Add(new Value("i32", ElementType.Int32, new[] { 2 }, Tensor.FromInt64s(new[] { 2 }, new long[] { int.MinValue, int.MaxValue }, ElementType.Int32)));
        g.Add(new Value("i8", ElementType.Int8, new[] { 3 }, Tensor.FromInt64s(new[] { 3 }, new long[] { -128, 0, 127 }, ElementType.Int8)));
        g.Add(new Value("u8", ElementType.UInt8, new[] { 2 }, Tensor.FromInt64s(new[] { 2 }, new long[] { 0, 255 }, ElementType.UInt8)));
        g.Add(new Value("flag", ElementType.Bool, new int[0], Tensor.FromInt64s(new int[0], new long[] { 1 }, ElementType.Bool)));
        g.Add(new Value("h", ElementType.Float32, new[] { 1, 2 }));
        g.Add(new Value("y", ElementType.Float32, new[] { 1, 2 }));
        g.Inputs.Add("x");
        g.Outputs.Add("y");
        g.Nodes.Add(new Node("mm", "MatMul", new[] { "x", "w" }, new[] { "h" }, new Dictionary<string, Attribute>()));
        g.Nodes.Add(new Node("custom", "Fancy", new[] { "h", "", "shape" }, new[] { "y" }, new Dictionary<string, Attribute>
        {
            ["f"] = new() { Name = "f", Kind = AttributeKind.Float, Float = 0.25f },
            ["zero_f"] = new() { Name = "zero_f", Kind = AttributeKind.Float, Float = 0f },
            ["i"] = new() { Name = "i", Kind = AttributeKind.Int, Int = -3 },
            ["s"] = new() { Name = "s", Kind = AttributeKind.String, String = "SAME_UPPER" },
            ["fs"] = new() { Name = "fs", Kind = AttributeKind.Floats, Floats = new[] { 1f, 2f } },
            ["is"] = new() { Name = "is", Kind = AttributeKind.Ints, Ints = new long[] { 1, -1 } },
            ["ss"] = new() { Name = "ss", Kind = AttributeKind.Strings, Strings = new[] { "a", "b" } },
            ["t"] = new() { Name = "t", Kind = AttributeKind.Tensor, Tensor = Tensor.FromFloats(new[] { 1 }, new[] { 9f }) },
        }));
        return g;
    }

    [Fact]
    public void Graph_round_trips_through_the_writer_and_reader()
    {
        var g = EveryKindGraph();
        var back = OnnxModelReader.Load(OnnxModelWriter.ToBytes(g), ".");
        GraphAssert.Equal(g, back);
    }

    [Fact]
    public void Output_is_deterministic()
    {
        Assert.Equal(OnnxModelWriter.ToBytes(EveryKindGraph()), OnnxModelWriter.ToBytes(EveryKindGraph()));
    }

    [Theory]
    [InlineData("mnist8")]
    [InlineData("sine")]
    public void Real_models_round_trip(string model)
    {
        var g = OnnxModelReader.Load(TestData.Path("models", model, "model.onnx"));
        GraphAssert.Equal(g, OnnxModelReader.Load(OnnxModelWriter.ToBytes(g), "."));
    }

    [Fact]
    public void Attribute_kind_is_inferred_when_unspecified()
    {
        Assert.Equal(AttributeKind.Float, OnnxModelWriter.KindOf(new Attribute { Name = "alpha" }));
        Assert.Equal(AttributeKind.Int, OnnxModelWriter.KindOf(new Attribute { Name = "axis" }));
        Assert.Equal(AttributeKind.Float, OnnxModelWriter.KindOf(new Attribute { Name = "x", Float = 0.5f }));
        Assert.Equal(AttributeKind.Ints, OnnxModelWriter.KindOf(new Attribute { Name = "pads", Ints = new long[4] }));
    }

    [Fact]
    public void Save_writes_a_file_the_reader_loads()
    {
        using var dir = new TempFolder();
        OnnxModelWriter.Save(EveryKindGraph(), dir.Path("m.onnx"));
        GraphAssert.Equal(EveryKindGraph(), OnnxModelReader.Load(dir.Path("m.onnx")));
    }

    [Fact]
    public void Onnx_Runtime_runs_a_written_Gemm_Relu_graph()
    {
        var g = new Graph { Name = "gemm_relu", Opset = 13 };
        g.Add(new Value("x", ElementType.Float32, new[] { 1, 3 }));
        g.Add(new Value("w", ElementType.Float32, new[] { 2, 3 }, Tensor.FromFloats(new[] { 2, 3 }, new[] { 1f, 2, 3, -1, -1, -1 })));
        g.Add(new Value("b", ElementType.Float32, new[] { 2 }, Tensor.FromFloats(new[] { 2 }, new[] { 0.5f, 0.5f })));
        g.Add(new Value("h", ElementType.Float32, new[] { 1, 2 }));
        g.Add(new Value("y", ElementType.Float32, new[] { 1, 2 }));
        g.Inputs.Add("x");
        g.Outputs.Add("y");
        // Kinds left unspecified on purpose: alpha/beta = 1 and transB = 1 must still be written with ORT's types.
        g.Nodes.Add(new Node("fc", "Gemm", new[] { "x", "w", "b" }, new[] { "h" }, new Dictionary<string, Attribute>
        {
            ["alpha"] = new() { Name = "alpha", Float = 1f },
            ["beta"] = new() { Name = "beta", Float = 1f },
            ["transB"] = new() { Name = "transB", Int = 1 },
        }));
        g.Nodes.Add(new Node("relu", "Relu", new[] { "h" }, new[] { "y" }, new Dictionary<string, Attribute>()));

        var y = Run(OnnxModelWriter.ToBytes(g), "x", new[] { 1f, 1, 1 }, new[] { 1, 3 });
        Assert.Equal(new[] { 6.5f, 0f }, y);
    }

    [Fact]
    public void Onnx_Runtime_gives_mnist8_reference_outputs_after_a_round_trip()
    {
        var g = OnnxModelReader.Load(TestData.Path("models", "mnist8", "model.onnx"));
        byte[] written = OnnxModelWriter.ToBytes(g);
        for (int set = 0; set < 3; set++)
        {
            string folder = TestData.Path("models", "mnist8", $"test_data_set_{set}");
            var input = TensorConverter.ReadTensorFile(Path.Combine(folder, "input_0.pb"));
            var expected = TensorConverter.ReadTensorFile(Path.Combine(folder, "output_0.pb"));
            var actual = Run(written, "Input3", input.Floats!, input.Shape);
            // Relative: ONNX Runtime's float sums differ in their last bits between instruction sets (AVX2, AVX-512).
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected.Floats![i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected.Floats[i])), $"output {i}: {actual[i]} vs {expected.Floats[i]}");
        }
    }

    private static float[] Run(byte[] model, string inputName, float[] data, int[] shape)
    {
        using var session = new InferenceSession(model);
        var inputs = new[] { NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(data, shape)) };
        using var results = session.Run(inputs);
        return results.First().AsEnumerable<float>().ToArray();
    }
}
