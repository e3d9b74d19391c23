namespace ModelBaker.Core.Operators;

/// <summary>Y = max(0, X).</summary>
public sealed class Relu : UnaryFloatOperator
{
    public override string OpType => "Relu";

    public override OperatorSupport Support => Elementwise(1, "Y = max(0, X); fused into the step before it as a clamp where it can be", table: "a clamp fused into the step before it, else a 256-entry table");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Relu;
}
