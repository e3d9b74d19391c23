using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml FeatureVectorizer: its inputs (float, int32 or int64, each [rows, size] or [size]) side by side as one
/// float [rows, Σ inputdimensions]; input i fills inputdimensions[i] columns, cut short or padded with zeros.
/// </summary>
public sealed class FeatureVectorizer : IOperator
{
    public string OpType => ClassicalModel.Domain + "FeatureVectorizer";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "float, int32 or int64 inputs side by side as one float tensor (inputdimensions); a feature-vectorizer step", Int8Form.FloatIsland, "", Nano: false);

    private static (int Rows, int[] Dimensions) Read(Node node, int[][] shapes)
    {
        var dimensions = (node.GetInts("inputdimensions") ?? new long[0]).Select(d => (int)d).ToArray();
        if (dimensions.Length != shapes.Length || dimensions.Any(d => d < 0))
            throw InvalidGraph(node, $"it has {shapes.Length} inputs and {dimensions.Length} inputdimensions.");
        int rows = shapes[0].Length <= 1 ? 1 : shapes[0][0];
        for (int i = 0; i < shapes.Length; i++)
            if ((shapes[i].Length <= 1 ? 1 : shapes[i][0]) != rows || ShapeMath.Length(shapes[i]) % rows != 0)
                throw ShapeError(node, $"input {i} has shape {ShapeMath.Format(shapes[i])}, not {rows} rows like input 0.");
        return (rows, dimensions);
    }

    public void InferShapes(Node node, Graph graph)
    {
        if (node.Inputs.Count == 0) throw InvalidGraph(node, "it has no inputs.");
        for (int i = 0; i < node.Inputs.Count; i++) ClassicalModel.RequireNumeric(node, graph, i);
        var (rows, dimensions) = Read(node, node.Inputs.Select((_, i) => InputShape(node, graph, i)).ToArray());
        SetOutput(node, graph, 0, ElementType.Float32, new[] { rows, dimensions.Sum() });
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var (rows, dimensions) = Read(node, inputs.Select((t, i) => Required(node, inputs, i).Shape).ToArray());
        int total = dimensions.Sum();
        var y = new float[rows * total];
        for (int i = 0, offset = 0; i < inputs.Length; offset += dimensions[i++])
            FeatureVectorizerFloat.PlaceFeatures(ClassicalModel.FloatValues(node, inputs, i), rows, dimensions[i], offset, total, y);
        return new[] { Tensor.FromFloats(new[] { rows, total }, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (rows, dimensions) = Read(node, node.Inputs.Select(context.Shape).ToArray());
        var inputs = node.Inputs.Select((_, i) => ClassicalModel.FloatSlice(node, context, i)).ToArray();
        context.Add(new FeatureVectorizerFloat(node.Describe(), inputs, context.Slice(node.Outputs[0]), rows, dimensions));
    }
}
