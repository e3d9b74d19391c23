namespace ModelBaker.Core.Plan;

/// <summary>
/// A float step with no int8 form (LRN, training-mode BatchNormalization, …). An int8 plan runs it in float, in a float
/// island (docs/compression.md): its int8 inputs are dequantized before it, its float outputs quantized with their
/// calibrated parameters after it, and consecutive such steps share one island. The quantizer never calls its
/// <c>Quantize</c>. The nanoFramework flavour, integer-only, refuses it (MB1135).
/// </summary>
public interface IFloatOnlyKernel
{
    /// <summary>
    /// Why the step has no int8 form, one clause that completes "runs in float: …", e.g. "LRN's normalization is a
    /// fractional power of a sum over neighbouring channels". The bake report and the nanoFramework refusal quote it.
    /// </summary>
    string FloatOnlyReason { get; }
}
