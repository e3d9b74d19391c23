using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>C = A ≥ B element-wise with numpy broadcasting, as bools (see <see cref="PredicateOperator"/>).</summary>
public sealed class GreaterOrEqual : PredicateOperator
{
    public override string OpType => "GreaterOrEqual";

    public override OperatorSupport Support => Comparison(12, "≥");

    protected override PredicateOperation Operation => PredicateOperation.GreaterOrEqual;
}
