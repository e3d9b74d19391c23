using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Support;
using Tensor = ModelBaker.Core.Ir.Tensor;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// ai.onnx.ml TreeEnsembleClassifier, TreeEnsembleRegressor and TreeEnsemble on the models build/make_tree_fixtures.py
/// made (scikit-learn and XGBoost forests, hand-written forests for every mode, aggregate, post transform, binary rule and
/// opset 5's set membership): the float reference against ONNX Runtime, the baked plan against the reference, the
/// generated code against the plan bit for bit and without allocating.
/// </summary>
public sealed class TreeEnsembleTests
{
    private static string Folder => TestData.Path("trees");

    public static IEnumerable<object[]> Models =>
        Directory.GetFiles(Folder, "*.onnx").Select(p => Path.GetFileNameWithoutExtension(p)).Where(n => !n.EndsWith(".ort", StringComparison.Ordinal))
            .OrderBy(n => n, StringComparer.Ordinal)
            .Select(n => new object[] { n });

    [Fact]
    public void The_fixtures_cover_every_family()
    {
        var names = Models.Select(m => (string)m[0]).ToList();
        Assert.True(names.Count >= 50, $"{names.Count} fixtures");
        foreach (string prefix in new[] { "rf_classifier", "rf_binary", "gb_binary", "gb_multiclass", "gb_regressor", "rf_regressor",
                     "xgb_multiclass", "xgb_binary", "regressor_min", "regressor_max", "regressor_average", "regressor1_", "classifier_probit",
                     "classifier_softmax_zero", "binary_logistic_mixed_0", "binary_none_positive_2", "ensemble5_a2_t1", "classifier_int64_input" })
            Assert.Contains(names, n => n.StartsWith(prefix, StringComparison.Ordinal));
    }

    private static Tensor Input(string name) => TensorConverter.ReadTensorFile(Path.Combine(Folder, name + ".input.pb"));

    private static Graph Load(string name, Tensor input)
    {
        var graph = OnnxModelReader.Load(Path.Combine(Folder, name + ".onnx"));
        graph[graph.Inputs[0]].Shape = input.Shape; // the fixtures leave the batch dynamic
        return graph;
    }

