namespace ModelBaker.Core.Operators;

/// <summary>Y = max(0, X).</summary>
public sealed class Relu : UnaryFloatOperator
{
    public override string OpType => "Relu";
    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Relu;
}
