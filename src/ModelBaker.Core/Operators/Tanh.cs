namespace ModelBaker.Core.Operators;

/// <summary>Y = tanh(X).</summary>
public sealed class Tanh : UnaryFloatOperator
{
    public override string OpType => "Tanh";
    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Tanh;
}
