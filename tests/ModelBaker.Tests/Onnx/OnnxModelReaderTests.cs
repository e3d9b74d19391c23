using ModelBaker.Tests.Support;
using Google.Protobuf;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Onnx.Protos;
using static ModelBaker.Tests.Onnx.ProtoBuilder;

namespace ModelBaker.Tests.Onnx;

public class OnnxModelReaderTests
{
    [Fact]
    public void Mnist8_loads_with_its_structure_and_weights()
    {
        var g = OnnxModelReader.Load(TestData.Path("models", "mnist8", "model.onnx"));

        Assert.Equal(8, g.Opset);
        Assert.Equal(new[] { "Input3" }, g.Inputs);
        Assert.Equal(new[] { "Plus214_Output_0" }, g.Outputs);
        Assert.Equal(new[] { 1, 1, 28, 28 }, g["Input3"].Shape);
        Assert.Equal(new[] { 1, 10 }, g["Plus214_Output_0"].Shape);
        Assert.Equal(
            new[] { "Reshape", "Conv", "Add", "Relu", "MaxPool", "Conv", "Add", "Relu", "MaxPool", "Reshape", "MatMul", "Add" },
            g.Nodes.Select(n => n.OpType));
        Assert.Equal(8, g.Initializers.Count());
        // The README's 5,998 "parameters" count the two Reshape shape tensors (4 int64s) too.
        Assert.Equal(5998, g.Initializers.Sum(v => v.Constant!.Length));
        Assert.Equal(5994, g.Initializers.Where(v => v.Type == ElementType.Float32).Sum(v => v.Constant!.Length));

        var conv = g.Nodes.Single(n => n.Name == "Convolution28");
        Assert.Equal(new long[] { 5, 5 }, conv.GetInts("kernel_shape"));
        Assert.Equal(1, conv.GetInt("group", 0));
        Assert.Equal(AttributeKind.String, conv.Attributes["auto_pad"].Kind);

        var w = g["Parameter5"].Constant!;
        Assert.Equal(new[] { 8, 1, 5, 5 }, w.Shape);
        Assert.Equal(-0.00890567f, w.Floats![0], 6);
        Assert.Equal(new long[] { 256, 10 }, g["Parameter193_reshape1_shape"].Constant!.Int64s);
    }

    [Fact]
    public void Sine_loads_with_its_structure_and_weights()
    {
        var g = OnnxModelReader.Load(TestData.Path("models", "sine", "model.onnx"));

        Assert.Equal(9, g.Opset);
        Assert.Equal(new[] { "dense_2_input" }, g.Inputs);
        Assert.Equal(new[] { "dense_4" }, g.Outputs);
        Assert.Equal(new[] { 1, 1 }, g["dense_2_input"].Shape); // the batch dimension is dynamic: taken as 1
        Assert.Equal(new[] { "MatMul", "Add", "Relu", "MatMul", "Add", "Relu", "MatMul", "Add" }, g.Nodes.Select(n => n.OpType));
        Assert.Equal(6, g.Initializers.Count());
        Assert.Equal(321, g.Initializers.Sum(v => v.Constant!.Length));
        Assert.Equal(new[] { 16, 16 }, g["dense_3/kernel:0"].Shape);
        Assert.Equal(0.22520714f, g["dense_2/kernel:0"].Constant!.Floats![0], 6);
        // Intermediate values exist (for passes to fill in) even though the model gives them no shape.
        Assert.Null(g["dense_20"].Shape);
    }

    [Fact]
    public void Missing_file_is_MB1001()
    {
        var e = Assert.Throws<BakeException>(() => OnnxModelReader.Load(TestData.Path("models", "nope.onnx")));
        Assert.Equal(ErrorCodes.ModelNotFound, e.Code);
        Assert.Contains("nope.onnx", e.Message);
    }

