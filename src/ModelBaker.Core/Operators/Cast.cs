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
/// The saturate attribute concerns float8 types only, which ModelBaker does not support. Double and float16 are computed
/// in float32 (docs/architecture.md, "Double and float16 tensors"): a Cast to double is a Cast to float32, and a Cast to
/// float16 one to float32 rounded to float16's precision and range (<see cref="HalfRounding"/>).
/// </summary>
public sealed class Cast : IOperator
{
    public string OpType => "Cast";

    public OperatorSupport Support { get; } = new(OperatorFamily.ShapePatterns, 6, "between float32, double and float16 (computed as float32; to float16 rounds to its precision and range), int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool, as ONNX Runtime on x64; folded when its input is known, else a conversion step (none for the same type)", Int8Form.Integer, "float to any integer type or bool: a 256-entry table of each int8 code's cast; int8, uint8 or bool to float: a table of codes; int16, uint16, int32, uint32, int64 or uint64 to float: 255 thresholds (bit-exact with the float Cast on the dequantized values, except that on a grid finer than 1 a code whose cell holds an integer gives that integer); integer-to-integer casts unchanged; float to float16: a table of the rounding", Nano: true)
    {
        Refuses = new[] { "to strings and other types ModelBaker does not take (MB1102)" },
        NanoDetails = "float, int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool",
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        SetOutput(node, graph, 0, Target(node), InputShape(node, graph, 0));
        long to = node.GetInt("to", 0);
        if (to is (int)ElementType.Double or (int)ElementType.Float16) graph[node.Outputs[0]].DeclaredType = (ElementType)(int)to;
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        // The conversion step itself, so folding and the baked code cast alike; a Cast to float16 then rounds.
        var y = KernelEvaluation.Convert(x, Target(node));
        if (!ToHalf(node)) return new[] { y };
        var floats = (float[])y.Floats!.Clone();
        for (int i = 0; i < floats.Length; i++) floats[i] = HalfPrecision.RoundToHalf(floats[i]);
        return new[] { Tensor.FromFloats(x.Shape, floats) };
    }

    /// <summary>A Cast to float16: to float32, rounded to float16's precision and range.</summary>
    private static bool ToHalf(Node node) => node.GetInt("to", 0) == (int)ElementType.Float16;

    /// <summary>The IR type of the output: float32 for float16 and double too (ModelBaker computes those in float32).</summary>
    private static ElementType Target(Node node)
    {
        long to = node.GetInt("to", 0);
        if (!Enum.IsDefined(typeof(ElementType), (int)to))
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: Cast to ONNX element type {to} is not supported; ModelBaker supports float32, double, float16, int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool. " +
                "Convert the model to float32 before baking.");
        return HalfPrecision.IsFloat((ElementType)(int)to) ? ElementType.Float32 : (ElementType)(int)to;
    }

    /// <summary>
    /// A cast to the same type is an alias; any other is one conversion step. A cast to float16 rounds the float32 values
    /// (an integer input is converted to float32 first, into a value of its own).
    /// </summary>
    public void Lower(Node node, LoweringContext context)
    {
        var input = context.Graph[node.Inputs[0]];
        if (ToHalf(node))
        {
            string floats = node.Inputs[0];
            if (input.Type != ElementType.Float32)
            {
                floats = node.Name + "/float";
                context.Graph.Add(new Value(floats, ElementType.Float32, context.Shape(node.Inputs[0])));
                context.Add(Conversion.Of(node.Describe(), context.Slice(node.Inputs[0]), context.Slice(floats)));
            }
            context.Add(new HalfRounding(node.Describe(), context.Slice(floats), context.Slice(node.Outputs[0])));
        }
        else if (input.Type == Target(node)) context.Alias(node.Outputs[0], node.Inputs[0]);
        else context.Add(Conversion.Of(node.Describe(), context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0])));
    }
}
