using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Operators;

/// <summary>
/// A layer whose input 1 is its weights (Conv, Gemm, MatMul): which axis of them holds the output channels. Per-channel
/// quantization (a QDQ model's weight scales) and structured pruning (removing a filter's row) both read it.
/// </summary>
public interface IWeightLayout
{
    /// <summary>The output-channel axis of input 1, or null when this node's weights have no such layout (a batched MatMul).</summary>
    int? OutputChannelAxis(Node node, Graph graph);
}