    [Theory]
    [InlineData("this is a text file, not a model\n")]
    [InlineData("")]
    public void Garbage_file_is_MB1002(string content)
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.Path("bad.onnx"), content);
        var e = Assert.Throws<BakeException>(() => OnnxModelReader.Load(dir.Path("bad.onnx")));
        Assert.Equal(ErrorCodes.ModelUnreadable, e.Code);
        Assert.Contains("not a valid ONNX model", e.Message);
    }

    [Fact]
    public void Random_bytes_are_MB1002()
    {
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);
        var e = Assert.Throws<BakeException>(() => OnnxModelReader.Load(bytes, "."));
        Assert.Equal(ErrorCodes.ModelUnreadable, e.Code);
    }

    [Fact]
    public void Float64_initializer_becomes_float32_remembering_its_type()
    {
        var w = new TensorProto { Name = "weights64", DataType = 11 };
        w.Dims.Add(2);
        w.DoubleData.AddRange(new[] { 1.0, 0.1 });
        var g = OnnxModelReader.Load(AddModel(w).ToByteArray(), ".");
        Assert.Equal(ElementType.Float32, g["weights64"].Type);
        Assert.Equal(ElementType.Double, g["weights64"].DeclaredType);
        Assert.Equal(new[] { 1f, 0.1f }, g["weights64"].Constant!.Floats);
    }

    [Fact]
    public void Float16_input_is_float32_inside_and_float16_at_the_edge()
    {
        var m = AddModel(FloatTensor("W", 1, 2));
        m.Graph.Input[0] = Info("X", 10, 2);
        var g = OnnxModelReader.Load(m.ToByteArray(), ".");
        Assert.Equal(ElementType.Float32, g["X"].Type);
        Assert.Equal(ElementType.Float16, g["X"].DeclaredType);
        Assert.Null(g["W"].DeclaredType);
    }

    [Fact]
    public void Complex64_input_is_MB1102_naming_the_input()
    {
        var m = AddModel(FloatTensor("W", 1, 2));
        m.Graph.Input[0] = Info("X", 14, 2);
        var e = Assert.Throws<BakeException>(() => OnnxModelReader.Load(m.ToByteArray(), "."));
        Assert.Equal(ErrorCodes.UnsupportedElementType, e.Code);
        Assert.Contains("'X'", e.Message);
        Assert.Contains("complex64", e.Message);
    }

    [Theory]
    [InlineData(16, ElementType.Float32)] // bfloat16
    [InlineData(17, ElementType.Float32)] // float8e4m3fn
    [InlineData(23, ElementType.Float32)] // float4e2m1
    [InlineData(24, ElementType.Float32)] // float8e8m0
    [InlineData(22, ElementType.Int8)] // int4
    [InlineData(25, ElementType.UInt8)] // uint2
    public void Narrow_inputs_are_computed_in_a_wider_type_and_keep_theirs_for_Predict(int dataType, ElementType computed)
    {
        var m = AddModel(FloatTensor("W", 1, 2));
        m.Graph.Input[0] = Info("X", dataType, 2);
        var g = OnnxModelReader.Load(m.ToByteArray(), ".");
        Assert.Equal(computed, g["X"].Type);
        Assert.Equal((ElementType)dataType, g["X"].DeclaredType);
    }

    [Fact]
    public void Initializers_listed_as_inputs_are_constants_not_inputs()
    {
        var m = AddModel(FloatTensor("W", 1, 2));
        m.Graph.Input.Add(Info("W", 1, 2));
        var g = OnnxModelReader.Load(m.ToByteArray(), ".");
        Assert.Equal(new[] { "X" }, g.Inputs);
        Assert.Equal(new[] { 1f, 2f }, g["W"].Constant!.Floats);
    }

    [Fact]
    public void Dynamic_dimensions_are_taken_as_1()
    {
        var m = AddModel(FloatTensor("W", 1, 2));
        m.Graph.Input[0] = Info("X", 1, "batch", 2);
        m.Graph.Output[0] = Info("Y", 1, "batch", 2);
        var g = OnnxModelReader.Load(m.ToByteArray(), ".");
        Assert.Equal(new[] { 1, 2 }, g["X"].Shape);
        Assert.Equal(new[] { 1, 2 }, g["Y"].Shape);
    }

    [Fact]
    public void Value_info_without_an_element_type_is_left_to_shape_inference()
    {
        var m = AddModel(FloatTensor("W", 1, 2));
        m.Graph.Node[0].Output[0] = "h";
        m.Graph.Node.Add(Node("Relu", "relu", new[] { "h" }, new[] { "Y" }));
        m.Graph.ValueInfo.Add(Info("h", 0, 2));
        var g = OnnxModelReader.Load(m.ToByteArray(), ".");
        Assert.Null(g["h"].Shape);
    }

    [Fact]
    public void Unnamed_nodes_get_stable_unique_names()
    {
        var m = AddModel(FloatTensor("W", 1, 2));
        m.Graph.Node.Clear();
        m.Graph.Node.Add(Node("Relu", "Relu_1", new[] { "X" }, new[] { "a" }));
        m.Graph.Node.Add(Node("Relu", "", new[] { "a" }, new[] { "b" }));   // "Relu_1" is taken
        m.Graph.Node.Add(Node("Relu", "", new[] { "b" }, new[] { "c" }));
        m.Graph.Node.Add(Node("Add", "", new[] { "c", "W" }, new[] { "Y" }));
        var g = OnnxModelReader.Load(m.ToByteArray(), ".");
        Assert.Equal(new[] { "Relu_1", "Relu_1_2", "Relu_2", "Add_3" }, g.Nodes.Select(n => n.Name));
    }

    [Fact]
    public void Nodes_of_other_domains_keep_their_domain_in_the_op_type()
    {
        var m = AddModel(FloatTensor("W", 1, 2));
        m.Graph.Node[0].Domain = "ai.onnx";
        m.Graph.Node.Add(Node("Gelu", "gelu", new[] { "Y" }, new[] { "Z" }, domain: "com.microsoft"));
        m.Graph.Output[0] = Info("Z", 1, 2);
        var g = OnnxModelReader.Load(m.ToByteArray(), ".");
        Assert.Equal(new[] { "Add", "com.microsoft:Gelu" }, g.Nodes.Select(n => n.OpType));
        Assert.Equal(13, g.Opset);
    }

    [Fact]
    public void Integer_initializers_are_widened_from_raw_and_typed_fields()
    {
        var raw = new TensorProto { Name = "i8", DataType = 3, RawData = Google.Protobuf.ByteString.CopyFrom(0xFF, 0x7F, 0x80) };
        raw.Dims.Add(3);
        var typed = new TensorProto { Name = "u8", DataType = 2 };
        typed.Dims.Add(2);
        typed.Int32Data.AddRange(new[] { 0, 255 });
        var m = AddModel(FloatTensor("W", 1, 2));
        m.Graph.Initializer.Add(raw);
        m.Graph.Initializer.Add(typed);
        var g = OnnxModelReader.Load(m.ToByteArray(), ".");
        Assert.Equal(new long[] { -1, 127, -128 }, g["i8"].Constant!.Int64s);
        Assert.Equal(ElementType.Int8, g["i8"].Type);
        Assert.Equal(new long[] { 0, 255 }, g["u8"].Constant!.Int64s);
    }

    [Fact]
    public void Tensor_with_too_little_data_is_MB1002()
    {
        var w = FloatTensor("W", 1, 2);
        w.Dims[0] = 3;
        var e = Assert.Throws<BakeException>(() => OnnxModelReader.Load(AddModel(w).ToByteArray(), "."));
        Assert.Equal(ErrorCodes.ModelUnreadable, e.Code);
        Assert.Contains("'W'", e.Message);
    }
}
