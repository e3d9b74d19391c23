using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>ai.onnx.ml Normalizer: each row of [rows, columns] divided by its MAX (the default), L1 or L2 norm; rows whose norm is 0 are copied.</summary>
public sealed class Normalizer : IOperator
{
    public string OpType => ClassicalModel.Domain + "Normalizer";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "norm MAX, L1, L2; a normalizer step", Int8Form.Integer, "integer rows: int32/64 sums, an integer square root, a rounded division (NormalizerInt8); rows of at most 32,767 columns (MB1122)", Nano: true)
    {
        Refuses = new[] { "norm values ONNX does not define" },
    };

    private static (int Rows, int Columns, Norm Norm) Read(Node node, int[] shape)
    {
        var (rows, columns) = ClassicalModel.Layout(node, shape);
        var norm = (node.GetString("norm") ?? "MAX") switch
        {
            "MAX" => Norm.Max,
            "L1" => Norm.L1,
            "L2" => Norm.L2,
            var other => throw UnsupportedUsage(node, $"norm '{Text.Printable(other)}' is not MAX, L1 or L2.", "Fix the attribute in the model."),
        };
        return (rows, columns, norm);
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
        var (rows, columns, norm) = Read(node, x.Shape);
        var y = ClassicalModel.FloatValues(node, inputs, 0);
        NormalizerFloat.Normalize(y, rows, columns, (int)norm, y);
        return new[] { Tensor.FromFloats(x.Shape, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (rows, columns, norm) = Read(node, context.Shape(node.Inputs[0]));
        context.Add(new NormalizerFloat(node.Describe(), ClassicalModel.FloatSlice(node, context, 0), context.Slice(node.Outputs[0]), rows, columns, norm));
    }
}
