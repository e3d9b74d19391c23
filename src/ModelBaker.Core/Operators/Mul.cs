using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>C = A · B with numpy broadcasting (integers wrap around).</summary>
public sealed class Mul : BinaryOperator
{
    public override string OpType => "Mul";

    public override OperatorSupport Support => Arithmetic("C = A · B", "integer product, requantized, as TensorFlow Lite");

    protected override BinaryOperation Operation => BinaryOperation.Mul;
}
