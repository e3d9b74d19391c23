using System;
using System.Linq;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>A weighted layer in int8: encoded weights, int32 biases with the input zero point folded in, requantization.</summary>
public sealed record QuantizedLayer(EncodedWeights Weights, int[] Bias, int[] Multipliers, int[] Shifts);

/// <summary>
/// The TensorFlow Lite Micro scheme for a fully connected or convolution layer (docs/compression.md), shared by both:
/// weights symmetric in [−127, 127] with one scale per output unit — one scale for the whole layer when it is
/// clustered, so that its few distinct values stay few; bias int32 at input scale × weight scale, with
/// −inputZeroPoint · Σ weights folded in so the kernels' inner loops are plain int8 dot products, rounded to 16-bit
/// storage where that moves no output by more than a 32nd of a step (<see cref="FixedPoint.CoarsenBias"/>); requantization
/// multiplier input scale × weight scale / output scale as a Q15 number (stored as a short) and a shift. The weights are stored in the
/// smallest encoding that fits them.
/// </summary>
public static class LayerQuantizer
{
    /// <param name="modelScales">A QDQ model's own per-unit weight scales: its int8 weights then come back exactly.</param>
    public static QuantizedLayer Quantize(IWeightedKernel layer, int clusters, double[]? modelScales, QuantizationParameters input,
        QuantizationParameters output)
    {
        if (modelScales != null && clusters > 0)
            throw new Diagnostics.BakeException(Diagnostics.ErrorCodes.UnsupportedOperatorUsage,
                $"Node {layer.Source}: Clusters cannot be combined with a QDQ model's own int8 weights. Remove Clusters for this model.");
        int units = layer.Units, depth = layer.WeightsPerUnit;
        var weights = new sbyte[units * depth];
        var bias = new int[units];
        var multipliers = new int[units];
        var shifts = new int[units];
        var realMultipliers = new double[units];
        var scales = modelScales ?? BiasSafe(WeightScales(layer, clusters), layer.Bias, input.Scale);
        for (int n = 0; n < units; n++)
        {
            double weightScale = scales[n];
            int weightSum = 0;
            for (int k = 0; k < depth; k++)
            {
                float real = layer.Weights[n * depth + k];
                weights[n * depth + k] = modelScales != null
                    ? QuantizationContext.ModelWeight(real, weightScale, layer.Source)
                    : QuantizationParameters.QuantizeWeight(real, weightScale);
                weightSum += weights[n * depth + k];
            }
            double accumulatorScale = input.Scale * weightScale;
            bias[n] = QuantizationParameters.SaturateInt32(Math.Round(layer.Bias[n] / accumulatorScale)) - input.ZeroPoint * weightSum;
            realMultipliers[n] = accumulatorScale / output.Scale;
            (multipliers[n], shifts[n]) = FixedPoint.QuantizeMultiplierQ15(realMultipliers[n]);
        }
        // A QDQ model's own int32 biases stay exact; biases the bake quantized may be rounded to fit 16 bits.
        if (modelScales == null) bias = FixedPoint.CoarsenBias(bias, realMultipliers);
        var codebook = clusters > 0 ? weights.Where(w => w != 0).Distinct().OrderBy(w => w).ToArray() : null;
        // One scale for the whole layer (clustered, or equal by chance) gives one multiplier: stored once, and the
        // kernels read element 0 of a one-element array.
        if (multipliers.Distinct().Count() == 1 && shifts.Distinct().Count() == 1)
            (multipliers, shifts) = (new[] { multipliers[0] }, new[] { shifts[0] });
        else
            (multipliers, shifts) = FixedPoint.ShareShift(multipliers, shifts);
        var encoded = EncodedWeights.Smallest(weights, units, depth, codebook);
        return new QuantizedLayer(encoded, bias, multipliers, shifts);
    }

    /// <summary>
    /// The largest |bias| in accumulator steps: 2^30, so that the bias, −zero point · Σ weights and the products of a
    /// unit (at most 48,641 steps per weight) add up in int32 without wrapping for any depth under 22,000.
    /// </summary>
    public const double MaxBiasSteps = 1 << 30;

    /// <summary>
    /// Weight scales raised where the bias would not fit: a unit whose weights are all near zero (a folded
    /// BatchNormalization's dead channel, max |w| 1e-6 beside 175 in the same depthwise layer) gets a tiny scale, and its
    /// bias ÷ (input scale × that scale) leaves int32 — saturated, it lost most of the bias, and the fold of the input zero
    /// point then wrapped around, so the unit's output was wrong by its whole bias (relative step errors of 0.2–0.6 on
    /// MobileNetV2). Raising the scale to |bias| / (input scale · 2^30) keeps the bias; the weights it rounds away are
    /// too small to move the output (TensorFlow Lite's converter adjusts weight scales for biases the same way).
    /// </summary>
    public static double[] BiasSafe(double[] scales, float[] bias, double inputScale)
    {
        var safe = (double[])scales.Clone();
        for (int n = 0; n < safe.Length && n < bias.Length; n++)
            safe[n] = Math.Max(safe[n], Math.Abs(bias[n]) / (inputScale * MaxBiasSteps));
        return safe;
    }

    /// <summary>
    /// Symmetric weight scales, one per unit (max |w| / 127), or one for the whole layer when it is clustered. A unit
    /// whose weights are all zero (pruned away) takes the layer's largest scale: any scale serves it, and one like its
    /// neighbours' keeps its requantization shift shared with theirs and its bias small enough for 16 bits.
    /// </summary>
    public static double[] WeightScales(IWeightedKernel layer, int clusters)
    {
        int units = layer.Units, depth = layer.WeightsPerUnit;
        float layerMaxAbs = layer.Weights.Length == 0 ? 0 : layer.Weights.Max(Math.Abs);
        var maxAbs = new float[units];
        for (int n = 0; n < units; n++)
            for (int k = 0; k < depth; k++) maxAbs[n] = Math.Max(maxAbs[n], Math.Abs(layer.Weights[n * depth + k]));
        return Array.ConvertAll(maxAbs, unitMaxAbs => QuantizationParameters.WeightScale(clusters > 0 || unitMaxAbs == 0 ? layerMaxAbs : unitMaxAbs));
    }
}
