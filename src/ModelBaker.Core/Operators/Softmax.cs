namespace ModelBaker.Core.Operators;

/// <summary>Y = exp(X) / sum(exp(X)) over each group (see <see cref="SoftmaxOperator"/>); int8: TensorFlow Lite's fixed 1/256 output.</summary>
public sealed class Softmax : SoftmaxOperator
{
    public override string OpType => "Softmax";

    public override OperatorSupport Support => Normalisation("exp(X) / Σ exp(X)", "exp tables; output scale 1/256");

    protected override bool Log => false;
}
