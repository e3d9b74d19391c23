using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Options;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Scan, unrolled by shape inference: against ONNX Runtime (which runs the Scan itself) over reverse directions, non-zero
/// and negative axes, several states and scan inputs, opset 8's batch axis; a hand-computed running sum; int8 and
/// nanoFramework plans of the unrolled nodes; generated code equal to the plan interpreter; the coded refusals.
/// </summary>
public sealed class ScanTests
{
    private static Attribute Body(Graph body) => new() { Name = "body", Kind = AttributeKind.Graph, Graph = body };

    /// <summary>
    /// A body of state s [2] and slice x [2]: s' = s + x · w (w an outer constant), y = tanh(x) − s (the state before).
    /// </summary>
    private static Graph RunningBody(long opset) => new GraphBuilder(opset).Input("s", 2).Input("xs", 2)
        .Node("Mul", new[] { "xs", "w" }, new[] { "xw" }).Node("Add", new[] { "s", "xw" }, new[] { "s_next" })
        .Node("Tanh", new[] { "xs" }, new[] { "t" }).Node("Sub", new[] { "t", "s" }, new[] { "y" })
        .Output("s_next", "y").Graph;

    /// <summary>Scan (opset ≥ 9) of the running body over x, whose scan axis is <paramref name="inputAxis"/>.</summary>
    private static Graph ScanGraph(long opset, int[] x, params Attribute[] attributes) =>
        new GraphBuilder(opset).Input("s0", 2).Input("x", x).Constant("w", T.F(new[] { 2 }, 0.5f, -2f))
            .Node("Scan", new[] { "s0", "x" }, new[] { "s_final", "ys" }, attributes.Append(Int("num_scan_inputs", 1)).Append(Body(RunningBody(opset))).ToArray())
            .Output("s_final", "ys").Graph;

    private static Dictionary<string, Tensor> Feeds(Graph graph, int seed)
    {
        var rng = new Random(seed);
        return graph.Inputs.ToDictionary(name => name, name => OrtOracle.RandomTensor(rng, graph[name].Shape!, 1.5f));
    }

