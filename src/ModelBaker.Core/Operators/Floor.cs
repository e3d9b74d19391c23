namespace ModelBaker.Core.Operators;

/// <summary>Y = ⌊X⌋ (float tensors); int8 plans take it as a lookup table.</summary>
public sealed class Floor : UnaryFloatOperator
{
    public override string OpType => "Floor";

    public override OperatorSupport Support => Elementwise(1, "Y = ⌊X⌋");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Floor;
}
