using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>ai.onnx.ml Scaler: Y = (X − offset) · scale per feature (the last dimension), offset and scale of one value or one per feature.</summary>
public sealed class Scaler : IOperator
{
    public string OpType => ClassicalModel.Domain + "Scaler";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "offset and scale, one value or one per feature; a feature-map step", Int8Form.Integer, "a per-channel affine step, the features as channels (as an int8 BatchNormalization); a model input only Scalers or trees read is quantized per feature", Nano: true);

    private static (int Features, float[] Offset, float[] Scale) Read(Node node, int[] shape)
    {
        var (_, features) = ClassicalModel.Layout(node, shape);
        var offset = node.GetFloats("offset") is { Length: > 0 } o ? o : new[] { 0f };
        var scale = node.GetFloats("scale") is { Length: > 0 } s ? s : new[] { 1f };
        foreach (var (name, values) in new[] { ("offset", offset), ("scale", scale) })
            if (values.Length != 1 && values.Length != features)
                throw ShapeError(node, $"its {name} has {values.Length} values for {features} features (1 or {features} expected).");
        return (features, offset, scale);
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        ClassicalModel.RequireNumeric(node, graph, 0);
        var shape = InputShape(node, graph, 0);
        Read(node, shape);
        SetOutput(node, graph, 0, ElementType.Float32, shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var (features, offset, scale) = Read(node, x.Shape);
        var y = ClassicalModel.FloatValues(node, inputs, 0);
        FeatureMapFloat.MapFeatures(y, features, (int)FeatureOperation.Scale, offset, scale, 0f, y);
        return new[] { Tensor.FromFloats(x.Shape, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (features, offset, scale) = Read(node, context.Shape(node.Inputs[0]));
        context.Add(new FeatureMapFloat(node.Describe(), ClassicalModel.FloatSlice(node, context, 0), context.Slice(node.Outputs[0]), features,
            FeatureOperation.Scale, offset, scale, 0f));
    }
}
