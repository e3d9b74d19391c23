namespace ModelBaker.Core.Operators;

/// <summary>Y = |X| (float tensors).</summary>
public sealed class Abs : UnaryFloatOperator
{
    public override string OpType => "Abs";
    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Abs;
}
