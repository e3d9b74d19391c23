namespace ModelBaker.Core.Kernels;

/// <summary>
/// A float step network distillation can back-propagate through (docs/compression.md). The weighted layers
/// (<see cref="Plan.IWeightedKernel"/>) have their gradients taken by the distillation itself, which owns their
/// weights; every other step says here how a gradient passes back through it. A step without this interface, or
/// with a <see cref="NoGradient"/> reason, makes distillation refuse the model with a coded warning naming it.
/// </summary>
public interface IDifferentiable
{
    /// <summary>Why this step, as configured, passes no gradient (a Div, an integer Concat); null when it does.</summary>
    string? NoGradient { get; }

    /// <summary>
    /// Adds d loss / d input to <paramref name="inputGradients"/> (one array per tensor the step reads, in
    /// <see cref="Plan.Kernel.Reads"/> order), given what the forward pass kept: the step's inputs and output, and
    /// d loss / d output.
    /// </summary>
    void Backward(float[][] inputs, float[] output, double[] outputGradient, double[][] inputGradients);
}

/// <summary>Gradient arithmetic the steps share.</summary>
public static class Gradients
{
    /// <summary>The gradient before a clamp [min, max]: it passes where the output lies strictly inside.</summary>
    public static double[] ThroughClamp(float[] output, double[] gradient, float min, float max)
    {
        if (float.IsNegativeInfinity(min) && float.IsPositiveInfinity(max)) return gradient;
        var passed = new double[gradient.Length];
        for (int i = 0; i < passed.Length; i++)
            if (output[i] > min && output[i] < max) passed[i] = gradient[i];
        return passed;
    }
}
