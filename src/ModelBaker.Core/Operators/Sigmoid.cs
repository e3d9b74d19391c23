namespace ModelBaker.Core.Operators;

/// <summary>Y = 1 / (1 + e^(-X)).</summary>
public sealed class Sigmoid : UnaryFloatOperator
{
    public override string OpType => "Sigmoid";

    public override OperatorSupport Support => Elementwise(1, "Y = 1 / (1 + e^−X)", table: "a 256-entry table; output scale 1/256");

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Sigmoid;
}
