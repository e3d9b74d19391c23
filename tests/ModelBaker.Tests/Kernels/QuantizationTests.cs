using ModelBaker.Core.Compression;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Tests.Kernels;

public sealed class QuantizationTests
{
    [Theory]
    [InlineData(-1f, 1f)]
    [InlineData(0f, 6f)]
    [InlineData(-3.5f, 0.25f)]
    [InlineData(0.5f, 2f)]       // widened to include 0
    public void Activation_round_trip_error_is_at_most_half_a_step(float min, float max)
    {
        var p = QuantizationParameters.FromRange(min, max);
        float low = Math.Min(min, 0), high = Math.Max(max, 0);
        for (int i = 0; i <= 1000; i++)
        {
            float x = low + (high - low) * i / 1000f;
            float back = FixedPoint.Dequantize(FixedPoint.Quantize(x, p.Scale, p.ZeroPoint), p.Scale, p.ZeroPoint);
            Assert.InRange(back, x - p.Scale / 2 - 1e-6, x + p.Scale / 2 + 1e-6);
        }
    }

    [Fact]
    public void Zero_is_exactly_representable()
    {
        var p = QuantizationParameters.FromRange(-0.37f, 5.1f);
        Assert.Equal(0f, FixedPoint.Dequantize(FixedPoint.Quantize(0f, p.Scale, p.ZeroPoint), p.Scale, p.ZeroPoint));
    }

    [Fact]
    public void Constant_zero_tensor_gets_a_usable_scale()
    {
        var p = QuantizationParameters.FromRange(0f, 0f);
        Assert.Equal((1.0, 0), (p.Scale, p.ZeroPoint));
    }

    [Fact]
    public void Weight_scale_maps_the_largest_magnitude_to_127()
    {
        Assert.Equal(0.5 / 127, QuantizationParameters.WeightScale(0.5f), 12);
        Assert.Equal(1.0, QuantizationParameters.WeightScale(0f));
    }
}
