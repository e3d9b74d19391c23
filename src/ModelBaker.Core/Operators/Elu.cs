using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Operators;

/// <summary>Y = X for X ≥ 0, alpha · (e^X − 1) otherwise (alpha default 1).</summary>
public sealed class Elu : UnaryFloatOperator
{
    public override string OpType => "Elu";

    public override OperatorSupport Support => Elementwise(1, "alpha");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Elu;
    protected override (float Alpha, float Beta) Parameters(Node node) => (node.GetFloat("alpha", 1f), 0f);
}
