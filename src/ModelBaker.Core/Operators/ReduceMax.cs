using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Maximum over the reduced axes (see <see cref="ReduceOperator"/>); int8: exact, the output shares the input's quantization.</summary>
public sealed class ReduceMax : ReduceOperator
{
    public override string OpType => "ReduceMax";
    protected override ReduceOperation Operation => ReduceOperation.Max;
}
