using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Lowering;

/// <summary>
/// Recognises weight tensors whose elements are all one value — a ConstantOfShape fill (a uniform <see cref="Tensor"/>)
/// or an initializer that happens to repeat one number — so Conv and Gemm keep one weight per output channel
/// (<see cref="Encodings.FloatWeights.Uniform"/>) instead of every element.
/// </summary>
public static class RepeatedValue
{
    /// <summary>The value every element has, or null when the elements differ (or there are none).</summary>
    public static float? Of(Tensor weights)
    {
        if (weights.Type != ElementType.Float32) return null;
        if (weights.IsUniform) return weights.UniformFloat;
        var data = weights.Floats!;
        if (data.Length == 0) return null;
        float first = data[0];
        for (int i = 1; i < data.Length; i++)
            if (!Encodings.FloatWeights.SameStored(data[i], first)) return null;
        return first;
    }
}
