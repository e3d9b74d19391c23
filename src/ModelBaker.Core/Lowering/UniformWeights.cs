using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Lowering;

/// <summary>
/// Recognises weight tensors whose elements are all one value — a ConstantOfShape fill (a uniform <see cref="Tensor"/>)
/// or an initializer that happens to repeat one number — so Conv and Gemm lower to the uniform kernels, which store
/// one weight per output channel instead of every element.
/// </summary>
public static class UniformWeights
{
    /// <summary>The value every element has, or null when the elements differ (or there are none).</summary>
    public static float? Value(Tensor weights)
    {
        if (weights.Type != ElementType.Float32) return null;
        if (weights.IsUniform) return weights.UniformFloat;
        var data = weights.Floats!;
        if (data.Length == 0) return null;
        float first = data[0];
        for (int i = 1; i < data.Length; i++)
            if (!Same(data[i], first)) return null;
        return first;
    }

    /// <summary>Equal as stored: NaN matches NaN and 0 does not match −0, so the uniform kernel computes what the elements would.</summary>
    private static bool Same(float a, float b) => a.Equals(b) && (a != 0f || 1f / a == 1f / b);
}
