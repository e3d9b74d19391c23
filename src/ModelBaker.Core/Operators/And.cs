using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>C = A and B (bools) element-wise with numpy broadcasting, as bools (see <see cref="PredicateOperator"/>).</summary>
public sealed class And : PredicateOperator
{
    public override string OpType => "And";

    public override OperatorSupport Support => Logic("and");

    protected override PredicateOperation Operation => PredicateOperation.And;
}
