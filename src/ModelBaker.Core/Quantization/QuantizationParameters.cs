using System;

namespace ModelBaker.Core.Quantization;

/// <summary>real = Scale × (q − ZeroPoint), q in [−128, 127].</summary>
public readonly struct QuantizationParameters
{
    public QuantizationParameters(double scale, int zeroPoint)
    {
        Scale = scale;
        ZeroPoint = zeroPoint;
    }

    public double Scale { get; }
    public int ZeroPoint { get; }

    /// <summary>
    /// Asymmetric int8 parameters covering [min, max] widened to include 0, so that 0 is exactly representable
    /// (zero padding and Relu need it). The scale is computed in float32, as TensorFlow Lite does.
    /// </summary>
    /// <param name="lowest">The lowest level reals take: −128, or −127 where −128 codes NaN (<see cref="Plan.PlanTensor.MissingCode"/>).</param>
    public static QuantizationParameters FromRange(float min, float max, int lowest = -128)
    {
        min = Math.Min(min, 0f);
        max = Math.Max(max, 0f);
        if (float.IsInfinity(min) || float.IsInfinity(max) || float.IsNaN(min) || float.IsNaN(max))
            throw new ArgumentException($"Calibration range [{min}, {max}] is not finite.");
        if (max == min) return new QuantizationParameters(1.0, 0); // the tensor is always 0
        float scale = (max - min) / (127f - lowest);
        // max − min of two floats near ±3.4e38 overflows a float; in double it does not, and the scale fits again.
        if (float.IsInfinity(scale)) scale = (float)((max - (double)min) / (127.0 - lowest));
        double zeroPoint = Math.Round(lowest - min / (double)scale);
        return new QuantizationParameters(scale, (int)Math.Max(lowest, Math.Min(127, zeroPoint)));
    }

    /// <summary>Symmetric per-channel weight scale: the largest magnitude maps to 127.</summary>
    public static double WeightScale(float maxAbs) => maxAbs == 0 ? 1.0 : maxAbs / 127.0;

    /// <summary>A weight at a symmetric per-channel scale: w / scale rounded (half to even), clamped to [−127, 127].</summary>
    public static sbyte QuantizeWeight(double weight, double scale) => (sbyte)Math.Max(-127, Math.Min(127, Math.Round(weight / scale)));

    public static int SaturateInt32(double value) => (int)Math.Max(int.MinValue, Math.Min(int.MaxValue, value));

    public override string ToString() => $"scale {Scale}, zero point {ZeroPoint}";
}
