using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// The remainder of A / B with numpy broadcasting: with fmod=0 (the default) it takes the divisor's sign, as Python's
/// % does (integers only, as ONNX says); with fmod=1 the dividend's, as C's fmod (integers and floats). x mod 0 is 0 for
/// integers (ONNX leaves it undefined) and NaN for floats. A float tensor mod a constant scalar is an element-wise function
/// step (a 256-entry table in int8 plans, on .NET and nanoFramework); other float remainders are int8 binary steps
/// (<see cref="BinaryInt8"/>: the remainder of both operands on a common integer scale; x mod 0 gives 0 there).
/// </summary>
public sealed class Mod : BinaryOperator
{
    public override string OpType => "Mod";

    public override OperatorSupport Support =>
        Arithmetic("fmod 0 on integers (the divisor's sign), fmod 1 on integers and floats (the dividend's sign); a float tensor mod a constant scalar: an element-wise function step", "a float tensor mod a constant scalar: a 256-entry table; other float remainders: an int8 binary step (both rescaled to a common scale, the integer remainder there, requantized)", since: 10) with
        {
            Int8 = Int8Form.Integer,
            Nano = true,
            NanoDetails = "int8, uint8, int16, uint16, int32, uint32, int64 and uint64 tensors, float remainders",
            Refuses = new[] { "fmod = 0 on float tensors (ONNX does not define it)" },
        };

    protected override BinaryOperation Operation => BinaryOperation.Mod;
    protected override BinaryOperation OperationOf(Node node) => node.GetInt("fmod", 0) != 0 ? BinaryOperation.FMod : BinaryOperation.Mod;

    /// <summary>A float tensor mod a constant scalar is x ↦ x fmod d, one element-wise function step; anything else the element-wise step.</summary>
    public override void Lower(Node node, LoweringContext context)
    {
        var divisor = context.Graph[node.Inputs[1]];
        if (context.Graph[node.Inputs[0]].Type == ElementType.Float32 && divisor.IsConstant && divisor.Constant!.Length == 1
            && ShapeMath.Length(context.Shape(node.Outputs[0])) == ShapeMath.Length(context.Shape(node.Inputs[0])))
            context.Add(new UnaryFloat(node.Describe(), UnaryFunction.FMod, context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0]),
                alpha: divisor.Constant.AsFloats()[0]));
        else base.Lower(node, context);
    }

    public override void InferShapes(Node node, Graph graph)
    {
        base.InferShapes(node, graph);
        if (Input(node, graph, 0).Type == ElementType.Float32 && OperationOf(node) == BinaryOperation.Mod)
            throw UnsupportedUsage(node, "it has fmod=0 on float tensors, which ONNX does not define (ONNX Runtime refuses it too).",
                "Set fmod=1 for a float remainder with the dividend's sign.");
    }
}
