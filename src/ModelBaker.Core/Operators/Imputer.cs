using System;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml Imputer on float tensors: elements equal to replaced_value_float (NaN matching NaN) become
/// imputed_value_floats of their feature (one value per feature, else the first for all, as ONNX Runtime).
/// The int64 form (imputed_value_int64s) is refused.
/// </summary>
public sealed class Imputer : IOperator
{
    public string OpType => ClassicalModel.Domain + "Imputer";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "imputed_value_floats, replaced_value_float (NaN matches NaN); a feature-map step", Int8Form.Integer, "NaN: int8 holds none, so a table of the identity between the two grids, and a NaN in a model input it alone reads replaced by Predict before quantizing; another value: its input level replaced by each feature's imputed value, a table per feature", Nano: true)
    {
        NanoDetails = "replacing NaN in a model input other steps read too: no (MB1121: NaN has no int8 value)",
        Refuses = new[] { "the int64 form (imputed_value_int64s)" },
    };

    private static (int Features, float[] Imputed, float Replaced) Read(Node node, int[] shape)
    {
        var (_, features) = ClassicalModel.Layout(node, shape);
        if (node.GetInts("imputed_value_int64s") is { Length: > 0 })
            throw UnsupportedUsage(node, "it imputes int64 values (imputed_value_int64s); ModelBaker implements the float form only.",
                "Impute in float (cast the input to float32 and use imputed_value_floats), or impute in the calling code.");
        var imputed = ClassicalModel.RequiredFloats(node, "imputed_value_floats");
        return (features, imputed.Length == features ? imputed : new[] { imputed[0] }, node.GetFloat("replaced_value_float", 0f));
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        RequireFloat(node, graph, 0);
        var shape = InputShape(node, graph, 0);
        Read(node, shape);
        SetOutput(node, graph, 0, ElementType.Float32, shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var (features, imputed, replaced) = Read(node, x.Shape);
        var y = (float[])Floats(node, x, 0).Clone();
        FeatureMapFloat.MapFeatures(y, features, (int)FeatureOperation.Impute, imputed, Array.Empty<float>(), replaced, y);
        return new[] { Tensor.FromFloats(x.Shape, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (features, imputed, replaced) = Read(node, context.Shape(node.Inputs[0]));
        context.Add(new FeatureMapFloat(node.Describe(), context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0]), features,
            FeatureOperation.Impute, imputed, Array.Empty<float>(), replaced));
    }
}
