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
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Serialization;
using Attribute = ModelBaker.Core.Ir.Attribute;
using Tensor = ModelBaker.Core.Ir.Tensor;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Classical models (ai.onnx.ml) fitted by scikit-learn and written by build/make_classical_ml_fixtures.py: each is
/// baked in float, its generated class compiled and run, and compared with the plan interpreter (exactly) and with
/// ONNX Runtime on the same file (1e-5 relative; labels exactly; string labels through the generated class array).
/// </summary>
public sealed class ClassicalMlTests
{
    public static TheoryData<string> Models => new()
    {
        "logreg_multi", "logreg_ovr_normalized", "logreg_binary_strings", "linear_svc_int_input", "linear_regression_two_targets",
        "linear_regression_probit", "preprocessing_chain", "svc_rbf_probability", "svc_poly_binary", "svc_sigmoid_multi",
        "svc_linear_kernel_multi", "svm_linear_model", "svm_linear_binary", "svr_rbf", "svr_linear_model", "one_class_svm", "encoders",
        "svc_rbf_probability_binary", "svc_poly_probability_5",
    };

    private static string ModelPath(string name) => TestData.Path("classical", name + ".onnx");

    private static BakedPlan Bake(string name, Func<BakeOptions, BakeOptions>? configure = null, RecordingLog? log = null)
    {
        var options = new BakeOptions(ModelPath(name), "Model", "ClassicalTests") { Precision = Precision.Float32 };
        return Baker.Bake(configure?.Invoke(options) ?? options, log ?? new RecordingLog());
    }

    /// <summary>Float inputs in [−2, 2) (one NaN for the imputer), int64 inputs in [0, 10).</summary>
    private static Array[] Inputs(BakedPlan plan, int seed)
    {
        var rng = new Random(seed);
        return plan.Inputs.Select(t => t.Type == ElementType.Int64
            ? (Array)Enumerable.Range(0, t.Length).Select(_ => (long)rng.Next(0, 10)).ToArray()
            : Enumerable.Range(0, t.Length).Select(i => i == 1 && plan.Header.ModelFileName.StartsWith("preprocessing", StringComparison.Ordinal)
                ? float.NaN : (float)(rng.NextDouble() * 4 - 2)).ToArray()).ToArray();
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Generated_code_equals_the_interpreter_and_onnx_runtime(string name)
    {
        var plan = Bake(name);
        string source = ClassEmitter.Emit(plan);
        var predict = InMemoryCompiler.Compile(source, plan);
        for (int seed = 1; seed <= 3; seed++)
        {
            var inputs = Inputs(plan, seed);
            var interpreted = PlanInterpreter.RunTensors(plan, inputs);
            var generated = plan.Outputs.Select(t => Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length)).ToArray();
            predict(inputs, generated);
            for (int o = 0; o < plan.Outputs.Count; o++) Assert.Equal(interpreted[o], generated[o]); // bit for bit

            var ort = RunOrt(ModelPath(name), plan, inputs);
            for (int o = 0; o < plan.Outputs.Count; o++)
                AssertMatchesOrt(plan, plan.Outputs[o], ort[plan.Outputs[o].Name], generated[o], source, $"{name} seed {seed}");
        }
    }

    /// <summary>ONNX Runtime's outputs by name: tensors as arrays, a ZipMap's sequence of maps as one dictionary per row.</summary>
    private static Dictionary<string, object> RunOrt(string path, BakedPlan plan, Array[] inputs)
    {
        using var session = new InferenceSession(path);
        var feeds = plan.Inputs.Select((t, i) => inputs[i] is long[] longs
            ? NamedOnnxValue.CreateFromTensor(t.Name, new DenseTensor<long>(longs, t.Shape))
            : NamedOnnxValue.CreateFromTensor(t.Name, new DenseTensor<float>((float[])inputs[i], t.Shape))).ToList();
        using var results = session.Run(feeds);
        var outputs = new Dictionary<string, object>();
        foreach (var r in results)
        {
            outputs[r.Name] = r.Value switch
            {
                Tensor<float> f => f.ToArray(),
                Tensor<long> l => l.ToArray(),
                Tensor<int> i => i.ToArray(),
                Tensor<string> s => s.ToArray(),
                IEnumerable<DisposableNamedOnnxValue> rows => rows.Select(row => row.Value switch
                {
                    IDictionary<long, float> map => map.ToDictionary(p => (object)p.Key, p => p.Value),
                    IDictionary<string, float> map => map.ToDictionary(p => (object)p.Key, p => p.Value),
                    var other => throw new NotSupportedException($"ZipMap row of type {other?.GetType()}"),
                }).ToList(),
                var other => throw new NotSupportedException($"ORT output '{r.Name}' of type {other?.GetType()}"),
            };
        }
        return outputs;
    }

