using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// The remainder of A / B with numpy broadcasting: with fmod=0 (the default) it takes the divisor's sign, as Python's
/// % does (integers only, as ONNX says); with fmod=1 the dividend's, as C's fmod (integers and floats). x mod 0 is 0 for
/// integers (ONNX leaves it undefined) and NaN for floats.
/// </summary>
public sealed class Mod : BinaryOperator
{
    public override string OpType => "Mod";

    public override OperatorSupport Support =>
        Arithmetic("fmod 0 on integers (the divisor's sign), fmod 1 on integers and floats (the dividend's sign)", "float tensors (integer ones run unchanged)", since: 10) with
        {
            Int8 = Int8Form.Refused,
            Nano = false,
            NanoDetails = "",
            Refuses = new[] { "fmod = 0 on float tensors (ONNX does not define it)" },
        };

    protected override BinaryOperation Operation => BinaryOperation.Mod;
    protected override BinaryOperation OperationOf(Node node) => node.GetInt("fmod", 0) != 0 ? BinaryOperation.FMod : BinaryOperation.Mod;

    public override void InferShapes(Node node, Graph graph)
    {
        base.InferShapes(node, graph);
        if (Input(node, graph, 0).Type == ElementType.Float32 && OperationOf(node) == BinaryOperation.Mod)
            throw UnsupportedUsage(node, "it has fmod=0 on float tensors, which ONNX does not define (ONNX Runtime refuses it too).",
                "Set fmod=1 for a float remainder with the dividend's sign.");
    }
}
