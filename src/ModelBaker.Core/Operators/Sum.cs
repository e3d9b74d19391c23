using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Element-wise sum of one or more inputs, numpy broadcasting (integers wrap around).</summary>
public sealed class Sum : VariadicOperator
{
    public override string OpType => "Sum";
    protected override BinaryOperation Operation => BinaryOperation.Add;
}
