using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Options;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Support;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// LSTM, GRU and RNN: the float reference against ONNX Runtime for every attribute, the baked plan against the
/// reference, generated code against the plan bit for bit, no allocation per Predict, coded refusals, and the onnx2c
/// LSTM model.
/// </summary>
public sealed class RecurrentTests
{
    /// <summary>How an optional input is given: omitted, a constant (initializer) or a graph input read at run time.</summary>
    public enum Given { Omitted, Constant, Runtime }

    /// <summary>One layer to build: the operator, its sizes, which optional inputs and outputs it has, its attributes.</summary>
    public sealed record Layer(string Op, string Direction = "forward", int Layout = 0, int Sequence = 4, int Batch = 3, int InputSize = 3,
        int Hidden = 5, bool Bias = true, Given Lengths = Given.Omitted, Given InitialState = Given.Omitted, bool Peepholes = false,
        float? Clip = null, bool LinearBeforeReset = false, bool InputForget = false, string[]? Activations = null, float[]? Alphas = null,
        float[]? Betas = null, string Outputs = "Y,Y_h,Y_c")
    {
        public int Directions => Direction == "bidirectional" ? 2 : 1;
        public int Gates => Op == "LSTM" ? 4 : Op == "GRU" ? 3 : 1;
        public override string ToString() =>
            $"{Op} {Direction} layout {Layout} lengths {Lengths} state {InitialState}{(Peepholes ? " peepholes" : "")}" +
            $"{(Clip != null ? $" clip {Clip}" : "")}{(LinearBeforeReset ? " linear_before_reset" : "")}{(InputForget ? " input_forget" : "")}" +
            $"{(Activations != null ? " " + string.Join("/", Activations) : "")} outputs {Outputs}";
    }

    public static IEnumerable<object[]> Layers => new Layer[]
    {
        new("LSTM"),
        new("LSTM", "reverse", Bias: false, Outputs: "Y_h"),
        new("LSTM", "bidirectional", Lengths: Given.Runtime, InitialState: Given.Runtime, Peepholes: true),
        new("LSTM", "bidirectional", Layout: 1, Lengths: Given.Constant, InitialState: Given.Constant, Outputs: "Y,Y_c"),
        new("LSTM", Peepholes: true, Clip: 0.7f, InputSize: 4, Hidden: 2),
        new("LSTM", "reverse", Layout: 1, InputForget: true, Lengths: Given.Runtime, Outputs: "Y,Y_h"),
        new("LSTM", Activations: new[] { "HardSigmoid", "LeakyRelu", "Softsign" }, Alphas: new[] { 0.3f, 0.2f }, Betas: new[] { 0.4f }),
        new("LSTM", "bidirectional", Activations: new[] { "Sigmoid", "Softplus", "Elu", "HardSigmoid", "ScaledTanh", "Affine" },
            Alphas: new[] { 0.9f, 0.25f, 1.5f, 0.7f }, Betas: new[] { 0.55f, 0.8f, 0.1f }),
        // Input and hidden sizes of 8 and more run the vectorised dot product in generated code (and its tail).
        new("LSTM", "bidirectional", InputSize: 19, Hidden: 12, Batch: 2, Lengths: Given.Runtime, Peepholes: true),
        new("GRU"),
        new("GRU", Layout: 1, InputSize: 16, Hidden: 9, Batch: 2, LinearBeforeReset: true, Outputs: "Y"),
        new("GRU", LinearBeforeReset: true, Lengths: Given.Runtime, InitialState: Given.Runtime),
        new("GRU", "bidirectional", Layout: 1, LinearBeforeReset: true, Clip: 0.5f, InitialState: Given.Constant),
        new("GRU", "reverse", Lengths: Given.Constant, Outputs: "Y"),
        new("GRU", Activations: new[] { "Sigmoid", "ThresholdedRelu" }, Alphas: new[] { 0.1f }, Bias: false),
        new("RNN"),
        new("RNN", "bidirectional", Lengths: Given.Runtime, InitialState: Given.Runtime, Clip: 0.6f),
        // ONNX Runtime refuses RNN with layout 1; test_simple_rnn_batchwise checks it against ONNX's reference instead.
        new("RNN", "reverse", Activations: new[] { "Relu" }, Outputs: "Y_h"),
        new("RNN", "bidirectional", Activations: new[] { "Tanh", "Sigmoid" }, Lengths: Given.Constant),
    }.Select(l => new object[] { l });

