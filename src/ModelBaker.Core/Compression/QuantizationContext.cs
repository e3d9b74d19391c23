using System;
using System.Collections.Generic;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// What a float step needs to become its int8 counterpart (<see cref="FloatKernel.Quantize"/>): each float
/// tensor's int8 place and quantization parameters, from the calibration ranges or fixed by an earlier step.
/// </summary>
public sealed class QuantizationContext
{
    private readonly Dictionary<ArenaSlice, (float Min, float Max)> _ranges;
    private readonly Dictionary<ArenaSlice, ArenaSlice> _slices = new();
    private readonly Dictionary<ArenaSlice, QuantizationParameters> _parameters = new();

    public QuantizationContext(Dictionary<ArenaSlice, (float Min, float Max)> ranges) => _ranges = ranges;

    /// <summary>The parameters of a float tensor: fixed earlier, or from its calibration range.</summary>
    public QuantizationParameters Parameters(ArenaSlice floatSlice)
    {
        if (_parameters.TryGetValue(floatSlice, out var p)) return p;
        if (!_ranges.TryGetValue(floatSlice, out var range))
            throw new BakeException(ErrorCodes.InternalError, $"No calibration range was recorded for tensor '{floatSlice.TensorName}'.");
        return _parameters[floatSlice] = QuantizationParameters.FromRange(range.Min, range.Max);
    }

    /// <summary>Fixes a tensor's parameters regardless of its range (Sigmoid's 1/256, softmax's, a copy's input's).</summary>
    public QuantizationParameters Fix(ArenaSlice floatSlice, QuantizationParameters parameters)
    {
        if (_parameters.TryGetValue(floatSlice, out var existing) && !existing.Equals(parameters))
            throw new InvalidOperationException($"Tensor '{floatSlice.TensorName}' was quantized before its parameters were fixed.");
        return _parameters[floatSlice] = parameters;
    }

    /// <summary>The int8 slice standing for a float slice; slices of other types stay as they are.</summary>
    public ArenaSlice Slice(ArenaSlice floatSlice)
    {
        if (floatSlice.Type != ElementType.Float32) return floatSlice;
        if (!_slices.TryGetValue(floatSlice, out var slice))
            _slices[floatSlice] = slice = new ArenaSlice(floatSlice.TensorName, ElementType.Int8, floatSlice.Length);
        return slice;
    }

    /// <summary>The parameters of the float tensor an int8 slice stands for (reports dequantize step outputs with them).</summary>
    public QuantizationParameters? ParametersOfInt8(ArenaSlice int8Slice)
    {
        foreach (var pair in _slices)
            if (pair.Value == int8Slice && _parameters.TryGetValue(pair.Key, out var p)) return p;
        return null;
    }

    /// <summary>A fused clamp in int8: real 0 is the output zero point; no clamp is the whole int8 range.</summary>
    public static (int Min, int Max) ActivationRange(float min, float max, QuantizationParameters output)
    {
        int Quantized(float value) => float.IsInfinity(value) ? (value < 0 ? -128 : 127)
            : (int)Math.Max(-128, Math.Min(127, Math.Round(value / output.Scale) + output.ZeroPoint));
        return (Quantized(min), Quantized(max));
    }
}
