namespace ModelBaker.Core.Operators;

/// <summary>ReduceLogSum: ln Σ x over the reduced axes, written as ReduceSum → Log (see <see cref="ComposedReduction"/>).</summary>
public sealed class ReduceLogSum : ComposedReduction
{
    public override string OpType => "ReduceLogSum";

    public override OperatorSupport Support => Composed("ln Σ x: ReduceSum, then Log");

    protected override void Write(Composition c, string x, string output) => c.Elementwise("Log", output, c.Reduce("ReduceSum", x));
}
