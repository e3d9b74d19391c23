using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Y[n, c, 1, …, 1] = the largest value of X[n, c, …] over all spatial positions.</summary>
public sealed class GlobalMaxPool : Pooling
{
    public override string OpType => "GlobalMaxPool";

    public override OperatorSupport Support => Pool("maximum over every spatial position", "the output keeps the input's scale");

    protected override PoolKind Kind(Node node) => PoolKind.Max;

    protected override SlidingWindow Window(Node node, int[] spatial) => SlidingWindow.Whole(spatial);
}
