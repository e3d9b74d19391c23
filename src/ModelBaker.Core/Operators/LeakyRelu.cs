using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Operators;

/// <summary>Y = X for X ≥ 0, alpha · X otherwise (alpha default 0.01).</summary>
public sealed class LeakyRelu : UnaryFloatOperator
{
    public override string OpType => "LeakyRelu";

    public override OperatorSupport Support => Elementwise(1, "alpha");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.LeakyRelu;
    protected override (float Alpha, float Beta) Parameters(Node node) => (node.GetFloat("alpha", 0.01f), 0f);
}
