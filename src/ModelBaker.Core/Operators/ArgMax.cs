namespace ModelBaker.Core.Operators;

/// <summary>The int64 index of the largest element along an axis (see <see cref="ArgOperator"/>).</summary>
public sealed class ArgMax : ArgOperator
{
    public override string OpType => "ArgMax";

    public override OperatorSupport Support => Arg("largest");

    protected override bool Smallest => false;
}
