namespace ModelBaker.Core.Operators;

/// <summary>The int64 index of the smallest element along an axis (see <see cref="ArgOperator"/>).</summary>
public sealed class ArgMin : ArgOperator
{
    public override string OpType => "ArgMin";

    public override OperatorSupport Support => Arg("smallest");

    protected override bool Smallest => true;
}
