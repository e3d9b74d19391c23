namespace ModelBaker.Core.Operators;

/// <summary>ReduceL2: √(Σ x²) over the reduced axes, written as ReduceSumSquare → Sqrt (see <see cref="ComposedReduction"/>).</summary>
public sealed class ReduceL2 : ComposedReduction
{
    public override string OpType => "ReduceL2";

    public override OperatorSupport Support => Composed("√(Σ x²): ReduceSumSquare, then Sqrt");

    protected override void Write(Composition c, string x, string output) => c.Elementwise("Sqrt", output, c.Reduce("ReduceSumSquare", x));
}
