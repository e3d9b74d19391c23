namespace ModelBaker.Core.Operators;

/// <summary>
/// Y = erf(X), the error function (computed in double to within 1e-14, rounded once to float). With Div, Add and Mul
/// it makes the GELU PyTorch exports, X · 0.5 · (1 + erf(X / √2)). Int8: a 256-entry table.
/// </summary>
public sealed class Erf : UnaryFloatOperator
{
    public override string OpType => "Erf";

    public override OperatorSupport Support => Elementwise(9, "erf in double, rounded once to float; with Div, Add and Mul it is the GELU PyTorch exports", family: OperatorFamily.TransformerBlocks);

    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Erf;
}
