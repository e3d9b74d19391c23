using Google.Protobuf;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Onnx.Protos;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Onnx.ProtoBuilder;
using ModelBaker.Core.Options;
using ModelBaker.Core.Interpreter;

namespace ModelBaker.Tests.Onnx;

/// <summary>
/// Models that onnx.checker refuses, or that no bake can serve, are refused before any work with their own code and
/// the node or tensor named — never baked silently, never an internal error. And models that look odd but are
/// legitimate (denormal weights, float activations that overflow) bake.
/// </summary>
public sealed class ModelValidationTests
{
    /// <summary>Y = X · W + C with X [1, 4], W [4, 3], C [3].</summary>
    private static ModelProto Gemm(float[]? weights = null, params AttributeProto[] attributes)
    {
        var g = new GraphProto { Name = "gemm" };
        g.Input.Add(Info("X", 1, 1, 4));
        g.Output.Add(Info("Y", 1, 1, 3));
        var w = FloatTensor("W", weights ?? Enumerable.Range(0, 12).Select(i => (i - 6) / 8f).ToArray());
        w.Dims.Clear();
        w.Dims.AddRange(new long[] { 4, 3 });
        g.Initializer.Add(w);
        g.Initializer.Add(FloatTensor("C", 0.1f, -0.2f, 0.3f));
        var node = Node("Gemm", "fc", new[] { "X", "W", "C" }, new[] { "Y" });
        node.Attribute.AddRange(attributes);
        g.Node.Add(node);
        var m = new ModelProto { IrVersion = 8, Graph = g };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return m;
    }

    private static BakeException Refusal(ModelProto model, Precision precision = Precision.Int8, WeightStorage storage = WeightStorage.Auto)
    {
        using var dir = new TempFolder();
        string path = Save(model, dir.Path("net.onnx"));
        return Assert.Throws<BakeException>(() => Baker.Bake(new BakeOptions(path, "Net", "Tests") { Precision = precision, WeightStorage = storage }, new RecordingLog()));
    }

    private static (BakedPlan Plan, RecordingLog Log) Bake(ModelProto model, Precision precision = Precision.Int8)
    {
        using var dir = new TempFolder();
        string path = Save(model, dir.Path("net.onnx"));
        var log = new RecordingLog();
        return (Baker.Bake(new BakeOptions(path, "Net", "Tests") { Precision = precision }, log), log);
    }

