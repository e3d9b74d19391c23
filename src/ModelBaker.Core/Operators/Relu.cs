namespace ModelBaker.Core.Operators;

/// <summary>Y = max(0, X).</summary>
public sealed class Relu : UnaryFloatOperator
{
    public override string OpType => "Relu";
    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Relu;
    public override float Apply(float x) => x > 0f ? x : 0f;
}