    /// <summary>Our reference and float plan against ONNX Runtime running the Scan node itself.</summary>
    private static void AssertMatchesOrt(Func<Graph> make, string what)
    {
        var original = make();
        var feeds = Feeds(original, what.Length);
        var ort = OrtOracle.Run(original, feeds);
        var graph = make();
        ShapeInference.Run(graph);
        Assert.DoesNotContain(graph.Nodes, n => n.OpType == "Scan");
        var reference = FloatInterpreter.Run(graph, feeds);
        foreach (string output in graph.Outputs)
            Assert.True(OrtOracle.MaxError(ort[output], reference[output], $"{what} '{output}'") <= OrtOracle.Tolerance, $"{what} '{output}'");
        var plan = Baker.Bake(make(), "test", new BakeOptions("scan.onnx", "Scan", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var planned = PlanInterpreter.Run(plan, graph.Inputs.Select(name => feeds[name].AsFloats()).ToArray());
        for (int o = 0; o < graph.Outputs.Count; o++)
            Assert.True(OrtOracle.MaxError(ort[graph.Outputs[o]], Tensor.FromFloats(ort[graph.Outputs[o]].Shape, planned[o]), what) <= OrtOracle.Tolerance, what);
    }

    public static IEnumerable<object[]> Cases => new[]
    {
        new object[] { 9, new[] { 3, 2 }, "", "forward, axis 0" },
        new object[] { 11, new[] { 2, 4 }, "scan_input_axes=1;scan_input_directions=1", "input reversed along axis 1" },
        new object[] { 13, new[] { 2, 3 }, "scan_input_axes=-1;scan_output_axes=1;scan_output_directions=1", "input axis −1, output axis 1 reversed" },
        new object[] { 16, new[] { 4, 2 }, "scan_input_directions=1;scan_output_axes=-1", "both reversed, output axis −1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Unrolled_scan_matches_ONNX_Runtime(long opset, int[] x, string attributes, string what)
    {
        var parsed = attributes.Length == 0 ? Array.Empty<Attribute>()
            : attributes.Split(';').Select(kv => Ints(kv.Split('=')[0], long.Parse(kv.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        AssertMatchesOrt(() => ScanGraph(opset, x, parsed), what);
    }

    [Fact]
    public void Two_states_and_two_scan_inputs_with_a_body_initializer_match_ONNX_Runtime()
    {
        // Body: a' = a + p · q, b' = max(b, p), z = a' · c (c a body initializer); p read forward along axis 0, q reversed along axis 1.
        Graph Make()
        {
            var body = new GraphBuilder(13).Input("a", 3).Input("b", 3).Input("p", 3).Input("q", 3).Constant("c", T.F(new[] { 3 }, 1f, -1f, 2f))
                .Node("Mul", new[] { "p", "q" }, new[] { "pq" }).Node("Add", new[] { "a", "pq" }, new[] { "a2" })
                .Node("Max", new[] { "b", "p" }, new[] { "b2" }).Node("Mul", new[] { "a2", "c" }, new[] { "z" })
                .Output("a2", "b2", "z").Graph;
            return new GraphBuilder(13).Input("a0", 3).Input("b0", 3).Input("p", 4, 3).Input("q", 3, 4)
                .Node("Scan", new[] { "a0", "b0", "p", "q" }, new[] { "a", "b", "zs" },
                    Int("num_scan_inputs", 2), Ints("scan_input_axes", 0, 1), Ints("scan_input_directions", 0, 1), Body(body))
                .Output("a", "b", "zs").Graph;
        }
        AssertMatchesOrt(Make, "two states, two scan inputs");
    }

    [Fact]
    public void Opset_8_runs_the_sequence_per_batch_element_as_ONNX_Runtime_does()
    {
        Graph Make() => new GraphBuilder(8).Input("s0", 2, 2).Input("x", 2, 3, 2).Constant("w", T.F(new[] { 2 }, 0.5f, -2f))
            .Node("Scan", new[] { "", "s0", "x" }, new[] { "s_final", "ys" }, Int("num_scan_inputs", 1), Ints("directions", 1), Body(RunningBody(8)))
            .Output("s_final", "ys").Graph;
        AssertMatchesOrt(Make, "opset 8, batch 2, reversed");
    }

    [Fact]
    public void Running_sum_by_hand_and_generated_code_equal_the_plan_allocating_nothing()
    {
        // Body: s' = s + x, y = s'. x = [[1, 2], [3, 4], [5, 6]] from s = [10, 20]: ys = [[11, 22], [14, 26], [19, 32]].
        Graph Make() => new GraphBuilder(13).Input("s0", 2).Input("x", 3, 2)
            .Node("Scan", new[] { "s0", "x" }, new[] { "s", "ys" }, Int("num_scan_inputs", 1),
                Body(new GraphBuilder(13).Input("s", 2).Input("xs", 2).Node("Add", new[] { "s", "xs" }, new[] { "sum" })
                    .Node("Identity", new[] { "sum" }, new[] { "y" }).Output("sum", "y").Graph))
            .Output("s", "ys").Graph;
        var plan = Baker.Bake(Make(), "tests", new BakeOptions("scan.onnx", "Scan", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var outputs = PlanInterpreter.Run(plan, new[] { new float[] { 10, 20 }, new float[] { 1, 2, 3, 4, 5, 6 } });
        Assert.Equal(new float[] { 19, 32 }, outputs[0]);
        Assert.Equal(new float[] { 11, 22, 14, 26, 19, 32 }, outputs[1]);

        // One input, one output (the generated class's test harness): the initial state a constant, the final state left out.
        Graph Single(bool finalState = false) => new GraphBuilder(13).Input("x", 3, 2)
            .Constant("s0", T.F(new[] { 2 }, 0.25f, -0.5f)).Constant("w", T.F(new[] { 2 }, 0.5f, -2f))
            .Node("Scan", new[] { "s0", "x" }, new[] { finalState ? "s" : "", "ys" }, Int("num_scan_inputs", 1), Ints("scan_input_directions", 1), Body(RunningBody(13)))
            .Output(finalState ? new[] { "s", "ys" } : new[] { "ys" }).Graph;
        var single = Baker.Bake(Single(), "tests", new BakeOptions("scan.onnx", "Scan", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        string source = ClassEmitter.Emit(single);
        Assert.Equal(source, ClassEmitter.Emit(PlanFile.Read(PlanFile.ToBytes(single))));
        var assembly = GeneratedAssembly.Compile(source, $"{single.Header.Namespace}.{single.Header.ClassName}");
        var input = OrtOracle.RandomTensor(new Random(6), new[] { 3, 2 }).AsFloats();
        var output = new float[single.Outputs[0].Length];
        Assert.Equal(0, assembly.AllocatedBytes(input, output, 100));
        Assert.Equal(PlanInterpreter.Run(single, new[] { input })[0], assembly.Predict(input, output.Length));
        var feeds = new Dictionary<string, Tensor> { ["x"] = T.F(new[] { 3, 2 }, input) };
        var ort = OrtOracle.Run(Single(finalState: true), feeds)["ys"]; // ONNX Runtime cannot leave a Scan output out
        Assert.True(OrtOracle.MaxError(ort, Tensor.FromFloats(ort.Shape, assembly.Predict(input, output.Length)), "generated") <= OrtOracle.Tolerance);
    }

    [Fact]
    public void Int8_and_nanoFramework_plans_bake_the_unrolled_nodes()
    {
        // Add and Mul have int8 and nanoFramework forms; so has the unrolled scan of them (Gather, Unsqueeze, Concat move int8 values).
        Graph Make() => new GraphBuilder(13).Input("s0", 2).Input("x", 4, 2)
            .Node("Scan", new[] { "s0", "x" }, new[] { "s", "ys" }, Int("num_scan_inputs", 1), Ints("scan_input_directions", 1),
                Body(new GraphBuilder(13).Input("s", 2).Input("xs", 2).Node("Add", new[] { "s", "xs" }, new[] { "sum" })
                    .Node("Mul", new[] { "sum", "xs" }, new[] { "y" }).Output("sum", "y").Graph))
            .Output("s", "ys").Graph;
        var int8 = Baker.Bake(Make(), "test", new BakeOptions("scan.onnx", "Scan", "Tests") { Precision = Precision.Int8 }, new RecordingLog());
        Assert.DoesNotContain(int8.Kernels, k => k.Kind == KernelKind.FloatIslandEntry);
        Assert.Contains(int8.Kernels, k => k.Kind == KernelKind.BinaryInt8);
        var nano = Baker.Bake(Make(), "test", new BakeOptions("scan.onnx", "Scan", "Tests") { Precision = Precision.Int8, Target = CodeTarget.NanoFramework },
            new RecordingLog());
        Assert.Equal(int8.Kernels.Count(k => k.Kind == KernelKind.BinaryInt8), nano.Kernels.Count(k => k.Kind == KernelKind.BinaryInt8));
    }

    [Fact]
    public void What_cannot_be_unrolled_is_refused_with_exact_codes()
    {
        BakeException Refusal(Graph graph) => Assert.Throws<BakeException>(() => ShapeInference.Run(graph));

        var tooLong = Refusal(ScanGraph(13, new[] { Scan.MaxUnrolledNodes / 4, 2 }));
        Assert.Equal(ErrorCodes.ScanTooLong, tooLong.Code);
        Assert.Contains("Scan_0", tooLong.Message);

        var unsupported = Refusal(new GraphBuilder(13).Input("s0", 2).Input("x", 3, 2)
            .Node("Scan", new[] { "s0", "x" }, new[] { "s", "ys" }, Int("num_scan_inputs", 1),
                Body(new GraphBuilder(13).Input("s", 2).Input("xs", 2).Node("Det", new[] { "s" }, new[] { "h" })
                    .Node("Add", new[] { "h", "xs" }, new[] { "y" }).Output("y", "y").Graph))
            .Output("s", "ys").Graph);
        Assert.Equal(ErrorCodes.UnsupportedOperators, unsupported.Code);
        Assert.Contains("Det", unsupported.Message);

        var shortSequence = Refusal(new GraphBuilder(8).Input("s0", 1, 2).Input("x", 1, 3, 2).Constant("lens", T.I(new[] { 1 }, 2)).Constant("w", T.F(new[] { 2 }, 1f, 1f))
            .Node("Scan", new[] { "lens", "s0", "x" }, new[] { "s", "ys" }, Int("num_scan_inputs", 1), Body(RunningBody(8)))
            .Output("s", "ys").Graph);
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, shortSequence.Code);

        var lengths = Refusal(new GraphBuilder(13).Input("s0", 2).Input("x", 3, 2).Input("x2", 4, 2).Constant("w", T.F(new[] { 2 }, 1f, 1f))
            .Node("Scan", new[] { "s0", "x", "x2" }, new[] { "s", "ys" }, Int("num_scan_inputs", 2),
                Body(new GraphBuilder(13).Input("s", 2).Input("xs", 2).Input("x2s", 2).Node("Add", new[] { "s", "xs" }, new[] { "sum" })
                    .Node("Add", new[] { "sum", "x2s" }, new[] { "y" }).Output("sum", "y").Graph))
            .Output("s", "ys").Graph);
        Assert.Equal(ErrorCodes.ShapeError, lengths.Code);

        var inputs = Refusal(new GraphBuilder(13).Input("s0", 2).Input("x", 3, 2)
            .Node("Scan", new[] { "s0", "x" }, new[] { "s", "ys" }, Int("num_scan_inputs", 3), Body(RunningBody(13)))
            .Output("s", "ys").Graph);
        Assert.Equal(ErrorCodes.InvalidGraph, inputs.Code);
    }
}
