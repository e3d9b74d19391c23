using System;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml ZipMap, which turns [rows, classes] probabilities into a sequence of one map per row, bakes into what a
/// C# caller wants: the output stays the float [rows, classes] tensor (a span of Predict), and the class of each column
/// (classlabels_int64s or classlabels_strings) becomes the generated class's static &lt;Output&gt;Classes array
/// (docs/classical-ml.md). Its output is the graph's: a ZipMap whose maps other nodes read is refused.
/// </summary>
public sealed class ZipMap : IOperator
{
    public string OpType => ClassicalModel.Domain + "ZipMap";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "a graph output only: the float probabilities as Predict's span and the class labels (classlabels_int64s or classlabels_strings) as a static `<Output>Classes` array; a ZipMap step", Int8Form.Integer, "a copy of the quantized probabilities (the output keeps their scale)", Nano: true)
    {
        Refuses = new[] { "maps read by other nodes" },
    };

    private static Array Classes(Node node)
    {
        if (node.GetStrings("classlabels_strings") is { Length: > 0 } strings) return strings;
        if (node.GetInts("classlabels_int64s") is { Length: > 0 } ints) return ints;
        throw InvalidGraph(node, "it has no class labels (classlabels_int64s or classlabels_strings).");
    }

    private static int[] Shape(Node node, int[] shape)
    {
        int classes = Classes(node).Length;
        var (rows, columns) = ClassicalModel.Layout(node, shape);
        if (columns != classes) throw ShapeError(node, $"its input has {columns} columns for {classes} class labels.");
        return new[] { rows, columns };
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        RequireFloat(node, graph, 0);
        SetOutput(node, graph, 0, ElementType.Float32, Shape(node, InputShape(node, graph, 0)));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        return new[] { Tensor.FromFloats(Shape(node, x.Shape), (float[])Floats(node, x, 0).Clone()) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        if (!context.Graph.Outputs.Contains(node.Outputs[0]) && context.IsUsed(node.Outputs[0]))
            throw UnsupportedUsage(node, "other nodes read its maps; ModelBaker bakes ZipMap only as a graph output.",
                "Read the probabilities before the ZipMap instead.");
        context.Add(new ZipMapFloat(node.Describe(), context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0]), Classes(node)));
    }
}
