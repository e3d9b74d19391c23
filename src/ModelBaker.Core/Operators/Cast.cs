using System;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Converts to the element type named by the to attribute, between float32, int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool, as
/// ONNX Runtime does on x64 (see <see cref="Conversion"/>): float → integer truncates toward zero; NaN and values
/// beyond int32 (int64 for int64) give that type's minimum; narrowing integers keep the low bits; → bool is "≠ 0".
/// The saturate attribute concerns float8 types only, which ModelBaker does not support.
/// </summary>
public sealed class Cast : IOperator
{
    public string OpType => "Cast";

    public OperatorSupport Support { get; } = new(OperatorFamily.ShapePatterns, 6, "between float32, int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool, as ONNX Runtime on x64; folded when its input is known, else a conversion step (none for the same type)", Int8Form.Integer, "float to any integer type or bool: a 256-entry table of each int8 code's cast; int8, uint8 or bool to float: a table of codes; int16, uint16, int32, uint32, int64 or uint64 to float: 255 thresholds (all bit-exact with the float Cast on the dequantized values); integer-to-integer casts unchanged", Nano: true)
    {
        Refuses = new[] { "to float16, double, strings and other types ModelBaker does not take (MB1102)" },
        NanoDetails = "float, int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool",
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        SetOutput(node, graph, 0, Target(node), InputShape(node, graph, 0));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        // The conversion step itself, so folding and the baked code cast alike.
        return new[] { KernelEvaluation.Convert(x, Target(node)) };
    }

    private static ElementType Target(Node node)
    {
        long to = node.GetInt("to", 0);
        if (!Enum.IsDefined(typeof(ElementType), (int)to))
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: Cast to ONNX element type {to} is not supported; ModelBaker supports float32, int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool. " +
                "Convert the model to float32 before baking.");
        return (ElementType)(int)to;
    }

    /// <summary>A cast to the same type is an alias; any other is one conversion step.</summary>
    public void Lower(Node node, LoweringContext context)
    {
        if (context.Graph[node.Inputs[0]].Type == Target(node)) context.Alias(node.Outputs[0], node.Inputs[0]);
        else context.Add(Conversion.Of(node.Describe(), context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0])));
    }
}