    [Theory]
    [MemberData(nameof(Layers))]
    public void Reference_matches_ONNX_Runtime_and_plan_and_generated_code_match_the_reference(Layer layer)
    {
        var feeds = Feeds(layer);
        var graph = Build(layer);
        ShapeInference.Run(graph);
        var reference = FloatInterpreter.Run(graph, feeds);
        if (layer.Layout == 0) OrtOracle.AssertMatches(graph, feeds, reference, layer.ToString());
        else AssertMatchesSequenceFirstTwin(layer, feeds, reference);

        var plan = Bake(layer);
        var inputs = plan.Inputs.Select(t => Data(feeds[t.Name])).ToArray();
        var planned = PlanInterpreter.RunTensors(plan, inputs);
        for (int i = 0; i < plan.Outputs.Count; i++)
            OperatorTestRunner.AssertClose(reference[plan.Outputs[i].Name].AsFloats(), (float[])planned[i], 1e-6f);

        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
        var outputs = plan.Outputs.Select(t => (object)new float[t.Length]).ToArray();
        predict(inputs, outputs);
        for (int i = 0; i < plan.Outputs.Count; i++) Assert.Equal((float[])planned[i], (float[])outputs[i]);
    }

    /// <summary>
    /// ONNX Runtime runs no recurrent layer batch first (layout 1): the same layer sequence first, on X and the initial
    /// states with their first two axes swapped, must give our outputs with theirs swapped back.
    /// </summary>
    private static void AssertMatchesSequenceFirstTwin(Layer layer, Dictionary<string, Tensor> feeds, IReadOnlyDictionary<string, Tensor> reference)
    {
        var twin = Build(layer with { Layout = 0 });
        ShapeInference.Run(twin);
        var twinFeeds = feeds.ToDictionary(kv => kv.Key, kv => kv.Key == "lens" ? kv.Value : Permute(kv.Value, 1, 0, 2));
        var ort = OrtOracle.Run(twin, twinFeeds);
        foreach (string name in twin.Outputs)
        {
            var expected = name == "y" ? Permute(ort[name], 2, 0, 1, 3) : Permute(ort[name], 1, 0, 2);
            double error = OrtOracle.MaxError(expected, reference[name], $"{layer}, output '{name}'");
            Assert.True(error <= OrtOracle.Tolerance, $"{layer}, output '{name}': relative error {error:E2}");
        }
    }

    /// <summary>Output axis k is input axis perm[k].</summary>
    private static Tensor Permute(Tensor t, params int[] perm)
    {
        int[] shape = perm.Select(a => t.Shape[a]).ToArray(), strides = new int[t.Shape.Length];
        for (int a = t.Shape.Length - 1, stride = 1; a >= 0; stride *= t.Shape[a], a--) strides[a] = stride;
        float[] data = t.AsFloats(), result = new float[data.Length];
        var index = new int[shape.Length];
        for (int i = 0; i < result.Length; i++)
        {
            int source = 0;
            for (int k = 0; k < shape.Length; k++) source += index[k] * strides[perm[k]];
            result[i] = data[source];
            for (int k = shape.Length - 1; k >= 0 && ++index[k] == shape[k]; k--) index[k] = 0;
        }
        return Tensor.FromFloats(shape, result);
    }

