namespace ModelBaker.Core.Operators;

/// <summary>Y = X − max − ln(sum(exp(X − max))) over each group (see <see cref="SoftmaxOperator"/>); int8: fixed 16/256 output, zero point 127.</summary>
public sealed class LogSoftmax : SoftmaxOperator
{
    public override string OpType => "LogSoftmax";

    public override OperatorSupport Support => Normalisation("X − max − ln Σ exp(X − max)", "exp tables and an integer log2; output 16/256, zero point 127");

    protected override bool Log => true;
}
