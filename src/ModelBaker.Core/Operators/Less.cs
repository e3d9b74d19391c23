using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>C = A &lt; B element-wise with numpy broadcasting, as bools (see <see cref="PredicateOperator"/>).</summary>
public sealed class Less : PredicateOperator
{
    public override string OpType => "Less";

    public override OperatorSupport Support => Comparison(7, "<");

    protected override PredicateOperation Operation => PredicateOperation.Less;
}
