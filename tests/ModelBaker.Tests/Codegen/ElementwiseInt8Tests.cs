using ModelBaker.Core.Codegen;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Codegen;

/// <summary>
/// The element-wise, softmax-family and reduction kernels baked end to end: random chains of them with fixed seeds,
/// whose int8 generated code must match the int8 interpreter bit for bit and whose float plan must match the float
/// interpreter; and each operator alone in int8 within quantization error of float.
/// </summary>
public sealed class ElementwiseInt8Tests
{
    private static readonly int[] Shape = { 2, 3, 4 };

    /// <summary>Bakes the graph both ways; returns the plans (the ONNX file is deleted).</summary>
    private static (BakedPlan Float, BakedPlan Int8) Bake(Graph graph)
    {
        string folder = Path.Combine(Path.GetTempPath(), "modelbaker-elementwise-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "net.onnx");
        try
        {
            OnnxModelWriter.Save(graph, path);
            return (Baker.Bake(new BakeOptions(path, "Net", "Tests") { Precision = Precision.Float32 }, new RecordingLog()),
                Baker.Bake(new BakeOptions(path, "Net", "Tests"), new RecordingLog()));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    private static float[] Sample(int seed) => OrtOracle.RandomTensor(new Random(seed), Shape).Floats!;

    /// <summary>One random step appended after <paramref name="x"/>; returns the new value's name.</summary>
    private static string RandomStep(GraphBuilder g, Random rng, string x, int index, List<string> description)
    {
        string y = "v" + index;
        string[] unary = { "Relu", "Sigmoid", "Tanh", "LeakyRelu", "HardSigmoid", "HardSwish", "Elu", "Selu", "Softplus", "Exp", "Neg", "Abs" };
        switch (rng.Next(8))
        {
            case 0:
            {
                string op = unary[rng.Next(unary.Length)];
                g.Node(op, new[] { x }, new[] { y });
                description.Add(op);
                break;
            }
            case 1:
            {
                float min = (float)Math.Round(rng.NextDouble() - 1, 2), max = (float)Math.Round(rng.NextDouble() * 2, 2);
                g.Constant(y + "min", T.F(T.S(), min)).Constant(y + "max", T.F(T.S(), max))
                    .Node("Clip", new[] { x, y + "min", y + "max" }, new[] { y });
                description.Add($"Clip({min}, {max})");
                break;
            }
            case 2:
            {
                // A binary op with a broadcast constant; Div only by constants away from zero.
                string op = new[] { "Add", "Sub", "Mul", "Div", "Max", "Min" }[rng.Next(6)];
                var constant = T.F(T.S(3, 1), Enumerable.Range(0, 3).Select(_ => (float)(0.5 + rng.NextDouble()) * (op == "Div" || rng.Next(2) == 0 ? 1 : -1)).ToArray());
                g.Constant(y + "c", constant).Node(op, new[] { x, y + "c" }, new[] { y });
                description.Add(op + " constant");
                break;
            }
            case 3:
            {
                // A binary op of two tensors: x and a squashed copy of it.
                string op = new[] { "Add", "Sub", "Mul", "Max", "Min" }[rng.Next(5)];
                g.Node("Tanh", new[] { x }, new[] { y + "t" }).Node(op, new[] { x, y + "t" }, new[] { y });
                if (rng.Next(2) == 0)
                {
                    g.Node("Relu", new[] { y }, new[] { y + "r" });
                    description.Add(op + " tensors + Relu");
                    return y + "r";
                }
                description.Add(op + " tensors");
                break;
            }
            case 4:
            {
                string op = new[] { "Sum", "Mean", "Max", "Min" }[rng.Next(4)];
                g.Node("Sigmoid", new[] { x }, new[] { y + "s" }).Node("Neg", new[] { x }, new[] { y + "n" })
                    .Node(op, new[] { x, y + "s", y + "n" }, new[] { y });
                description.Add(op + " of three");
                break;
            }
            case 5:
                g.Constant(y + "slope", T.F(T.S(3, 1), 0.1f, -0.3f, 0.7f)).Node("PRelu", new[] { x, y + "slope" }, new[] { y });
                description.Add("PRelu");
                break;
            case 6:
            {
                string op = rng.Next(2) == 0 ? "Softmax" : "LogSoftmax";
                int axis = rng.Next(-3, 3);
                g.Node(op, new[] { x }, new[] { y }, Int("axis", axis));
                description.Add($"{op} axis {axis}");
                break;
            }
            default:
            {
                // Axis 0 or 2 with keepdims: the [3, 1] slope of a later PRelu still broadcasts to the result.
                string op = rng.Next(2) == 0 ? "ReduceMean" : "ReduceMax";
                long axis = rng.Next(2) * 2;
                g.Node(op, new[] { x }, new[] { y }, new Attribute { Name = "axes", Kind = Core.Ir.AttributeKind.Ints, Ints = new[] { axis } }, Int("keepdims", 1));
                description.Add($"{op} axis {axis}");
                break;
            }
        }
        return y;
    }

    public static IEnumerable<object[]> Seeds => Enumerable.Range(0, 30).Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomChains_float_plan_matches_the_interpreter_and_int8_generated_code_matches_bit_for_bit(int seed)
    {
        var rng = new Random(seed);
        var g = new GraphBuilder().Input("x", Shape);
        var description = new List<string>();
        string value = "x";
        int steps = rng.Next(2, 6);
        for (int i = 0; i < steps; i++) value = RandomStep(g, rng, value, i, description);
        g.Output(value);
        string what = string.Join(" → ", description);

        var (floatPlan, int8Plan) = Bake(g.Graph);
        var input = Sample(seed + 1000);
        var expected = FloatInterpreter.Run(g.Graph, new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(Shape, input) })[value].Floats!;
        var actual = PlanInterpreter.Run(floatPlan, new[] { input })[0];
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])),
                $"{what}: [{i}] float plan {actual[i]} vs interpreter {expected[i]}");

        var reference = PlanInterpreter.Run(int8Plan, new[] { input })[0];
        Assert.Equal(reference, GeneratedAssembly.Compile(ClassEmitter.Emit(int8Plan), "Tests.Net").Predict(input, reference.Length));
        Assert.Equal(reference, GeneratedAssembly.Compile(ClassEmitter.Emit(int8Plan), "Tests.Net", vectorized: false).Predict(input, reference.Length));
    }

    /// <summary>One operator alone, int8 against float: within a few output steps plus the input's rounding.</summary>
    [Theory]
    [InlineData("Relu")] [InlineData("LeakyRelu")] [InlineData("HardSigmoid")] [InlineData("HardSwish")] [InlineData("Elu")]
    [InlineData("Selu")] [InlineData("Softplus")] [InlineData("Exp")] [InlineData("Neg")] [InlineData("Abs")] [InlineData("Sigmoid")]
    [InlineData("Clip")] [InlineData("Add")] [InlineData("Sub")] [InlineData("Mul")] [InlineData("Div")] [InlineData("Max")]
    [InlineData("Min")] [InlineData("PRelu")] [InlineData("Sum")] [InlineData("Mean")] [InlineData("Softmax")] [InlineData("LogSoftmax")]
    [InlineData("ReduceMean")] [InlineData("ReduceMax")]
    public void Int8_is_within_quantization_error_of_float(string op)
    {
        var g = new GraphBuilder().Input("x", Shape);
        double lipschitz = 1.5;
        switch (op)
        {
            case "Clip":
                g.Constant("min", T.F(T.S(), -0.25f)).Constant("max", T.F(T.S(), 0.5f)).Node("Clip", new[] { "x", "min", "max" }, new[] { "y" });
                break;
            case "Add" or "Sub" or "Mul" or "Max" or "Min":
                g.Node("Sigmoid", new[] { "x" }, new[] { "s" }).Node(op, new[] { "x", "s" }, new[] { "y" });
                lipschitz = 2.5;
                break;
            case "Div":
                g.Constant("d", T.F(T.S(3, 1), 0.5f, -1.25f, 2f)).Node("Div", new[] { "x", "d" }, new[] { "y" });
                lipschitz = 2.5;
                break;
            case "PRelu":
                g.Constant("slope", T.F(T.S(4), 0.25f, -0.5f, 0.75f, 1.5f)).Node("PRelu", new[] { "x", "slope" }, new[] { "y" });
                break;
            case "Sum" or "Mean":
                g.Node("Tanh", new[] { "x" }, new[] { "t" }).Node("Neg", new[] { "x" }, new[] { "n" }).Node(op, new[] { "x", "t", "n" }, new[] { "y" });
                lipschitz = 3;
                break;
            case "Softmax" or "LogSoftmax":
                g.Node(op, new[] { "x" }, new[] { "y" }, Int("axis", 1));
                lipschitz = 2;
                break;
            case "ReduceMean" or "ReduceMax":
                g.Node(op, new[] { "x" }, new[] { "y" }, new Attribute { Name = "axes", Kind = Core.Ir.AttributeKind.Ints, Ints = new long[] { 0, 2 } });
                break;
            case "Exp":
                g.Node(op, new[] { "x" }, new[] { "y" });
                lipschitz = Math.E;
                break;
            default:
                g.Node(op, new[] { "x" }, new[] { "y" });
                break;
        }
        g.Output("y");
        var (_, int8Plan) = Bake(g.Graph);
        double inputScale = int8Plan.Inputs[0].Scale, outputScale = int8Plan.Outputs[0].Scale;
        double tolerance = 2.5 * outputScale + lipschitz * inputScale;
        for (int sample = 0; sample < 5; sample++)
        {
            var input = Sample(sample);
            var expected = FloatInterpreter.Run(g.Graph, new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(Shape, input) })["y"].Floats!;
            var actual = PlanInterpreter.Run(int8Plan, new[] { input })[0];
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance,
                    $"{op} sample {sample} [{i}]: int8 {actual[i]} vs float {expected[i]} (tolerance {tolerance:G3})");
        }
    }

    [Fact]
    public void ArgMax_in_int8_picks_the_float_argmax_and_returns_int64()
    {
        var g = new GraphBuilder().Input("x", 3, 8).Node("ArgMax", new[] { "x" }, new[] { "index" }, Int("axis", 1), Int("keepdims", 0)).Output("index");
        var (floatPlan, int8Plan) = Bake(g.Graph);
        Assert.Equal(ElementType.Int64, int8Plan.Outputs[0].Type);
        // Distinct values 1/12 apart: far more than an int8 step of the [-1, 1] calibration range, so no ties.
        var rng = new Random(5);
        var values = Enumerable.Range(0, 24).Select(i => i / 12f - 1f).OrderBy(_ => rng.Next()).ToArray();
        var expected = Enumerable.Range(0, 3).Select(r => (long)Array.IndexOf(values, values.Skip(r * 8).Take(8).Max()) - r * 8).ToArray();
        Assert.Equal(expected, (long[])PlanInterpreter.RunTensors(floatPlan, new Array[] { values })[0]);
        Assert.Equal(expected, (long[])PlanInterpreter.RunTensors(int8Plan, new Array[] { values })[0]);
    }

    [Fact]
    public void Clip_0_6_after_an_add_is_one_clamped_step_and_min_above_max_gives_max()
    {
        var g = new GraphBuilder().Input("x", Shape)
            .Constant("b", T.F(T.S(4), 1f, 2f, 3f, 4f)).Node("Add", new[] { "x", "b" }, new[] { "s" })
            .Constant("zero", T.F(T.S(), 0f)).Constant("six", T.F(T.S(), 6f))
            .Node("Clip", new[] { "s", "zero", "six" }, new[] { "relu6" })
            .Constant("two", T.F(T.S(), 2f)).Constant("minus", T.F(T.S(), -1f))
            .Node("Mul", new[] { "relu6", "two" }, new[] { "m" })
            .Node("Clip", new[] { "m", "two", "minus" }, new[] { "y" })
            .Output("y");
        var (floatPlan, _) = Bake(g.Graph);
        Assert.Equal(2, floatPlan.Kernels.Count);
        var add = Assert.IsType<Core.Kernels.BinaryFloat>(floatPlan.Kernels[0]);
        Assert.Equal((0f, 6f), (add.ActivationMin, add.ActivationMax));
        var mul = Assert.IsType<Core.Kernels.BinaryFloat>(floatPlan.Kernels[1]);
        Assert.Equal((-1f, -1f), (mul.ActivationMin, mul.ActivationMax));
        Assert.All(PlanInterpreter.Run(floatPlan, new[] { Sample(3) })[0], v => Assert.Equal(-1f, v));
    }
}
