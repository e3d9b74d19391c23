using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Lowering;

/// <summary>Relu (and, later, Clip) folded into the step that feeds them, as a clamp of that step's output.</summary>
public static class ActivationFusion
{
    /// <summary>Clamps the producer of the node's input to [min, max] and makes it write the node's output; false if it cannot.</summary>
    public static bool TryFuse(LoweringContext context, Node node, float min, float max)
    {
        var producer = context.FusableProducer(node.Inputs[0]);
        var fused = producer?.WithActivation(producer.Source + " + " + node.Describe(), context.Slice(node.Outputs[0]), min, max);
        if (fused == null) return false;
        context.Replace(producer!, fused);
        return true;
    }
}
