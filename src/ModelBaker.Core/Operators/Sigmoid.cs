namespace ModelBaker.Core.Operators;

/// <summary>Y = 1 / (1 + e^(-X)).</summary>
public sealed class Sigmoid : UnaryFloatOperator
{
    public override string OpType => "Sigmoid";
    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Sigmoid;
}
