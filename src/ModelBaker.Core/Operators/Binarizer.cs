using System;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml Binarizer on float tensors of any shape: 1 where x &gt; threshold, else 0. NaN stays NaN (ONNX Runtime
/// fails on it). A missing threshold is refused: ONNX Runtime takes 1 where the specification says 0.
/// </summary>
public sealed class Binarizer : IOperator
{
    public string OpType => ClassicalModel.Domain + "Binarizer";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "threshold; NaN stays NaN; a feature-map step", Int8Form.Integer, "a 256-entry table onto the exact grid of {0, 1}", Nano: true)
    {
        Refuses = new[] { "a missing threshold (ONNX Runtime and the specification disagree on its default)" },
    };

    private static float Threshold(Node node) => node.Attributes.ContainsKey("threshold")
        ? node.GetFloat("threshold", 0f)
        : throw UnsupportedUsage(node, "it has no threshold attribute, whose default ONNX Runtime (1) and the ONNX specification (0) disagree on.",
            "Set the threshold explicitly in the model.");

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        RequireFloat(node, graph, 0);
        Threshold(node);
        SetOutput(node, graph, 0, ElementType.Float32, InputShape(node, graph, 0));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var y = (float[])Floats(node, x, 0).Clone();
        FeatureMapFloat.MapFeatures(y, 1, (int)FeatureOperation.Binarize, Array.Empty<float>(), Array.Empty<float>(), Threshold(node), y);
        return new[] { Tensor.FromFloats(x.Shape, y) };
    }

    public void Lower(Node node, LoweringContext context) =>
        context.Add(new FeatureMapFloat(node.Describe(), context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0]), 1,
            FeatureOperation.Binarize, Array.Empty<float>(), Array.Empty<float>(), Threshold(node)));
}
