namespace ModelBaker.Core.Operators;

/// <summary>Y = ln(1 + e^X), computed without overflow for large X.</summary>
public sealed class Softplus : UnaryFloatOperator
{
    public override string OpType => "Softplus";
    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Softplus;
}
