namespace ModelBaker.Core.Operators;

/// <summary>com.microsoft QLinearMul: C = quantize(dequantize(A) · dequantize(B)), numpy broadcasting.</summary>
public sealed class QLinearMul : QLinearBinaryOperator
{
    public override string OpType => "com.microsoft:QLinearMul";
    protected override string FloatOpType => "Mul";
}
