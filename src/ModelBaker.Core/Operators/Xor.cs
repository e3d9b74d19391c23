using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>C = A xor B (bools) element-wise with numpy broadcasting, as bools (see <see cref="PredicateOperator"/>).</summary>
public sealed class Xor : PredicateOperator
{
    public override string OpType => "Xor";

    public override OperatorSupport Support => Logic("xor");

    protected override PredicateOperation Operation => PredicateOperation.Xor;
}