    /// <summary>
    /// ONNX Runtime on the fixture file, float or int64 features; for TreeEnsemble's post_transform 1 and 2 on its twin
    /// with the other number, as ONNX Runtime swaps SOFTMAX (1 in the spec) and LOGISTIC (2).
    /// </summary>
    private static Dictionary<string, Tensor> Ort(string name, Tensor input)
    {
        string twin = Path.Combine(Folder, name + ".ort.onnx");
        using var session = new InferenceSession(File.Exists(twin) ? twin : Path.Combine(Folder, name + ".onnx"));
        string inputName = session.InputMetadata.Keys.Single();
        var feed = input.Type == ElementType.Int64
            ? NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<long>(input.Int64s!, input.Shape))
            : NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(input.Floats!, input.Shape));
        using var results = session.Run(new[] { feed });
        return results.ToDictionary(r => r.Name, r => r.Value switch
        {
            Tensor<float> f => Tensor.FromFloats(f.Dimensions.ToArray(), f.ToArray()),
            Tensor<long> l => Tensor.FromInt64s(l.Dimensions.ToArray(), l.ToArray()),
            _ => throw new NotSupportedException($"ORT output '{r.Name}' is {r.Value?.GetType()}"),
        });
    }

    private static BakedPlan Bake(string name, Tensor input) =>
        Baker.Bake(Load(name, input), "test", new BakeOptions(name + ".onnx", "Trees", "Tests") { Precision = Precision.Float32 }, new RecordingLog());

    private static object InputArray(Tensor input) => input.Type == ElementType.Int64 ? input.Int64s! : input.Floats!;

    [Theory]
    [MemberData(nameof(Models))]
    public void Reference_plan_and_generated_code_match_ONNX_Runtime(string name)
    {
        var input = Input(name);
        var ort = Ort(name, input);

        var graph = Load(name, input);
        ShapeInference.Run(graph);
        var reference = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { [graph.Inputs[0]] = input });
        foreach (string output in graph.Outputs) AssertClose(ort[output], reference[output], $"{name} '{output}'");

        var plan = Bake(name, input);
        var planOutputs = PlanInterpreter.RunTensors(plan, new[] { (Array)InputArray(input) });
        for (int o = 0; o < plan.Outputs.Count; o++)
        {
            var want = reference[plan.Outputs[o].Name];
            if (want.Type == ElementType.Int64) Assert.Equal(want.Int64s, (long[])planOutputs[o]);
            else Assert.Equal(want.Floats, (float[])planOutputs[o]); // the same arithmetic in the same order: exactly equal
        }

        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
        var inputs = new[] { InputArray(input) };
        var outputs = plan.Outputs.Select(t => (object)Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length)).ToArray();
        predict(inputs, outputs);
        for (int o = 0; o < plan.Outputs.Count; o++)
            Assert.Equal(planOutputs[o].Cast<object>(), ((Array)outputs[o]).Cast<object>()); // bit for bit
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) predict(inputs, outputs);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Labels exactly; scores within 1e-5 · max(1, |ORT|), NaN where ORT gives NaN (PROBIT outside (0, 1)).</summary>
    private static void AssertClose(Tensor ort, Tensor ours, string what)
    {
        Assert.Equal(ort.Shape, ours.Shape);
        Assert.Equal(ort.Type, ours.Type);
        if (ort.Type == ElementType.Int64)
        {
            Assert.Equal(ort.Int64s, ours.Int64s);
            return;
        }
        for (int i = 0; i < ort.Length; i++)
        {
            float e = ort.Floats![i], a = ours.Floats![i];
            bool close = float.IsNaN(e) ? float.IsNaN(a) : float.IsInfinity(e) ? a == e : Math.Abs(a - e) <= 1e-5 * Math.Max(1, Math.Abs(e));
            Assert.True(close, $"{what}[{i}]: ours {a:R}, ONNX Runtime {e:R}");
        }
    }

    [Fact]
    public void Trees_are_compact_node_arrays_walked_by_one_loop()
    {
        var input = Input("rf_classifier");
        var plan = Bake("rf_classifier", input);
        // One walk (one copy of the trees), then labels and probabilities from its leaf weights.
        Assert.Equal(new[] { KernelKind.TreeEnsembleFloat, KernelKind.TreeScoresFloat, KernelKind.TreeScoresFloat }, plan.Kernels.Select(k => k.Kind));
        Assert.Equal(ElementType.Int64, plan.Kernels[1].Output.Type);
        Assert.Equal(1, ((TreeEnsembleFloat)plan.Kernels[0]).Forest.IndexWidth); // 5 features, 3 classes: bytes
        string source = ClassEmitter.Emit(plan);
        Assert.Contains("private static ReadOnlySpan<byte> Step1LabelLeafWeightsFeatures", source);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(source, "ReadOnlySpan<byte> Step[0-9]+[A-Za-z]*Modes"));
        Assert.Contains("// 0: tree 0 node 0", source);
        Assert.Contains("TreeEnsemble<byte, byte>(", source);
        Assert.DoesNotContain("if (input[", source);
        Assert.Equal(source, ClassEmitter.Emit(Bake("rf_classifier", input))); // deterministic

        // Narrow types follow the largest value: 300 features need ushort indices.
        var forest = new TreeForest(new[] { Branch(299, 1, 2), Leaf(0, 1f), Leaf(0, 2f) }, new[] { 0 },
            new TreeScoring(false, 1, TreeScoring.Sum, TreeScoring.None, Array.Empty<float>(), Array.Empty<long>(), false, false)).Compile();
        Assert.Equal(2, forest.IndexWidth);
        Assert.Equal(1, forest.LinkWidth);
        Assert.Equal(new byte[] { 0, 7, 7 }, forest.Modes);
        Assert.Equal(new[] { 299, 1, 1 }, forest.Features); // a leaf's feature slot counts its weights
        Assert.Equal(new[] { 2, 0, 1 }, forest.Links);      // false child two ahead; each leaf's first weight
    }

    private static TreeNode Branch(int feature, int whenTrue, int whenFalse) =>
        new("n", TreeNodeMode.Leq, feature, 0.5f, Array.Empty<float>(), false) { True = whenTrue, False = whenFalse };

    private static TreeNode Leaf(int target, float weight)
    {
        var leaf = new TreeNode("leaf", TreeNodeMode.Leaf, 0, 0f, Array.Empty<float>(), false);
        leaf.Weights.Add((target, weight));
        return leaf;
    }

    [Fact]
    public void The_plan_file_keeps_the_forest()
    {
        var input = Input("ensemble5_a1_t0");
        var plan = Bake("ensemble5_a1_t0", input);
        var bytes = PlanFile.ToBytes(plan);
        var read = PlanFile.Read(bytes);
        Assert.Equal(PlanInterpreter.RunTensors(plan, new Array[] { input.Floats! })[0].Cast<float>(),
            PlanInterpreter.RunTensors(read, new Array[] { input.Floats! })[0].Cast<float>());
        Assert.Equal(bytes, PlanFile.ToBytes(read));
        Assert.Equal(ClassEmitter.Emit(plan), ClassEmitter.Emit(read)); // comments naming the ONNX nodes included
    }

    [Fact]
    public void String_class_labels_are_refused_with_a_hint()
    {
        var graph = new GraphBuilder(13).Input("x", new[] { 1, 2 })
            .Node("ai.onnx.ml:TreeEnsembleClassifier", new[] { "x" }, new[] { "label", "scores" },
                new[]
                {
                    new Core.Ir.Attribute { Name = "classlabels_strings", Kind = AttributeKind.Strings, Strings = new[] { "cat", "dog" } },
                    GraphBuilder.Ints("nodes_treeids", 0), GraphBuilder.Ints("nodes_nodeids", 0), GraphBuilder.Ints("nodes_featureids", 0),
                })
            .Output("scores").Graph;
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(graph));
        Assert.Equal(ErrorCodes.StringClassLabels, e.Code);
        Assert.Contains("integer labels", e.Message);
    }

    [Fact]
    public void Broken_trees_are_refused_naming_the_node()
    {
        var graph = new GraphBuilder(13).Input("x", new[] { 1, 2 })
            .Node("ai.onnx.ml:TreeEnsembleRegressor", new[] { "x" }, new[] { "y" },
                new[]
                {
                    GraphBuilder.Int("n_targets", 1),
                    GraphBuilder.Ints("nodes_treeids", 0, 0), GraphBuilder.Ints("nodes_nodeids", 0, 1), GraphBuilder.Ints("nodes_featureids", 0, 0),
                    new Core.Ir.Attribute { Name = "nodes_modes", Kind = AttributeKind.Strings, Strings = new[] { "BRANCH_LEQ", "LEAF" } },
                    new Core.Ir.Attribute { Name = "nodes_values", Kind = AttributeKind.Floats, Floats = new[] { 0.5f, 0f } },
                    GraphBuilder.Ints("nodes_truenodeids", 1, 0), GraphBuilder.Ints("nodes_falsenodeids", 5, 0),
                    GraphBuilder.Ints("target_treeids", 0), GraphBuilder.Ints("target_nodeids", 1), GraphBuilder.Ints("target_ids", 0),
                    new Core.Ir.Attribute { Name = "target_weights", Kind = AttributeKind.Floats, Floats = new[] { 1f } },
                })
            .Output("y").Graph;
        var e = Assert.Throws<BakeException>(() => ShapeInference.Run(graph));
        Assert.Equal(ErrorCodes.InvalidTreeEnsemble, e.Code);
        Assert.Contains("node 5, which does not exist", e.Message);
    }

    [Fact]
    public void An_int8_bake_walks_the_forest_in_integers_and_takes_the_softmax_of_the_raw_scores_in_integers()
    {
        var input = Input("classifier_softmax");
        var plan = Baker.Bake(Load("classifier_softmax", input), "test",
            new BakeOptions("classifier_softmax.onnx", "Trees", "Tests") { Precision = Precision.Int8 }, new RecordingLog());

        // The walk and the labels are integer; SOFTMAX mixes a row's scores, so the raw scores (a level table) go through
        // the integer softmax of the classical models' score transform: no float step, so nanoFramework runs it too.
        Assert.Equal(new[] { KernelKind.TreeEnsembleInt8, KernelKind.TreeScoresInt8, KernelKind.TreeScoresInt8, KernelKind.SoftmaxInt8 }, plan.Kernels.Select(k => k.Kind));
        Assert.DoesNotContain(plan.Kernels, k => k is IFloatOnlyKernel);
        Assert.DoesNotContain(plan.Kernels, k => k is FloatIslandEntry);
        Assert.Equal(ElementType.Int64, plan.Outputs[0].Type);
        var labels = PlanInterpreter.RunTensors(plan, new Array[] { input.AsFloats() })[0];
        var expected = FloatInterpreter.Run(Load("classifier_softmax", input), new Dictionary<string, Tensor> { [Load("classifier_softmax", input).Inputs[0]] = input })
            .Values.First(t => t.Type == ElementType.Int64).Int64s!;
        Assert.Equal(expected.Length, labels.Length);
        int agree = expected.Where((label, i) => Convert.ToInt64(labels.GetValue(i)) == label).Count();
        Assert.True(agree >= expected.Length * 9 / 10, $"{agree} of {expected.Length} labels agree with the float model"); // features are quantized to 8 bits
    }

    /// <summary>
    /// The ONNX backend case test_ai_onnx_ml_tree_ensemble_single_tree runs on doubles, which ModelBaker does not carry
    /// (it is skipped for its element type); the same graph in float32 must give its expected output.
    /// </summary>
    [Fact]
    public void The_backend_single_tree_case_in_float_gives_its_expected_output()
    {
        var input = Input("backend_single_tree");
        var graph = Load("backend_single_tree", input);
        ShapeInference.Run(graph);
        var y = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["X"] = input })["Y"];
        var expected = TensorConverter.ReadTensorFile(Path.Combine(Folder, "backend_single_tree.expected.pb")).AsFloats();
        OperatorTestRunner.AssertClose(expected, y.AsFloats(), 1e-5f);
        var plan = Bake("backend_single_tree", input);
        OperatorTestRunner.AssertClose(expected, PlanInterpreter.Run(plan, new[] { input.Floats! })[0], 1e-5f);
    }
}