    private static void AssertMatchesOrt(BakedPlan plan, PlanTensor output, object expected, Array actual, string source, string context)
    {
        var labels = plan.Kernels.LastOrDefault(k => k.Output == output.Slice) as IClassLabels;
        switch (expected)
        {
            case float[] want:
                var got = (float[])actual;
                Assert.Equal(want.Length, got.Length);
                for (int i = 0; i < want.Length; i++)
                    Assert.True(float.IsNaN(want[i]) ? float.IsNaN(got[i]) : Math.Abs(got[i] - want[i]) <= 1e-5 * Math.Max(1, Math.Abs(want[i])),
                        $"{context}, '{output.Name}'[{i}]: ONNX Runtime {want[i]}, ours {got[i]}");
                break;
            case long[] want:
                Assert.Equal(want, (long[])actual);
                break;
            case int[] want:
                Assert.Equal(want, (int[])actual);
                break;
            case string[] want:
                // The contract for string class labels: an int64 index into the generated class's <Output>Classes.
                var names = Assert.IsType<string[]>(labels!.Classes);
                Assert.Contains($"public static readonly string[] {Names.Pascal(output.Name)}Classes = {{ {string.Join(", ", names.Select(n => $"\"{n}\""))} }};", source);
                Assert.Equal(want, ((long[])actual).Select(i => names[i]).ToArray());
                break;
            case List<Dictionary<object, float>> rows:
                // ZipMap: the probabilities as [rows, classes], the classes as a static array beside them.
                var classes = labels!.Classes;
                var values = (float[])actual;
                Assert.Equal(rows.Count * classes.Length, values.Length);
                Assert.Contains($"public static readonly long[] {Names.Pascal(output.Name)}Classes = {{ {string.Join(", ", ((long[])classes).Select(c => c + "L"))} }};", source);
                for (int r = 0; r < rows.Count; r++)
                    for (int c = 0; c < classes.Length; c++)
                        Assert.True(Math.Abs(rows[r][classes.GetValue(c)!] - values[r * classes.Length + c]) <= 1e-5, $"{context}, ZipMap row {r} class {classes.GetValue(c)}");
                break;
            default:
                throw new InvalidOperationException(expected.GetType().Name);
        }
    }

    [Fact]
    public void A_classifier_predicts_an_int64_label_and_float_probabilities_in_one_call()
    {
        var plan = Bake("logreg_multi");
        Assert.Equal(new[] { ElementType.Int64, ElementType.Float32, ElementType.Float32 }, plan.Outputs.Select(t => t.Type));
        string source = ClassEmitter.Emit(plan);
        Assert.Contains("public static void Predict(ReadOnlySpan<float> input, Span<long> label, Span<float> probabilityTensor, Span<float> probabilities)", source);
        Assert.Contains("/// <summary>The class of each column of output 'probabilities' (a ZipMap in the model): element [n, c] is the probability of class ProbabilitiesClasses[c].</summary>", source);
        Assert.Contains("public static readonly long[] ProbabilitiesClasses = { 10L, 20L, 30L };", source);

        // The plan file keeps the classes: the generator's source from a read-back plan is the same.
        Assert.Equal(source, ClassEmitter.Emit(PlanFile.Read(PlanFile.ToBytes(plan))));
    }

    [Fact]
    public void A_classifier_with_string_labels_returns_an_index_into_its_classes()
    {
        var plan = Bake("logreg_binary_strings");
        Assert.Equal(ElementType.Int64, plan.Outputs[0].Type);
        Assert.Contains("public static readonly string[] LabelClasses = { \"no\", \"yes\" };", ClassEmitter.Emit(plan));
        Assert.Contains("holds each row's class as an index into LabelClasses", ClassEmitter.Emit(plan));
    }

    [Fact]
    public void Linear_coefficients_are_pruned_and_clustered_like_any_layer()
    {
        var plan = Bake("logreg_multi", o => o with { Sparsity = 0.5f, Reconstruction = false });
        var layer = plan.Kernels.OfType<FullyConnectedFloat>().Single();
        Assert.Equal(6, layer.Weights.Count(w => w == 0f)); // half of the 3 × 4 coefficients
        var clustered = Bake("logreg_multi", o => o with { Clusters = 2 }).Kernels.OfType<FullyConnectedFloat>().Single();
        Assert.Equal(2, clustered.Weights.Distinct().Count());
    }

    [Fact]
    public void Sparsity_on_a_model_without_weighted_layers_warns_MB1111()
    {
        var log = new RecordingLog();
        Bake("svc_rbf_probability", o => o with { Sparsity = 0.5f, Clusters = 4 }, log);
        var warning = Assert.Single(log.Warnings, w => w.Code == ErrorCodes.CompressionNotApplicable);
        Assert.Contains("Sparsity and Clusters do not apply to this model", warning.Message);
        var none = new RecordingLog();
        Bake("svc_rbf_probability", log: none);
        Assert.DoesNotContain(none.Warnings, w => w.Code == ErrorCodes.CompressionNotApplicable);
    }

    [Fact]
    public void Int8_runs_the_classical_steps_as_integer_steps_and_keeps_the_class_arrays()
    {
        // The per-feature maps, the Normalizer, a classifier's label and transform steps and ZipMap are integer steps.
        var chain = Bake("preprocessing_chain", o => o with { Precision = Precision.Int8 });
        Assert.DoesNotContain(chain.Kernels, k => k is FloatIslandEntry);
        Assert.DoesNotContain(Bake("logreg_multi", o => o with { Precision = Precision.Int8 }).Kernels, k => k is FloatIslandEntry);

        // The class labels ZipMap hands to the caller are the same static array in an int8 plan as in a float one.
        string int8 = ClassEmitter.Emit(Bake("logreg_multi", o => o with { Precision = Precision.Int8 }));
        string float32 = ClassEmitter.Emit(Bake("logreg_multi", o => o));
        var classes = float32.Split('\n').Where(line => line.Contains("Classes =", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(classes);
        Assert.All(classes, line => Assert.Contains(line, int8));
        // logreg_multi's labels are int64 (10, 20, 30): its label output holds the label, not an index into strings.
        foreach (string source in new[] { int8, float32 })
        {
            Assert.Contains("holds each row's class label itself", source);
            Assert.DoesNotContain("class labels are strings", source);
        }
    }

    [Fact]
    public void NanoFramework_bakes_SVM_probabilities_and_refuses_a_float_classifier_with_a_code()
    {
        // An SVM's Platt probabilities have an integer form (PairwiseProbabilityInt8), so the integer-only target takes them;
        // it needs int8.
        var int8 = Bake("svc_rbf_probability", o => o with { Target = CodeTarget.NanoFramework, Precision = Precision.Int8 });
        Assert.Single(int8.Kernels.OfType<PairwiseProbabilityInt8>());
        Assert.Empty(int8.Kernels.OfType<IFloatOnlyKernel>());
        var float32 = Assert.Throws<BakeException>(() => Bake("logreg_multi", o => o with { Target = CodeTarget.NanoFramework }));
        Assert.Equal(ErrorCodes.ConflictingMetadata, float32.Code);
    }

    [Fact]
    public void String_inputs_and_string_maps_are_refused_with_MB1110()
    {
        var builder = new GraphBuilder(17);
        builder.Input("x", ElementType.Int64, new[] { 1, 2 });
        builder.Node("ai.onnx.ml:LabelEncoder", new[] { "x" }, new[] { "y" },
            new Attribute { Name = "keys_strings", Kind = AttributeKind.Strings, Strings = new[] { "a" } },
            new Attribute { Name = "values_int64s", Kind = AttributeKind.Ints, Ints = new[] { 1L } }).Output("y");
        var e = Assert.Throws<BakeException>(() => Core.Passes.ShapeInference.Run(builder.Graph));
        Assert.Equal(ErrorCodes.StringData, e.Code);
        Assert.Contains("integer ids", e.Message);

        var model = new Core.Onnx.Protos.ModelProto { IrVersion = 8, Graph = new Core.Onnx.Protos.GraphProto { Name = "g" } };
        model.OpsetImport.Add(new Core.Onnx.Protos.OperatorSetIdProto { Domain = "", Version = 17 });
        var text = new Core.Onnx.Protos.ValueInfoProto { Name = "text", Type = new Core.Onnx.Protos.TypeProto { TensorType = new() { ElemType = 8 } } };
        model.Graph.Input.Add(text);
        model.Graph.Output.Add(text);
        model.Graph.Node.Add(new Core.Onnx.Protos.NodeProto { OpType = "Identity", Input = { "text" }, Output = { "copy" } });
        var refused = Assert.Throws<BakeException>(() => OnnxModelReader.Load(Google.Protobuf.MessageExtensions.ToByteArray(model), "."));
        Assert.Equal(ErrorCodes.StringData, refused.Code);
        Assert.Contains("has element type string", refused.Message);
    }

    [Fact]
    public void Ambiguous_or_unimplemented_attributes_are_refused()
    {
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, Refusal("ai.onnx.ml:Binarizer", new[] { 1, 3 }).Code); // no threshold
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, Refusal("ai.onnx.ml:LinearRegressor", new[] { 1, 2 },
            Floats("coefficients", 1, 2), new Attribute { Name = "post_transform", Kind = AttributeKind.String, String = "LOGISTIC" }).Code);
        Assert.Equal(ErrorCodes.StringData, Refusal("ai.onnx.ml:OneHotEncoder", new[] { 1, 2 },
            new Attribute { Name = "cats_strings", Kind = AttributeKind.Strings, Strings = new[] { "a", "b" } }).Code);
        Assert.Equal(ErrorCodes.UnsupportedOperatorUsage, Refusal("ai.onnx.ml:Imputer", new[] { 1, 2 },
            new Attribute { Name = "imputed_value_int64s", Kind = AttributeKind.Ints, Ints = new[] { 1L } }).Code);
        Assert.Equal(ErrorCodes.ShapeError, Refusal("ai.onnx.ml:Scaler", new[] { 1, 3 }, Floats("scale", 1, 2)).Code);
    }

    private static Attribute Floats(string name, params float[] values) => new() { Name = name, Kind = AttributeKind.Floats, Floats = values };

    private static BakeException Refusal(string opType, int[] shape, params Attribute[] attributes)
    {
        var builder = new GraphBuilder(17);
        builder.Input("x", ElementType.Float32, shape);
        builder.Node(opType, new[] { "x" }, new[] { "y" }, attributes).Output("y");
        return Assert.Throws<BakeException>(() => Core.Passes.ShapeInference.Run(builder.Graph));
    }

    [Fact]
    public void Reference_kernels_give_hand_computed_values()
    {
        // Softmax-zero leaves the zero out: e^(1−1) / (e^0 + e^(−1)) and 0.
        var y = new float[3];
        ScoreTransformFloat.TransformScores(new[] { 1f, 0f, 0f }, 1, 3, (int)PostTransform.SoftmaxZero, 0, y);
        Assert.Equal(new[] { 1f, 0f, 0f }, y);
        ScoreTransformFloat.TransformScores(new[] { 2f, 0f }, 1, 2, (int)PostTransform.SoftmaxZero, 0, y.AsSpan(0, 2));
        Assert.Equal(1f, y[0]);
        // Probit(0.5) = 0, probit(0.8413) ≈ 1 (the normal quantile) within the approximation's error.
        Assert.Equal(0f, ScoreTransformFloat.Probit(0.5f), 6);
        Assert.Equal(1f, ScoreTransformFloat.Probit(0.8413447f), 2);
        // Votes of three classes from pairs (0,1) > 0, (0,2) < 0, (1,2) < 0: class 2 has two votes.
        var label = new long[1];
        ClassLabelFloat.ClassLabel(new[] { 0.5f, -1f, -0.2f }, 1, 3, (int)LabelRule.Votes, new long[] { 7, 8, 9 }, 0, false, 3, label);
        Assert.Equal(9, label[0]);
        // L2: [3, −4] / 5.
        var n = new float[2];
        NormalizerFloat.Normalize(new[] { 3f, -4f }, 1, 2, (int)Norm.L2, n);
        Assert.Equal(new[] { 0.6f, -0.8f }, n);
    }

    private sealed class RecordingLog : IBakeLog
    {
        public List<(string Code, string Message)> Warnings { get; } = new();
        public void Info(string message) { }
        public void Warning(string code, string message) => Warnings.Add((code, message));
    }
}
