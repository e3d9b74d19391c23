using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using static ModelBaker.Tests.Operators.T;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Models quantized by ONNX Runtime's dynamic quantization (quantize_dynamic): DynamicQuantizeLinear computes the
/// activations' scale and zero point at run time, MatMulInteger / ConvInteger read that zero point, and the product
/// is rescaled by the scale times the weights' scale. Float plans run them as ONNX Runtime does; int8 plans refuse them
/// (their quantization is decided at run time) with the code and the fix.
/// </summary>
public sealed class DynamicQuantizationTests
{
    private static Tensor U8(int[] shape, params long[] values) => Tensor.FromInt64s(shape, values, ElementType.UInt8);

    /// <summary>x [2, 8] → DynamicQuantizeLinear → MatMulInteger by uint8 W [8, 3] → Cast → · (x scale · W scale).</summary>
    private static Graph MatMulModel()
    {
        var rng = new Random(5);
        var w = U8(S(8, 3), Enumerable.Range(0, 24).Select(_ => (long)rng.Next(0, 256)).ToArray());
        return new GraphBuilder(13).Input("x", 2, 8).Constant("w", w).Constant("w_zero", U8(S(), 131)).Constant("w_scale", F(S(), 0.0123f))
            .Node("DynamicQuantizeLinear", new[] { "x" }, new[] { "q", "q_scale", "q_zero" })
            .Node("MatMulInteger", new[] { "q", "w", "q_zero", "w_zero" }, new[] { "acc" })
            .Node("Cast", new[] { "acc" }, new[] { "accf" }, Int("to", 1))
            .Node("Mul", new[] { "q_scale", "w_scale" }, new[] { "scale" })
            .Node("Mul", new[] { "accf", "scale" }, new[] { "y" }).Output("y").Graph;
    }

    /// <summary>x [1, 2, 5, 5] → DynamicQuantizeLinear → ConvInteger 3×3, 2 → 3 channels → Cast → · scale.</summary>
    private static Graph ConvModel()
    {
        var rng = new Random(9);
        var w = U8(S(3, 2, 3, 3), Enumerable.Range(0, 54).Select(_ => (long)rng.Next(0, 256)).ToArray());
        return new GraphBuilder(13).Input("x", 1, 2, 5, 5).Constant("w", w).Constant("w_zero", U8(S(), 128)).Constant("w_scale", F(S(), 0.02f))
            .Node("DynamicQuantizeLinear", new[] { "x" }, new[] { "q", "q_scale", "q_zero" })
            .Node("ConvInteger", new[] { "q", "w", "q_zero", "w_zero" }, new[] { "acc" }, Ints("pads", 1, 1, 1, 1))
            .Node("Cast", new[] { "acc" }, new[] { "accf" }, Int("to", 1))
            .Node("Mul", new[] { "q_scale", "w_scale" }, new[] { "scale" })
            .Node("Mul", new[] { "accf", "scale" }, new[] { "y" }).Output("y").Graph;
    }

    public static IEnumerable<object[]> Models() => new[]
    {
        new object[] { "MatMulInteger", (Func<Graph>)MatMulModel, new[] { 2, 8 } },
        new object[] { "ConvInteger", (Func<Graph>)ConvModel, new[] { 1, 2, 5, 5 } },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void A_float_plan_runs_the_model_as_OnnxRuntime_does(string name, Func<Graph> make, int[] shape)
    {
        var plan = Baker.Bake(make(), "test", new BakeOptions($"{name}.onnx", "Dynamic", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        string source = ClassEmitter.Emit(plan);
        Assert.Equal(source, ClassEmitter.Emit(PlanFile.Read(PlanFile.ToBytes(plan))));
        var generated = GeneratedAssembly.Compile(source, $"{plan.Header.Namespace}.{plan.Header.ClassName}");
        var rng = new Random(name.Length);
        foreach (float scale in new[] { 1f, 3f, 0.01f })
        {
            var x = OrtOracle.RandomTensor(rng, shape, scale);
            var ours = generated.Predict(x.AsFloats(), plan.Outputs[0].Length);
            Assert.Equal(PlanInterpreter.Run(plan, new[] { x.AsFloats() })[0], ours);
            var ort = OrtOracle.Run(make(), new Dictionary<string, Tensor> { ["x"] = x })["y"];
            Assert.True(OrtOracle.MaxError(ort, Tensor.FromFloats(ort.Shape, ours), name) <= OrtOracle.Tolerance);
        }
        Assert.Equal(0, generated.AllocatedBytes(OrtOracle.RandomTensor(rng, shape).AsFloats(), new float[plan.Outputs[0].Length], 50));
    }

    [Fact]
    public void An_int8_bake_refuses_a_quantization_decided_at_run_time_naming_the_fix()
    {
        var e = Assert.Throws<BakeException>(() => Baker.Bake(MatMulModel(), "test",
            new BakeOptions("dynamic.onnx", "Dynamic", "Tests") { Precision = Precision.Int8 }, new RecordingLog()));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("Precision=\"Float32\"", e.Message);
    }
}
