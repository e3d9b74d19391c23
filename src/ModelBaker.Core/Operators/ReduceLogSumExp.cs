namespace ModelBaker.Core.Operators;

/// <summary>
/// ReduceLogSumExp: ln Σ e^x over the reduced axes, computed as ONNX Runtime does, without overflow: m = max x,
/// ln Σ e^(x − m) + m — ReduceMax, Sub, Exp, ReduceSum, Log, Add (see <see cref="ComposedReduction"/>).
/// </summary>
public sealed class ReduceLogSumExp : ComposedReduction
{
    public override string OpType => "ReduceLogSumExp";

    public override OperatorSupport Support => Composed("ln Σ e^(x − max) + max: ReduceMax, Sub, Exp, ReduceSum, Log, Add");

    protected override void Write(Composition c, string x, string output)
    {
        string shifted = c.Elementwise("Sub", null, x, c.Reduce("ReduceMax", x, keepDims: true));
        string logSum = c.Elementwise("Log", null, c.Reduce("ReduceSum", c.Elementwise("Exp", null, shifted)));
        c.Elementwise("Add", output, logSum, c.Reduce("ReduceMax", x));
    }
}
