using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Y = the mean of each window, with kernel_shape, strides, pads or auto_pad, dilations (opset 19) and ceil_mode.
/// count_include_pad = 0 divides by the taps inside X; 1 counts the explicit padding as zeros too (but not the part
/// of a ceil_mode window beyond the padding, as ONNX Runtime and PyTorch do).
/// </summary>
public sealed class AveragePool : Pooling
{
    public override string OpType => "AveragePool";

    public override OperatorSupport Support => Pool("window mean; kernel_shape, strides, pads or auto_pad, ceil_mode, count_include_pad, dilations (opset 19)", "averages round as TensorFlow Lite's");

    protected override PoolKind Kind(Node node) =>
        node.GetInt("count_include_pad", 0) != 0 ? PoolKind.AverageIncludingPadding : PoolKind.Average;

    protected override SlidingWindow Window(Node node, int[] spatial) =>
        SlidingWindow.Resolve(node, spatial, SlidingWindow.KernelShape(node, spatial.Length), allowCeilMode: true);
}
