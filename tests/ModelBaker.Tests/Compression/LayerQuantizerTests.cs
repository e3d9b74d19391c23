using ModelBaker.Core.Compression;
using ModelBaker.Core.Kernels;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Tests.Compression;

/// <summary>The per-layer int8 scheme's storage choices: shared shifts, 16-bit biases, and units pruned to nothing.</summary>
public sealed class LayerQuantizerTests
{
    [Fact]
    public void A_unit_pruned_to_nothing_shares_its_neighbours_shift_and_every_bias_is_stored_in_16_bits()
    {
        // Four units of 64 weights after a Relu (input zero point −128), the third pruned away entirely.
        var random = new Random(8);
        var weights = Enumerable.Range(0, 4 * 64).Select(i => i / 64 == 2 ? 0f : (float)(random.NextDouble() - 0.5) * (1 + i / 64)).ToArray();
        var layer = new TestLayer(weights, units: 4, bias: new[] { 0.3f, -0.2f, 0.15f, 1.5f });
        var input = new QuantizationParameters(0.05, -128);
        var output = new QuantizationParameters(0.2, -20);

        var quantized = LayerQuantizer.Quantize(layer, clusters: 0, modelScales: null, input, output);

        Assert.Single(quantized.Shifts);
        Assert.InRange(Core.Codegen.EmitArrays.ShortBiasShift(quantized.Bias), 0, 16);
        Assert.Equal(2 * 4 + 2 * 4 + 1, FixedPoint.RequantizationBytes(quantized.Bias, quantized.Multipliers, quantized.Shifts));
        // The pruned unit's output is its bias alone: the requantized constant still lands on the float value's step.
        int constant = FixedPoint.MultiplyByQuantizedMultiplier(quantized.Bias[2], quantized.Multipliers[2], quantized.Shifts[0]) + output.ZeroPoint;
        Assert.Equal(1 + output.ZeroPoint, constant); // 0.15 / 0.2 = 0.75 steps
    }

    [Fact]
    public void A_QDQ_models_own_biases_stay_exact()
    {
        var layer = new TestLayer(new[] { 0.5f, -0.25f, 0.125f, 1f }, units: 2, bias: new[] { 100f, -3f });
        var input = new QuantizationParameters(0.0013, -128);
        var quantized = LayerQuantizer.Quantize(layer, 0, modelScales: new[] { 0.5 / 64, 1 / 64.0 }, input, new QuantizationParameters(0.5, 0));
        // 100 / (0.0013 × 0.5 / 64) = 9,846,153.8, and −(−128) × Σ weights folded in: no 16-bit form, and no rounding.
        Assert.Equal(9_846_154 + 128 * (64 - 32), quantized.Bias[0]);
        Assert.Equal(-1, Core.Codegen.EmitArrays.ShortBiasShift(quantized.Bias));
    }
}
