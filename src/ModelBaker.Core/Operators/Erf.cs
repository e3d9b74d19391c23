namespace ModelBaker.Core.Operators;

/// <summary>
/// Y = erf(X), the error function (computed in double to within 1e-14, rounded once to float). With Div, Add and Mul
/// it makes the GELU PyTorch exports, X · 0.5 · (1 + erf(X / √2)). Int8: a 256-entry table.
/// </summary>
public sealed class Erf : UnaryFloatOperator
{
    public override string OpType => "Erf";
    protected override Kernels.UnaryFunction Function => Kernels.UnaryFunction.Erf;
}
