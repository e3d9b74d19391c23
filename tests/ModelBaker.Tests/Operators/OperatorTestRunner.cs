using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Passes;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Runs one operator through shape inference and the float interpreter, and checks that the inferred
/// output shapes and types are the ones the kernel produced: shape rules and kernel must agree.
/// </summary>
internal static class OperatorTestRunner
{
    /// <param name="inputs">Graph inputs; a null entry is an omitted optional input.</param>
    /// <param name="constants">Inputs given as constants (by position), such as Reshape's shape.</param>
    public static Tensor[] Run(string opType, Tensor?[] inputs, Attribute[]? attributes = null, long opset = 13,
        Dictionary<int, Tensor>? constants = null, int outputCount = 1)
    {
        var builder = new GraphBuilder(opset);
        var names = new string[inputs.Length];
        var feeds = new Dictionary<string, Tensor>();
        for (int i = 0; i < inputs.Length; i++)
        {
            names[i] = inputs[i] == null ? "" : "in" + i;
            if (inputs[i] == null) continue;
            if (constants != null && constants.ContainsKey(i)) builder.Constant(names[i], inputs[i]!);
            else
            {
                builder.Input(names[i], inputs[i]!.Type, inputs[i]!.Shape);
                feeds[names[i]] = inputs[i]!;
            }
        }
        var outputs = Enumerable.Range(0, outputCount).Select(i => "out" + i).ToArray();
        builder.Node(opType, names, outputs, attributes ?? Array.Empty<Attribute>()).Output(outputs);
        var graph = builder.Graph;

        ShapeInference.Run(graph);
        var results = FloatInterpreter.Run(graph, feeds);
        return outputs.Select(name =>
        {
            var result = results[name];
            Assert.Equal(graph.Values[name].Shape, result.Shape);
            Assert.Equal(graph.Values[name].Type, result.Type);
            return result;
        }).ToArray();
    }

    public static Tensor Run1(string opType, params Tensor[] inputs) => Run(opType, inputs)[0];

    public static void AssertClose(float[] expected, float[] actual, float tolerance = 1e-6f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1f, Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
