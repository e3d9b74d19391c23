using System.Diagnostics;
using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Conformance;

/// <summary>
/// The five "light" real architectures of the ONNX test data (tests/data/onnx/light: AlexNet, ResNet-50, SqueezeNet,
/// VGG-19, ZFNet-512; opset 9, every weight a ConstantOfShape fill of 0.02) baked in float and run through the generated
/// C#, as `modelbaker conformance` runs them. Their expected outputs are softmaxes of 1000 equal logits (all 0.001), which
/// any finite computation with uniform weights reproduces, so the logits before the softmax are also checked against
/// ONNX Runtime: that is what catches a wrong convolution, pooling, LRN or BatchNormalization fold.
/// </summary>
public sealed class LightModelsTests
{
    private readonly ITestOutputHelper _output;
    public LightModelsTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Models => new[] { "bvlc_alexnet", "resnet50", "squeezenet", "vgg19", "zfnet512" }.Select(m => new object[] { m });

    private static string ModelPath(string model) => TestData.Path("onnx", "light", $"light_{model}.onnx");

    [Theory]
    [MemberData(nameof(Models))]
    public void Bakes_runs_and_matches_the_expected_output(string model)
    {
        var testCase = ConformanceCase.Find(TestData.Path("onnx", "light")).Single(c => c.Name == "light_" + model);
        var result = ConformanceRunner.Run(testCase);
        _output.WriteLine($"{result} ({result.Measurements})");
        Assert.Equal(Outcome.Pass, result.Outcome);
        // Weights one value per channel: the generated class stays small whatever the parameter count (VGG-19: 143 M).
        Assert.True(result.Measurements!.SourceLength < 2_000_000, $"generated source is {result.Measurements.SourceLength} characters");
    }

    /// <summary>
    /// VGG-19 is left out here: ONNX Runtime needs about 14 s and over 1 GB for its 143 M written-out weights, and its layers
    /// (Conv, Relu, MaxPool, Gemm) are all in the others. Measured when this test was written: max relative error 1.3e-5.
    /// </summary>
    public static IEnumerable<object[]> OracleModels => Models.Where(m => (string)m[0] != "vgg19");

    /// <summary>The input of the final Softmax, ours (generated code) against ONNX Runtime's.</summary>
    [Theory]
    [MemberData(nameof(OracleModels))]
    public void Logits_match_ONNX_Runtime(string model)
    {
        var input = TensorConverter.ReadTensorFile(TestData.Path("onnx", "light", "input_0.pb"));
        var ortGraph = WithoutFinalSoftmax(OnnxModelReader.Load(ModelPath(model)), out string logits);
        var clock = Stopwatch.StartNew();
        var expected = OrtOracle.Run(ortGraph, new Dictionary<string, Tensor> { [ortGraph.Inputs.Single()] = input })[logits].AsFloats();
        var ortTime = clock.Elapsed;

        var graph = WithoutFinalSoftmax(OnnxModelReader.Load(ModelPath(model)), out _);
        clock.Restart();
        var plan = Baker.Bake(graph, "light", new BakeOptions(ModelPath(model), "Logits", "Light") { Precision = Precision.Float32 }, new RecordingLog());
        var bakeTime = clock.Elapsed;
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), "Light.Logits");
        var actual = new float[plan.Outputs.Single().Length];
        clock.Restart();
        generated.Predict(input.AsFloats(), actual);
        var runTime = clock.Elapsed;

        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(expected[i]), $"ONNX Runtime's logit {i} is {expected[i]}");
            worst = Math.Max(worst, Math.Abs((double)actual[i] - expected[i]) / Math.Abs(expected[i]));
        }
        _output.WriteLine(FormattableString.Invariant(
            $"light_{model}: logits ~{expected[0]:G3}, max relative error {worst:G3}; ONNX Runtime {ortTime.TotalSeconds:0.00} s, bake {bakeTime.TotalSeconds:0.00} s, generated code {runTime.TotalSeconds:0.000} s"));
        Assert.True(worst <= 1e-4, $"logits differ from ONNX Runtime's by {worst:G3} relative");
    }

    /// <summary>The graph with its last node (the Softmax) removed and that node's input as the output.</summary>
    private static Graph WithoutFinalSoftmax(Graph graph, out string logits)
    {
        var softmax = graph.Nodes[^1];
        Assert.Equal("Softmax", softmax.OpType);
        graph.Nodes.RemoveAt(graph.Nodes.Count - 1);
        graph.Values.Remove(softmax.Outputs[0]);
        logits = softmax.Inputs[0];
        graph.Outputs.Clear();
        graph.Outputs.Add(logits);
        return graph;
    }
}
