using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>C = A − B with numpy broadcasting (integers wrap around).</summary>
public sealed class Sub : BinaryOperator
{
    public override string OpType => "Sub";

    public override OperatorSupport Support => Arithmetic("C = A − B", "integer subtraction with rescaled inputs, as TensorFlow Lite");

    protected override BinaryOperation Operation => BinaryOperation.Sub;
}
