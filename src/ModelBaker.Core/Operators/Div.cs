using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>C = A / B with numpy broadcasting; integer division truncates toward zero (as ONNX Runtime), and an integer x / 0 is 0 in ModelBaker (undefined in ONNX).</summary>
public sealed class Div : BinaryOperator
{
    public override string OpType => "Div";

    public override OperatorSupport Support => Arithmetic("C = A / B; integer division truncates toward zero, an integer x / 0 is 0", "integer division");

    protected override BinaryOperation Operation => BinaryOperation.Div;
}
