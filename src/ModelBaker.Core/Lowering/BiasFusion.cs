using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Lowering;

/// <summary>A constant Add after a step with a bias (fully connected, convolution) folded into that bias.</summary>
public static class BiasFusion
{
    /// <summary>Folds <paramref name="addend"/> into the producer of <paramref name="input"/>; false if it cannot.</summary>
    public static bool TryFuse(LoweringContext context, Node node, string input, Tensor addend)
    {
        var producer = context.FusableProducer(input);
        string output = node.Outputs[0];
        var fused = producer?.WithBias(producer.Source + " + " + node.Describe(), context.Slice(output), context.Shape(output), addend);
        if (fused == null) return false;
        context.Replace(producer!, fused);
        return true;
    }
}
