using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Bias correction of the weight quantization error (docs/compression.md): rounding a unit's weights to int8 shifts
/// its output on average by Σk (w_k − ŵ_k)·E[x_k], ŵ the int8 weight times its scale and E[x] the mean input patch on the
/// calibration data; adding that amount to the float bias before quantization cancels the shift.
/// </summary>
public static class BiasCorrection
{
    public static void Apply(BakedPlan floatPlan, CalibrationSet samples)
    {
        var layers = floatPlan.Kernels.OfType<IWeightedKernel>().ToList();
        var means = MeanPatches(floatPlan, layers, samples);
        foreach (var layer in layers)
        {
            int depth = layer.WeightsPerUnit, unitsPerGroup = layer.Units / layer.Groups;
            var scales = LayerQuantizer.WeightScales(layer, layer.ClusteredValues);
            for (int n = 0; n < layer.Units; n++)
            {
                var mean = means[layer][n / unitsPerGroup];
                double shift = 0;
                for (int k = 0; k < depth; k++)
                {
                    double w = layer.Weights[n * depth + k];
                    double rounded = QuantizationParameters.QuantizeWeight(w, scales[n]) * scales[n];
                    shift += (w - rounded) * mean[k];
                }
                layer.Bias[n] += (float)shift;
            }
        }
    }

    /// <summary>Per layer and group, the mean of every input patch over all samples and positions.</summary>
    private static Dictionary<IWeightedKernel, double[][]> MeanPatches(BakedPlan plan, List<IWeightedKernel> layers, CalibrationSet samples)
    {
        var sums = layers.ToDictionary(l => l, l => Enumerable.Range(0, l.Groups).Select(_ => new double[l.WeightsPerUnit]).ToArray());
        var counts = layers.ToDictionary(l => l, l => new long[l.Groups]);
        foreach (var sample in samples.Samples())
            PlanInterpreter.RunTensors(plan, sample, beforeStep: (kernel, arena) =>
            {
                if (kernel is not IWeightedKernel layer || !sums.ContainsKey(layer)) return;
                var input = arena.Floats(layer.Input).ToArray();
                for (int g = 0; g < layer.Groups; g++)
                    foreach (var patch in layer.Patches(input, g))
                    {
                        for (int k = 0; k < patch.Length; k++) sums[layer][g][k] += patch[k];
                        counts[layer][g]++;
                    }
            });
        foreach (var layer in layers)
            for (int g = 0; g < layer.Groups; g++)
                for (int k = 0; k < layer.WeightsPerUnit; k++)
                    sums[layer][g][k] /= Math.Max(1, counts[layer][g]);
        return sums;
    }
}
