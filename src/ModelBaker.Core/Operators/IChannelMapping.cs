using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Operators;

/// <summary>
/// How an operator's output channels (axis 1 of [N, C, …] tensors) relate to its inputs': what structured pruning
/// (Pruning="Structured") needs to remove whole filters and neurons and rewrite everything that reads them. An operator
/// without this capability is opaque to structured pruning — the channels around it stay, and the bake says so (MB1218).
/// </summary>
public interface IChannelMapping
{
    /// <summary>This node's channel flow, given the graph's shapes and constants (shape inference has run).</summary>
    ChannelFlow ChannelFlow(Node node, Graph graph);
}

/// <summary>The ways channels flow through an operator; see <see cref="IChannelMapping"/>.</summary>
public abstract record ChannelFlow
{
    private ChannelFlow() { }

    /// <summary>
    /// Each output channel is one filter (a Conv's output channel, a Gemm's or MatMul's neuron) whose weights lie along
    /// <paramref name="OutputAxis"/> of input <paramref name="WeightInput"/>; the input's channels along
    /// <paramref name="InputAxis"/>; one bias per filter in input <paramref name="BiasInput"/> when there is one. Removing
    /// a filter removes its row; removing an input channel removes a column of every filter.
    /// </summary>
    /// <param name="NeedsTracedInput">The filters are only removable while the input's channels are known (a Conv).</param>
    public sealed record Filters(int WeightInput, int OutputAxis, int InputAxis, int? BiasInput, bool NeedsTracedInput) : ChannelFlow;

    /// <summary>
    /// Output channel c is input channel c filtered on its own (a depthwise convolution): removing it removes filter c
    /// (axis 0 of <paramref name="WeightInput"/>), its bias, and one from the group count.
    /// </summary>
    public sealed record Depthwise(int WeightInput, int? BiasInput) : ChannelFlow;

    /// <summary>
    /// Output channel c is input channel c (activations, pooling, dropout, batch normalization); the inputs listed hold
    /// one parameter per channel (BatchNormalization's scale, bias, mean, variance) and lose the removed ones.
    /// </summary>
    public sealed record PassThrough(int[] PerChannelInputs) : ChannelFlow
    {
        public static PassThrough Plain { get; } = new(System.Array.Empty<int>());
    }

    /// <summary>Broadcasting arithmetic: tensor inputs with every channel are tied channel by channel; constants are sliced with them.</summary>
    public sealed record Elementwise : ChannelFlow;

    /// <summary>Inputs joined along the channel axis (Concat on axis 1).</summary>
    public sealed record Joined : ChannelFlow;

    /// <summary>
    /// [N, C, …] → [N, C·…] (Flatten at axis 1, a Reshape to two dimensions); <paramref name="ShapeInput"/> is the
    /// input holding the target shape, rewritten for the new feature count, when there is one.
    /// </summary>
    public sealed record Flattened(int? ShapeInput) : ChannelFlow;

    /// <summary>
    /// This node, as configured, is not seen through; <paramref name="Reason"/> says why. A layer kept whole names its
    /// constant <paramref name="WeightInput"/>: its weights still count in the total a sparsity target is a fraction of.
    /// </summary>
    public sealed record Opaque(string Reason, int? WeightInput = null) : ChannelFlow;

    /// <summary>A node whose second and later outputs are used (a Dropout mask, MaxPool indices) is opaque; else <paramref name="flow"/>.</summary>
    public static ChannelFlow UnlessExtraOutputsUsed(Node node, ChannelFlow flow)
    {
        for (int i = 1; i < node.Outputs.Count; i++)
            if (node.Outputs[i].Length > 0) return new Opaque($"its output {i} is used");
        return flow;
    }
}
