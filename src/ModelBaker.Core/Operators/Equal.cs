using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>C = A = B element-wise with numpy broadcasting, as bools (see <see cref="PredicateOperator"/>).</summary>
public sealed class Equal : PredicateOperator
{
    public override string OpType => "Equal";

    public override OperatorSupport Support => Comparison(7, "=");

    protected override PredicateOperation Operation => PredicateOperation.Equal;
}