    [Fact]
    public void Outputs_past_a_sequence_end_are_zero_and_Y_h_holds_the_last_valid_step()
    {
        var layer = new Layer("GRU", "bidirectional", Lengths: Given.Runtime, Sequence: 5);
        var graph = Build(layer);
        ShapeInference.Run(graph);
        var result = FloatInterpreter.Run(graph, Feeds(layer));
        float[] y = result["y"].AsFloats(), yh = result["y_h"].AsFloats();
        int[] lengths = Lengths(layer);
        int hidden = layer.Hidden, batch = layer.Batch;
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < layer.Sequence; t++)
                for (int d = 0; d < 2; d++)
                {
                    var step = y.AsSpan(((t * 2 + d) * batch + b) * hidden, hidden).ToArray();
                    Assert.Equal(t >= lengths[b], step.All(v => v == 0f));
                }
            // Forward ends at the entry's last valid step, reverse at step 0.
            Assert.Equal(y.AsSpan(((lengths[b] - 1) * 2 * batch + b) * hidden, hidden).ToArray(), yh.AsSpan(b * hidden, hidden).ToArray());
            Assert.Equal(y.AsSpan(((0 * 2 + 1) * batch + b) * hidden, hidden).ToArray(), yh.AsSpan((batch + b) * hidden, hidden).ToArray());
        }
    }

    [Fact]
    public void Predict_allocates_nothing()
    {
        var layer = new Layer("LSTM", "bidirectional", Lengths: Given.Constant, InitialState: Given.Constant, Peepholes: true, Outputs: "Y_h");
        var plan = Bake(layer);
        Assert.Single(plan.Inputs);
        var assembly = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), $"{plan.Header.Namespace}.{plan.Header.ClassName}");
        var input = Feeds(layer)["x"].AsFloats();
        var output = new float[plan.Outputs[0].Length];
        Assert.Equal(0, assembly.AllocatedBytes(input, output, 100));
        Assert.Equal(PlanInterpreter.Run(plan, new[] { input })[0], assembly.Predict(input, output.Length));
    }

    [Fact]
    public void An_activation_ONNX_does_not_define_is_refused_naming_the_node()
    {
        var graph = Build(new Layer("RNN", Activations: new[] { "Gelu" }));
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(graph));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("RNN_0", e.Message);
        Assert.Contains("Gelu", e.Message);
        Assert.Contains("Softplus", e.Message);
    }

    [Fact]
    public void Weights_that_do_not_fit_are_a_shape_error()
    {
        var graph = Build(new Layer("GRU"), hiddenSize: 4);
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(graph));
        Assert.Equal(ErrorCodes.ShapeError, e.Code);
        Assert.Contains("GRU_0", e.Message);
    }

    [Fact]
    public void Weights_computed_at_run_time_are_refused()
    {
        var layer = new Layer("RNN");
        var graph = Build(layer, weightsAsInputs: true);
        var e = Assert.Throws<BakeException>(() => Baker.Bake(graph, "test", new BakeOptions("rnn.onnx", "Rnn", "Tests") { Precision = Precision.Float32 }, new RecordingLog()));
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, e.Code);
        Assert.Contains("constant initializer", e.Message);
    }

    [Fact]
    public void int8_runs_a_GRU_with_other_activations_in_a_float_island()
    {
        var plan = Baker.Bake(Build(new Layer("GRU", Activations: new[] { "Sigmoid", "Softsign" })), "test",
            new BakeOptions("gru.onnx", "Gru", "Tests") { Precision = Precision.Int8 }, new RecordingLog());
        int recurrent = plan.Kernels.ToList().FindIndex(k => k is RecurrentFloatIsland);
        Assert.True(recurrent > 0, "no recurrent step");
        Assert.IsType<FloatIslandEntry>(plan.Kernels[recurrent - 1]); // its int8 input, dequantized
        Assert.Contains(plan.Kernels.Skip(recurrent), k => k is FloatIslandExit);
    }

    /// <summary>onnx2c's LSTM (Transpose, LSTM with all three outputs, Squeeze), with ONNX Runtime's outputs.</summary>
    [Fact]
    public void The_onnx2c_LSTM_model_passes_conformance()
    {
        var result = ConformanceRunner.Run(ConformanceCase.Find(TestData.Path("realmodels")).Single(c => c.Name == "o2c_lstm_k1_b1_r1"));
        Assert.True(result.Outcome == Outcome.Pass, result.ToString());
    }

    private static BakedPlan Bake(Layer layer) =>
        Baker.Bake(Build(layer), "test", new BakeOptions("recurrent.onnx", "Recurrent", "Tests") { Precision = Precision.Float32 }, new RecordingLog());

    private static int[] Lengths(Layer layer) =>
        Enumerable.Range(0, layer.Batch).Select(b => b == 0 ? layer.Sequence : Math.Max(1, layer.Sequence - 1 - b)).ToArray();

    private static int[] StateShape(Layer layer) =>
        layer.Layout == 0 ? new[] { layer.Directions, layer.Batch, layer.Hidden } : new[] { layer.Batch, layer.Directions, layer.Hidden };

    /// <summary>The run-time inputs: X, and the lengths and initial states the layer takes as graph inputs.</summary>
    internal static Dictionary<string, Tensor> Feeds(Layer layer)
    {
        var rng = new Random(layer.ToString().Length);
        int[] x = layer.Layout == 0 ? new[] { layer.Sequence, layer.Batch, layer.InputSize } : new[] { layer.Batch, layer.Sequence, layer.InputSize };
        var feeds = new Dictionary<string, Tensor> { ["x"] = OrtOracle.RandomTensor(rng, x, 2f) };
        if (layer.Lengths == Given.Runtime)
            feeds["lens"] = Tensor.FromInt64s(new[] { layer.Batch }, Lengths(layer).Select(v => (long)v).ToArray(), ElementType.Int32);
        if (layer.InitialState == Given.Runtime)
        {
            feeds["h0"] = OrtOracle.RandomTensor(rng, StateShape(layer));
            if (layer.Op == "LSTM") feeds["c0"] = OrtOracle.RandomTensor(rng, StateShape(layer));
        }
        return feeds;
    }

    internal static Array Data(Tensor t) => t.Type == ElementType.Int32 ? t.Int64s!.Select(v => (int)v).ToArray() : t.AsFloats();

    internal static Graph Build(Layer layer, int? hiddenSize = null, bool weightsAsInputs = false)
    {
        var rng = new Random((layer with { Layout = 0 }).ToString().Aggregate(17, (h, c) => unchecked(h * 31 + c))); // deterministic, unlike string.GetHashCode
        var builder = new GraphBuilder(22);
        var feeds = Feeds(layer);
        builder.Input("x", feeds["x"].Shape);
        int rows = layer.Gates * layer.Hidden;
        var inputs = new List<string> { "x", "w", "r" };
        void Weight(string name, int[] shape)
        {
            var tensor = OrtOracle.RandomTensor(rng, shape, 0.6f);
            if (weightsAsInputs) builder.Input(name, shape); else builder.Constant(name, tensor);
        }
        Weight("w", new[] { layer.Directions, rows, layer.InputSize });
        Weight("r", new[] { layer.Directions, rows, layer.Hidden });
        if (layer.Bias) Weight("b", new[] { layer.Directions, 2 * rows });
        inputs.Add(layer.Bias ? "b" : "");
        switch (layer.Lengths)
        {
            case Given.Runtime: builder.Input("lens", ElementType.Int32, layer.Batch); break;
            case Given.Constant:
                builder.Constant("lens", Tensor.FromInt64s(new[] { layer.Batch }, Lengths(layer).Select(v => (long)v).ToArray(), ElementType.Int32));
                break;
        }
        inputs.Add(layer.Lengths == Given.Omitted ? "" : "lens");
        var states = layer.Op == "LSTM" ? new[] { "h0", "c0" } : new[] { "h0" };
        foreach (string state in states)
        {
            if (layer.InitialState == Given.Runtime) builder.Input(state, StateShape(layer));
            if (layer.InitialState == Given.Constant) // drawn sequence first, so a batch-first layer and its twin share values
            {
                var sequenceFirst = OrtOracle.RandomTensor(rng, StateShape(layer with { Layout = 0 }));
                builder.Constant(state, layer.Layout == 0 ? sequenceFirst : Permute(sequenceFirst, 1, 0, 2));
            }
            inputs.Add(layer.InitialState == Given.Omitted ? "" : state);
        }
        if (layer.Peepholes)
        {
            builder.Constant("p", OrtOracle.RandomTensor(rng, new[] { layer.Directions, 3 * layer.Hidden }, 0.6f));
            inputs.Add("p");
        }
        while (inputs.Count > 3 && inputs[^1].Length == 0) inputs.RemoveAt(inputs.Count - 1);

        var attributes = new List<Attribute>
        {
            GraphBuilder.Int("hidden_size", hiddenSize ?? layer.Hidden),
            new() { Name = "direction", Kind = AttributeKind.String, String = layer.Direction },
            GraphBuilder.Int("layout", layer.Layout),
        };
        if (layer.Clip is { } clip) attributes.Add(GraphBuilder.Float("clip", clip));
        if (layer.LinearBeforeReset) attributes.Add(GraphBuilder.Int("linear_before_reset", 1));
        if (layer.InputForget) attributes.Add(GraphBuilder.Int("input_forget", 1));
        if (layer.Activations != null) attributes.Add(new() { Name = "activations", Kind = AttributeKind.Strings, Strings = layer.Activations });
        if (layer.Alphas != null) attributes.Add(new() { Name = "activation_alpha", Kind = AttributeKind.Floats, Floats = layer.Alphas });
        if (layer.Betas != null) attributes.Add(new() { Name = "activation_beta", Kind = AttributeKind.Floats, Floats = layer.Betas });

        var wanted = layer.Outputs.Split(',');
        var names = new[] { "Y", "Y_h", "Y_c" }.Take(layer.Op == "LSTM" ? 3 : 2).Select(o => wanted.Contains(o) ? o.ToLowerInvariant() : "").ToList();
        while (names[^1].Length == 0) names.RemoveAt(names.Count - 1);
        builder.Node(layer.Op, inputs.ToArray(), names.ToArray(), attributes.ToArray()).Output(names.Where(n => n.Length > 0).ToArray());
        return builder.Graph;
    }
}
