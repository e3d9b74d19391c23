namespace ModelBaker.Core.Operators;

/// <summary>com.microsoft QLinearAdd: C = quantize(dequantize(A) + dequantize(B)), numpy broadcasting.</summary>
public sealed class QLinearAdd : QLinearBinaryOperator
{
    public override string OpType => "com.microsoft:QLinearAdd";
    protected override string FloatOpType => "Add";
}
