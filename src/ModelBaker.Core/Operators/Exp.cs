namespace ModelBaker.Core.Operators;

/// <summary>Y = e^X.</summary>
public sealed class Exp : UnaryFloatOperator
{
    public override string OpType => "Exp";
    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Exp;
}
