namespace ModelBaker.Core.Operators;

/// <summary>Y = −X (float tensors).</summary>
public sealed class Neg : UnaryFloatOperator
{
    public override string OpType => "Neg";
    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Neg;
}
