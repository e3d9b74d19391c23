using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Element-wise maximum of one or more inputs, numpy broadcasting (a NaN wins, as in numpy).</summary>
public sealed class Max : VariadicOperator
{
    public override string OpType => "Max";
    protected override BinaryOperation Operation => BinaryOperation.Max;
}
