using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Quantization;

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

    /// <summary>
    /// Per-feature calibration ranges of the model inputs read only by <see cref="IFeatureWiseInput"/> steps (the last
    /// axis), which are then quantized per feature.
    /// </summary>
    public IReadOnlyDictionary<ArenaSlice, (float[] Min, float[] Max)> FeatureRanges { get; init; } = new Dictionary<ArenaSlice, (float[], float[])>();

    /// <summary>One parameter set per feature of a model input quantized per feature; null for a tensor with one.</summary>
    public QuantizationParameters[]? FeatureParameters(ArenaSlice floatSlice) =>
        FeatureRanges.TryGetValue(floatSlice, out var r)
            ? r.Min.Select((min, f) => QuantizationParameters.FromRange(min, r.Max[f], CodesMissing(floatSlice) ? -127 : -128)).ToArray() : null;

    /// <summary>
    /// The model inputs quantized per feature whose readers all tell a NaN feature apart (<see cref="IFeatureWiseInput.TellsMissingApart"/>):
    /// int8 −128 codes NaN there, and reals take −127…127.
    /// </summary>
    public ICollection<ArenaSlice> MissingCoded { get; init; } = new HashSet<ArenaSlice>();

    /// <summary>Whether −128 codes NaN in <paramref name="floatSlice"/> (<see cref="MissingCoded"/>).</summary>
    public bool CodesMissing(ArenaSlice floatSlice) => MissingCoded.Contains(floatSlice);

    /// <summary>The plan's float inputs, which generated code quantizes before any step runs (a NaN among them becomes 0).</summary>
    public ICollection<ArenaSlice> ModelInputs { get; init; } = new HashSet<ArenaSlice>();

    /// <summary>Whether <paramref name="floatSlice"/> is one of the plan's inputs.</summary>
    public bool IsModelInput(ArenaSlice floatSlice) => ModelInputs.Contains(floatSlice);

    /// <summary>How many steps of the float plan read each tensor.</summary>
    public IReadOnlyDictionary<ArenaSlice, int> ReaderCounts { get; init; } = new Dictionary<ArenaSlice, int>();

    private readonly Dictionary<ArenaSlice, float[]> _missingValues = new();

    /// <summary>
    /// Has Predict replace NaN in a model input by <paramref name="values"/> (per feature, or one for all) before
    /// quantizing it: what an Imputer of NaN that alone reads the input does, moved to where a NaN still exists.
    /// </summary>
    public void ReplaceMissing(ArenaSlice modelInput, float[] values)
    {
        if (!IsModelInput(modelInput)) throw new InvalidOperationException($"Tensor '{modelInput.TensorName}' is not a model input.");
        _missingValues[modelInput] = values;
    }

    /// <summary>The NaN replacements of a model input (<see cref="ReplaceMissing"/>); null when it has none.</summary>
    public float[]? MissingValues(ArenaSlice modelInput) => _missingValues.TryGetValue(modelInput, out var values) ? values : null;

    /// <summary>The flavour of code the plan is for: the nanoFramework flavour's convolution reads dense weights.</summary>
    public Options.CodeTarget Target { get; init; } = Options.CodeTarget.Net;

    /// <summary>The parameters of a float tensor: fixed earlier, or from its calibration range.</summary>
    public QuantizationParameters Parameters(ArenaSlice floatSlice)
    {
        if (_parameters.TryGetValue(floatSlice, out var p)) return p;
        if (!_ranges.TryGetValue(floatSlice, out var range))
            throw new BakeException(ErrorCodes.InternalError, $"No calibration range was recorded for tensor '{floatSlice.TensorName}'.");
        return _parameters[floatSlice] = QuantizationParameters.FromRange(range.Min, range.Max);
    }

    /// <summary>The calibration range of a float tensor (or of a step's observed part, <see cref="IObservedParts"/>), if one was recorded.</summary>
    public (float Min, float Max)? Range(ArenaSlice floatSlice) => _ranges.TryGetValue(floatSlice, out var range) ? range : null;

    /// <summary>
    /// Whether the tensor's parameters are settled before the step writing it is quantized: a QDQ model fixes them
    /// (<c>Compression/QdqModel</c>), and a step with fixed output parameters of its own then takes the model's.
    /// </summary>
    public bool HasParameters(ArenaSlice floatSlice) => _parameters.ContainsKey(floatSlice);

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
            _slices[floatSlice] = slice = new ArenaSlice(floatSlice.TensorName, ElementType.Int8, floatSlice.Length, shape: floatSlice.Shape);
        return slice;
    }

    /// <summary>
    /// The slice of another integer type standing for a float slice, for a step whose integer form is wider than int8 (a
    /// tree ensemble's int32 fixed-point leaf sums); every step reading the float slice gets the same one.
    /// </summary>
    public ArenaSlice Slice(ArenaSlice floatSlice, ElementType type)
    {
        if (!_slices.TryGetValue(floatSlice, out var slice))
            _slices[floatSlice] = slice = new ArenaSlice(floatSlice.TensorName, type, floatSlice.Length, shape: floatSlice.Shape);
        if (slice.Type != type)
            throw new InvalidOperationException($"Tensor '{floatSlice.TensorName}' is {slice.Type} in the int8 plan, not {type}.");
        return slice;
    }

    /// <summary>The parameters of the float tensor an int8 slice stands for (reports dequantize step outputs with them).</summary>
    public QuantizationParameters? ParametersOfInt8(ArenaSlice int8Slice)
    {
        if (int8Slice.ChannelsLastOf is { } original) int8Slice = original.Slice; // the same tensor, in another order
        foreach (var pair in _slices)
            if (pair.Value == int8Slice && _parameters.TryGetValue(pair.Key, out var p)) return p;
        return null;
    }

    /// <summary>A QDQ model's weight scales, by the Describe() of the node whose weights they are (<see cref="QdqModel"/>).</summary>
    public IReadOnlyDictionary<string, double[]> ModelWeightScales { get; init; } = new Dictionary<string, double[]>();

    /// <summary>
    /// The model's own scales, one per output channel, for the weights of the step <paramref name="source"/> (which starts
    /// with the weighted node's Describe(), then " + " and any fused nodes); null when the model did not quantize them.
    /// </summary>
    public double[]? ModelWeightScalesOf(string source, int channels)
    {
        foreach (var pair in ModelWeightScales)
        {
            if (source != pair.Key && !source.StartsWith(pair.Key + " + ", StringComparison.Ordinal)) continue;
            if (pair.Value.Length != channels)
                throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                    $"Node {source}: the model gives {pair.Value.Length} weight scales, but the step has {channels} output channels. " +
                    "ModelBaker takes a QDQ model's weight scales per tensor or per output channel of a 2-D weight matrix; bake with Precision=\"Float32\".");
            return pair.Value;
        }
        return null;
    }

    /// <summary>
    /// A dequantized model weight back to its integer with the model's scale: exact (the float is the integer times the
    /// float32 scale, so the quotient is within 2⁻²³ of the integer) unless something changed the weights after
    /// dequantization, which is refused.
    /// </summary>
    public static sbyte ModelWeight(float weight, double scale, string source)
    {
        double q = weight / scale, rounded = Math.Round(q);
        if (Math.Abs(q - rounded) > 1e-3 || rounded < -128 || rounded > 127)
            throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                $"Node {source}: its weights are no longer the QDQ model's int8 weights times their scales (weight {weight}, scale {scale}): " +
                "something between the DequantizeLinear and this step changed them (a folded BatchNormalization, Gemm's alpha, or clustering). " +
                "Fold such operations into the weights before quantizing the model, or bake it with Precision=\"Float32\".");
        return (sbyte)rounded;
    }

    /// <summary>A fused clamp in int8: real 0 is the output zero point; no clamp is the whole int8 range.</summary>
    public static (int Min, int Max) ActivationRange(float min, float max, QuantizationParameters output)
    {
        int Quantized(float value) => float.IsInfinity(value) ? (value < 0 ? -128 : 127)
            : (int)Math.Max(-128, Math.Min(127, Math.Round(value / output.Scale) + output.ZeroPoint));
        return (Quantized(min), Quantized(max));
    }
}
