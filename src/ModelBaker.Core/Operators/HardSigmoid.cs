using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Operators;

/// <summary>Y = max(0, min(1, alpha · X + beta)) (defaults alpha 0.2, beta 0.5).</summary>
public sealed class HardSigmoid : UnaryFloatOperator
{
    public override string OpType => "HardSigmoid";

    public override OperatorSupport Support => Elementwise(1, "alpha, beta", table: "a 256-entry table; output scale 1/256");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.HardSigmoid;
    protected override (float Alpha, float Beta) Parameters(Node node) => (node.GetFloat("alpha", 0.2f), node.GetFloat("beta", 0.5f));
}
