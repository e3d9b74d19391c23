using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Passes;

namespace ModelBaker.Tests.Interpreter;

/// <summary>Real exported models from tests/data/models through the passes and the float interpreter.</summary>
public class TrainedModelTests
{
    private static string Sine(params string[] parts) => TestData.Path(new[] { "models", "sine" }.Concat(parts).ToArray());

    private static Graph LoadSine()
    {
        var graph = OnnxModelReader.Load(Sine("model.onnx"));
        ShapeInference.Run(graph);
        return graph;
    }

    [Fact]
    public void Sine_model_reproduces_its_test_set()
    {
        var graph = LoadSine();
        // The test set is a batch of 8 rows ([8,1]); ModelBaker bakes batch 1, so each row runs on its own.
        var input = TensorConverter.ReadTensorFile(Sine("test_data_set_0", "input_0.pb"));
        var expected = TensorConverter.ReadTensorFile(Sine("test_data_set_0", "output_0.pb"));
        Assert.Equal(new[] { 8, 1 }, input.Shape);
        Assert.Equal(new[] { 8, 1 }, expected.Shape);

        for (int row = 0; row < 8; row++)
        {
            var feeds = new Dictionary<string, Tensor> { [graph.Inputs[0]] = Tensor.FromFloats(new[] { 1, 1 }, new[] { input.Floats![row] }) };
            float actual = FloatInterpreter.Run(graph, feeds)[graph.Outputs[0]].Floats![0];
            float wanted = expected.Floats![row];
            Assert.True(Math.Abs(actual - wanted) <= OrtOracle.Tolerance * Math.Max(1, Math.Abs(wanted)),
                $"sin model at x = {input.Floats[row]}: expected {wanted}, got {actual}");
        }
    }

    [Fact]
    public void Sine_model_matches_onnx_runtime_over_a_period()
    {
        var graph = LoadSine();
        ConstantFolding.Run(graph);
        for (int i = 0; i <= 40; i++)
        {
            var feeds = new Dictionary<string, Tensor> { [graph.Inputs[0]] = Tensor.FromFloats(new[] { 1, 1 }, new[] { (float)(2 * Math.PI * i / 40) }) };
            OrtOracle.AssertMatches(graph, feeds, FloatInterpreter.Run(graph, feeds), $"x = {feeds.Values.First().Floats![0]}");
        }
    }

    [Fact]
    public void Sine_model_infers_every_shape()
    {
        var graph = LoadSine();
        Assert.All(graph.Nodes.SelectMany(n => n.Outputs), name => Assert.NotNull(graph[name].Shape));
        Assert.Equal(new[] { 1, 1 }, graph[graph.Outputs[0]].Shape);
    }
}
