namespace ModelBaker.Core.Operators;

/// <summary>Y = ⌈X⌉ (float tensors); int8 plans take it as a lookup table.</summary>
public sealed class Ceil : UnaryFloatOperator
{
    public override string OpType => "Ceil";
    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Ceil;
}
