using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Y[n, c, 1, …, 1] = the mean of X[n, c, …] over all spatial positions.</summary>
public sealed class GlobalAveragePool : Pooling
{
    public override string OpType => "GlobalAveragePool";

    public override OperatorSupport Support => Pool("mean over every spatial position", "averages round as TensorFlow Lite's");

    protected override PoolKind Kind(Node node) => PoolKind.Average;

    /// <summary>One window covering the whole input (node attributes do not apply: GlobalAveragePool has none).</summary>
    protected override SlidingWindow Window(Node node, int[] spatial) => SlidingWindow.Whole(spatial);
}
