using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>C = A · B with numpy broadcasting (integers wrap around).</summary>
public sealed class Mul : BinaryOperator
{
    public override string OpType => "Mul";
    protected override BinaryOperation Operation => BinaryOperation.Mul;
}
