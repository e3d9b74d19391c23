namespace ModelBaker.Core.Operators;

/// <summary>ReduceL1: Σ |x| over the reduced axes, written as Abs → ReduceSum (see <see cref="ComposedReduction"/>).</summary>
public sealed class ReduceL1 : ComposedReduction
{
    public override string OpType => "ReduceL1";

    public override OperatorSupport Support => Composed("Σ |x|: Abs, then ReduceSum");

    protected override void Write(Composition c, string x, string output) => c.Reduce("ReduceSum", c.Elementwise("Abs", null, x), output);
}
