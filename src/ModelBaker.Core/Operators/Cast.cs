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
/// Narrower types are computed in wider ones (docs/architecture.md, "Double and float16 tensors" and "Narrow floats and
/// integers"): a Cast to double is a Cast to float32; one to float16 rounds to float16's precision and range
/// (<see cref="HalfRounding"/>); one to bfloat16, float8 or float4e2m1 to that format's, with the saturate attribute
/// (<see cref="SmallFloatRounding"/>); one to int4, uint4, int2 or uint2 casts to int8 or uint8 and keeps the low bits
/// (<see cref="IntegerNarrowing"/>).
/// </summary>
public sealed class Cast : IOperator
{
    public string OpType => "Cast";

    public OperatorSupport Support { get; } = new(OperatorFamily.ShapePatterns, 6, "between float32, double, float16, bfloat16, float8 (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz; e8m0 with round_mode) and float4e2m1 (computed as float32; to a narrower float rounds to its precision and range, ties to even, with saturate), int4, uint4, int2 and uint2 (computed as int8 or uint8; to them keeps the low bits), int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool, as ONNX Runtime on x64; folded when its input is known, else a conversion step (none for the same type)", Int8Form.Integer, "float to any integer type or bool: a 256-entry table of each int8 code's cast; int8, uint8 or bool to float: a table of codes; int16, uint16, int32, uint32, int64 or uint64 to float: 255 thresholds (bit-exact with the float Cast on the dequantized values, except that on a grid finer than 1 a code whose cell holds an integer gives that integer); integer-to-integer casts unchanged; float to float16, bfloat16, float8 or float4: a table of the rounding", Nano: true)
    {
        Refuses = new[] { "to strings and other types ModelBaker does not take (MB1102)" },
        NanoDetails = "float, int8, uint8, int16, uint16, int32, uint32, int64, uint64, bool and int4, uint4, int2, uint2",
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        SetOutput(node, graph, 0, Target(node), InputShape(node, graph, 0));
        if (NarrowTypes.Declared((int)node.GetInt("to", 0)) is { } declared) graph[node.Outputs[0]].DeclaredType = declared;
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        // The conversion step itself, so folding and the baked code cast alike; a Cast to a narrower type then rounds or narrows.
        var y = KernelEvaluation.Convert(x, Target(node));
        var to = To(node);
        if (to == ElementType.Float16 || NarrowTypes.Format(to) != null)
        {
            var floats = (float[])y.Floats!.Clone();
            for (int i = 0; i < floats.Length; i++) floats[i] = RoundTo(node, to, floats[i]);
            return new[] { Tensor.FromFloats(x.Shape, floats) };
        }
        if (NarrowTypes.IntegerBits(to) is int bits and > 0)
        {
            int shift = 64 - bits;
            bool signed = NarrowTypes.IntegerRange(to).Min < 0;
            var values = y.Int64s!.Select(v => signed ? (v << shift) >> shift : v & ((1L << bits) - 1)).ToArray();
            return new[] { Tensor.FromInt64s(x.Shape, values, y.Type) };
        }
        return new[] { y };
    }

    /// <summary>The to attribute as a type (checked by <see cref="Target"/> first).</summary>
    private static ElementType To(Node node) => (ElementType)(int)node.GetInt("to", 0);

    /// <summary>
    /// The saturate attribute (opset 19; 1 by default): past the largest finite value, that value. It concerns float8 and
    /// float4 only: bfloat16, like float16, goes to ±∞.
    /// </summary>
    private static bool Saturate(Node node) => To(node) != ElementType.BFloat16 && node.GetInt("saturate", 1) != 0;

    /// <summary>float8e8m0's round_mode attribute (opset 25): "up" (the default) 0, "down" 1, "nearest" 2.</summary>
    private static int RoundMode(Node node) => node.GetString("round_mode") switch
    {
        null or "up" => 0,
        "down" => 1,
        "nearest" => 2,
        var other => throw UnsupportedUsage(node, $"round_mode '{Text.Printable(other)}' is not one ONNX defines.", "Use \"up\", \"down\" or \"nearest\"."),
    };

    private static float RoundTo(Node node, ElementType to, float value) =>
        to == ElementType.Float16 ? HalfPrecision.RoundToHalf(value) : NarrowTypes.Decode(to, NarrowTypes.Encode(to, value, Saturate(node), RoundMode(node)));

    /// <summary>The IR type of the output: float32 for the float types, int8 or uint8 for the 4- and 2-bit integers.</summary>
    private static ElementType Target(Node node)
    {
        long to = node.GetInt("to", 0);
        if (!Enum.IsDefined(typeof(ElementType), (int)to))
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: Cast to ONNX element type {to} is not supported; ModelBaker supports float32, double, float16, bfloat16, float8e4m3fn, float8e4m3fnuz, float8e5m2, float8e5m2fnuz, float8e8m0, float4e2m1, int4, uint4, int2, uint2, int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool. " +
                "Convert the model to float32 before baking.");
        return NarrowTypes.ComputeType((ElementType)(int)to);
    }

    /// <summary>
    /// A cast to the same type is an alias; any other is one conversion step. A cast to a narrower float rounds the float32
    /// values (an integer input is converted to float32 first, into a value of its own); one to a narrower integer narrows
    /// the int8 or uint8 cast.
    /// </summary>
    public void Lower(Node node, LoweringContext context)
    {
        var input = context.Graph[node.Inputs[0]];
        var to = To(node);
        bool rounds = to == ElementType.Float16 || NarrowTypes.Format(to) != null;
        int bits = NarrowTypes.IntegerBits(to);
        if (!rounds && bits == 0)
        {
            if (input.Type == Target(node)) context.Alias(node.Outputs[0], node.Inputs[0]);
            else context.Add(Conversion.Of(node.Describe(), context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0])));
            return;
        }
        // The cast to the compute type into a value of its own, then the rounding or narrowing into the output.
        string wide = node.Inputs[0];
        if (input.Type != Target(node))
        {
            wide = node.Name + "/" + (rounds ? "float" : "wide");
            context.Graph.Add(new Value(wide, Target(node), context.Shape(node.Inputs[0])));
            context.Add(Conversion.Of(node.Describe(), context.Slice(node.Inputs[0]), context.Slice(wide)));
        }
        if (to == ElementType.Float16) context.Add(new HalfRounding(node.Describe(), context.Slice(wide), context.Slice(node.Outputs[0])));
        else if (rounds)
            context.Add(new SmallFloatRounding(node.Describe(), context.Slice(wide), context.Slice(node.Outputs[0]), to, Saturate(node), RoundMode(node)));
        else context.Add(new IntegerNarrowing(node.Describe(), context.Slice(wide), context.Slice(node.Outputs[0]), bits, saturate: false));
    }
}
