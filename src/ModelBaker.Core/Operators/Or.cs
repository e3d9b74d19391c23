using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>C = A or B (bools) element-wise with numpy broadcasting, as bools (see <see cref="PredicateOperator"/>).</summary>
public sealed class Or : PredicateOperator
{
    public override string OpType => "Or";

    public override OperatorSupport Support => Logic("or");

    protected override PredicateOperation Operation => PredicateOperation.Or;
}