    [Theory]
    [InlineData(999L)]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(1L << 62)]
    [InlineData(ModelBaker.Core.Onnx.ModelChecker.MaxOpset + 1)]
    public void An_opset_outside_the_supported_range_is_MB1005(long opset)
    {
        var model = Gemm();
        model.OpsetImport[0].Version = opset;
        var e = Refusal(model);
        Assert.Equal(ErrorCodes.UnsupportedVersion, e.Code);
        Assert.Contains($"version {opset}", e.Message);
    }

    [Fact]
    public void No_standard_opset_import_from_IR_version_3_on_is_MB1005()
    {
        var model = Gemm();
        model.OpsetImport.Clear();
        Assert.Equal(ErrorCodes.UnsupportedVersion, Refusal(model).Code);
    }

    [Fact]
    public void Two_versions_of_one_operator_set_are_MB1005_but_a_repeated_import_bakes()
    {
        var contradicting = Gemm();
        contradicting.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx", Version = 11 });
        var e = Refusal(contradicting);
        Assert.Equal(ErrorCodes.UnsupportedVersion, e.Code);
        Assert.Contains("versions 13 and 11", e.Message);

        // As a converter wrote tract's linear classifier (ONNX Runtime runs it): ("", 21) twice.
        var repeated = Gemm();
        repeated.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        Assert.Equal(3, PlanInterpreter.Run(Bake(repeated).Plan, new[] { new float[] { 1, 2, 3, 4 } })[0].Length);
    }

    [Theory]
    [InlineData(999L)]
    [InlineData(0L)]
    [InlineData(-5L)]
    public void An_IR_version_outside_the_supported_range_is_MB1005(long irVersion)
    {
        var model = Gemm();
        model.IrVersion = irVersion;
        var e = Refusal(model);
        Assert.Equal(ErrorCodes.UnsupportedVersion, e.Code);
        Assert.Contains($"IR version {irVersion}", e.Message);
    }

    [Fact]
    public void Duplicate_initializers_inputs_and_outputs_are_MB1105_naming_them()
    {
        var initializers = Gemm();
        initializers.Graph.Initializer.Add(FloatTensor("C", 1, 2, 3));
        Assert.Contains("two initializers named 'C'", Refusal(initializers).Message);

        var inputs = Gemm();
        inputs.Graph.Input.Add(Info("X", 1, 1, 4));
        var e = Refusal(inputs);
        Assert.Equal(ErrorCodes.InvalidGraph, e.Code);
        Assert.Contains("two graph inputs named 'X'", e.Message);

        var outputs = Gemm();
        outputs.Graph.Output.Add(Info("Y", 1, 1, 3));
        Assert.Contains("two graph outputs named 'Y'", Refusal(outputs).Message);
    }

    [Fact]
    public void A_graph_output_that_is_an_initializer_is_MB1105()
    {
        var model = Gemm();
        model.Graph.Output.Add(Info("C", 1, 3));
        var e = Refusal(model);
        Assert.Equal(ErrorCodes.InvalidGraph, e.Code);
        Assert.Contains("'C' is an initializer", e.Message);
    }

    [Fact]
    public void An_attribute_of_the_wrong_type_is_MB1107_not_a_silent_default()
    {
        var transA = new AttributeProto { Name = "transA", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("1") };
        var e = Refusal(Gemm(null, transA));
        Assert.Equal(ErrorCodes.AttributeTypeMismatch, e.Code);
        Assert.Contains("'fc' (Gemm)", e.Message);
        Assert.Contains("'transA'", e.Message);
    }

    [Fact]
    public void An_attribute_declared_with_no_value_is_MB1107()
    {
        var alpha = new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, I = 2 };
        Assert.Equal(ErrorCodes.AttributeTypeMismatch, Refusal(Gemm(null, alpha)).Code);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Non_finite_weights_are_MB1108_in_both_precisions(float bad)
    {
        var weights = Enumerable.Range(0, 12).Select(i => i == 5 ? bad : 0.5f).ToArray();
        foreach (var precision in new[] { Precision.Int8, Precision.Float32 })
        {
            var e = Refusal(Gemm(weights), precision);
            Assert.Equal(ErrorCodes.NonFiniteWeights, e.Code);
            Assert.Contains("'fc'", e.Message);
        }
        Assert.Equal(ErrorCodes.NonFiniteWeights, Refusal(Gemm(Enumerable.Repeat(float.NaN, 12).ToArray())).Code);
    }

    [Fact]
    public void A_Gemm_alpha_of_NaN_is_MB1108()
    {
        var alpha = new AttributeProto { Name = "alpha", Type = AttributeProto.Types.AttributeType.Float, F = float.NaN };
        Assert.Equal(ErrorCodes.NonFiniteWeights, Refusal(Gemm(null, alpha)).Code);
    }

    [Fact]
    public void Denormal_weights_bake()
    {
        var (plan, _) = Bake(Gemm(Enumerable.Repeat(1e-45f, 12).ToArray()));
        var output = PlanInterpreter.Run(plan, new[] { new float[] { 1, -1, 0.5f, 0 } })[0];
        Assert.Equal(3, output.Length);
    }

    [Fact]
    public void An_input_with_more_elements_than_a_bake_takes_is_MB1109()
    {
        foreach (long length in new[] { 1L << 30, (1L << 31) + 8 })
        {
            var g = new GraphProto { Name = "big" };
            g.Input.Add(Info("X", 1, length));
            g.Output.Add(Info("Y", 1, length));
            g.Node.Add(Node("Relu", "relu", new[] { "X" }, new[] { "Y" }));
            var model = new ModelProto { IrVersion = 8, Graph = g };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
            var e = Refusal(model);
            Assert.Contains(e.Code, new[] { ErrorCodes.ModelTooLarge, ErrorCodes.ModelUnreadable });
            Assert.DoesNotContain(ErrorCodes.InternalError, e.Code);
        }
    }

    [Fact]
    public void A_chain_whose_float_activations_overflow_bakes_with_the_MB1305_warning()
    {
        // Ten Gemms each multiplying by 1e5: 1e50 overflows float32 long before the end.
        var g = new GraphProto { Name = "chain" };
        g.Input.Add(Info("X", 1, 1, 2));
        string previous = "X";
        for (int i = 0; i < 10; i++)
        {
            var w = FloatTensor($"W{i}", 1e5f, 1e5f, 1e5f, 1e5f); // no zero: ∞ · 0 would make NaN
            w.Dims.Clear();
            w.Dims.AddRange(new long[] { 2, 2 });
            g.Initializer.Add(w);
            g.Node.Add(Node("Gemm", $"fc{i}", new[] { previous, $"W{i}" }, new[] { $"H{i}" }));
            previous = $"H{i}";
        }
        g.Output.Add(Info(previous, 1, 1, 2));
        var model = new ModelProto { IrVersion = 8, Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        var (_, log) = Bake(model);
        Assert.Contains(log.Warnings, w => w.Code == ErrorCodes.CalibrationOverflow);
    }

    [Fact]
    public void A_model_whose_generated_code_the_compiler_cannot_take_is_MB1109_before_any_plan()
    {
        // 1024 × 2048 float weights: about 28 MB of array initializers, several minutes and > 10 GB for Roslyn (Auto would
        // store them in a resource: WeightResourceTests).
        var g = new GraphProto { Name = "wide" };
        g.Input.Add(Info("X", 1, 1, 1024));
        g.Output.Add(Info("Y", 1, 1, 2048));
        var random = new Random(3);
        var w = FloatTensor("W", Enumerable.Range(0, 1024 * 2048).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
        w.Dims.Clear();
        w.Dims.AddRange(new long[] { 1024, 2048 });
        g.Initializer.Add(w);
        g.Node.Add(Node("Gemm", "wide", new[] { "X", "W" }, new[] { "Y" }));
        var model = new ModelProto { IrVersion = 8, Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });

        var e = Refusal(model, Precision.Float32, WeightStorage.Inline);
        Assert.Equal(ErrorCodes.ModelTooLarge, e.Code);
        Assert.Contains("MB of C#", e.Message);
        Assert.Contains("Sparsity", e.Message);
    }
}
