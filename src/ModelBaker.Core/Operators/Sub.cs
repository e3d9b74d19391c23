using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>C = A − B with numpy broadcasting (integers wrap around).</summary>
public sealed class Sub : BinaryOperator
{
    public override string OpType => "Sub";
    protected override BinaryOperation Operation => BinaryOperation.Sub;
}
