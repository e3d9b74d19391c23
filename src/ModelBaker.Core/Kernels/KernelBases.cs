using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>A step of int8 arithmetic (the quantizer's output).</summary>
public abstract class Int8Kernel : Kernel
{
    protected Int8Kernel(string source) : base(source) { }
}

/// <summary>A step of float arithmetic (lowering's output, and float plans).</summary>
public abstract class FloatKernel : Kernel
{
    protected FloatKernel(string source) : base(source) { }

    /// <summary>
    /// This step with its output clamped to [min, max] (intersected with any clamp it has) and written to
    /// <paramref name="output"/>; null when this kind of step cannot clamp.
    /// </summary>
    public virtual FloatKernel? WithActivation(string source, ArenaSlice output, float min, float max) => null;

    /// <summary>
    /// This step with <paramref name="addend"/> added to its output (written to <paramref name="output"/>) when the
    /// addend is one value per output channel and the step has a bias to fold it into; null otherwise.
    /// </summary>
    public virtual FloatKernel? WithBias(string source, ArenaSlice output, int[] outputShape, Tensor addend) => null;

    /// <summary>
    /// This step followed by y = x · scale[c] + shift[c] per output channel (an inference BatchNormalization), as one
    /// step writing to <paramref name="output"/> (of <paramref name="outputShape"/>, channels on axis 1) — weights scaled per channel, bias mapped — or null when this kind of
    /// step cannot take it in (no per-channel weights, or a clamp before the affine map).
    /// </summary>
    public virtual FloatKernel? WithChannelAffine(string source, ArenaSlice output, int[] outputShape, float[] scale, float[] shift) => null;

    /// <summary>
    /// The int8 step computing the same thing on quantized tensors (docs/compression.md). Not called for an
    /// <see cref="IFloatOnlyKernel"/>, which an int8 plan runs in float, in a float island.
    /// </summary>
    public abstract Kernel Quantize(QuantizationContext context);
}

/// <summary>
/// A float step with no int8 form (<see cref="IFloatOnlyKernel"/>): an int8 plan runs it in a float island, so the
/// quantizer never asks for its int8 form. Say why in <see cref="FloatOnlyReason"/>.
/// </summary>
public abstract class FloatOnlyKernel : FloatKernel, IFloatOnlyKernel
{
    protected FloatOnlyKernel(string source) : base(source) { }

    public abstract string FloatOnlyReason { get; }

    public sealed override Kernel Quantize(QuantizationContext context) =>
        throw new System.InvalidOperationException($"{Source}: {GetType().Name} runs in a float island of an int8 plan; it has no int8 form.");
}
