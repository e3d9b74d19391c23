using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml OneHotEncoder with integer categories (cats_int64s): each value (int64, or int32/float cast to int64 by
/// truncation, as ONNX Runtime) becomes [categories] floats, 1 at its category's column. A value of no category gives
/// zeros (zeros = 1, the default) or throws at run time (zeros = 0, where ONNX Runtime fails). String categories are
/// refused (MB1110).
/// </summary>
public sealed class OneHotEncoder : IOperator
{
    public string OpType => ClassicalModel.Domain + "OneHotEncoder";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 1, "cats_int64s; int64, int32 or float values (truncated); zeros; a one-hot-encoder step", Int8Form.Integer, "the same step writing int8 rows on the exact grid of {0, 1}", Nano: true)
    {
        NanoDetails = "int64, int32 and float values (a float value is truncated through a 256-entry table of its int8 codes, CastInt8)",
        Refuses = new[] { "string categories (MB1110)" },
    };

    private static (long[] Categories, bool Zeros) Read(Node node)
    {
        if (node.GetStrings("cats_strings") is { Length: > 0 }) throw ClassicalModel.StringRefusal(node, "its categories are strings (cats_strings)");
        var categories = node.GetInts("cats_int64s") is { Length: > 0 } c ? c : throw InvalidGraph(node, "it has no categories (cats_int64s).");
        return (categories, node.GetInt("zeros", 1) != 0);
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        ClassicalModel.RequireNumeric(node, graph, 0);
        var shape = InputShape(node, graph, 0);
        if (shape.Length > 2) throw ShapeError(node, $"its input has rank {shape.Length}; OneHotEncoder takes rank 2 at most.");
        SetOutput(node, graph, 0, ElementType.Float32, shape.Append(Read(node).Categories.Length).ToArray());
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var (categories, zeros) = Read(node);
        var values = x.Int64s ?? x.Floats!.Select(v => (long)v).ToArray();
        var y = new float[values.Length * categories.Length];
        OneHotEncoderFloat.OneHotEncode(values, categories, zeros, 0f, 1f, y);
        return new[] { Tensor.FromFloats(x.Shape.Append(categories.Length).ToArray(), y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (categories, zeros) = Read(node);
        var input = context.Slice(node.Inputs[0]);
        if (input.Type != ElementType.Int64)
        {
            var converted = new ArenaSlice($"{node.Inputs[0]} (as int64)", ElementType.Int64, input.Length, shape: input.Shape);
            context.Add(Conversion.Of(node.Describe(), input, converted));
            input = converted;
        }
        context.Add(new OneHotEncoderFloat(node.Describe(), input, context.Slice(node.Outputs[0]), categories, zeros));
    }
}
