using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>C = A &gt; B element-wise with numpy broadcasting, as bools (see <see cref="PredicateOperator"/>).</summary>
public sealed class Greater : PredicateOperator
{
    public override string OpType => "Greater";

    public override OperatorSupport Support => Comparison(7, ">");

    protected override PredicateOperation Operation => PredicateOperation.Greater;
}
