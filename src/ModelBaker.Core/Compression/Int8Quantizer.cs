using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Turns a calibrated float plan into an int8 plan, step by step (docs/quantization.md): weights symmetric per
/// output unit in [−127, 127]; activations asymmetric per tensor from the calibration ranges; biases int32 at
/// input scale × weight scale; requantization by Q31 multipliers and shifts. Sigmoid, Tanh and softmax get the
/// fixed output scales TensorFlow Lite uses, so their outputs use the whole int8 range.
/// </summary>
public sealed class Int8Quantizer
{
    private readonly Dictionary<ArenaSlice, (float Min, float Max)> _ranges;
    private readonly Dictionary<ArenaSlice, ArenaSlice> _slices = new();
    private readonly Dictionary<ArenaSlice, QuantizationParameters> _parameters = new();

    private Int8Quantizer(Dictionary<ArenaSlice, (float Min, float Max)> ranges) => _ranges = ranges;

    public sealed record Result(IReadOnlyList<PlanTensor> Inputs, IReadOnlyList<PlanTensor> Outputs, IReadOnlyList<Int8Kernel> Kernels);

    public static Result Quantize(BakedPlan floatPlan, Dictionary<ArenaSlice, (float Min, float Max)> ranges)
    {
        var q = new Int8Quantizer(ranges);
        var inputs = floatPlan.Inputs.Select(q.Tensor).ToList();
        var kernels = floatPlan.Kernels.Select(q.Quantize).ToList();
        var outputs = floatPlan.Outputs.Select(q.Tensor).ToList();
        return new Result(inputs, outputs, kernels);
    }

    private PlanTensor Tensor(PlanTensor t)
    {
        if (t.Slice.Type != ElementType.Float32) return t; // integer tensors are not quantized
        var p = Parameters(t.Slice);
        return new PlanTensor(t.Name, t.Type, t.Shape, Slice(t.Slice), p.Scale, p.ZeroPoint);
    }

    private Int8Kernel Quantize(Kernel kernel) => kernel switch
    {
        FullyConnectedFloat fc => FullyConnected(fc),
        AddFloat add => Add(add),
        UnaryFloat unary => Unary(unary),
        SoftmaxFloat softmax => Softmax(softmax),
        _ => throw new InvalidOperationException($"No int8 version of {kernel.Kind}."),
    };

    private FullyConnectedInt8 FullyConnected(FullyConnectedFloat fc)
    {
        var input = Parameters(fc.Input);
        var output = Parameters(fc.Output);
        int units = fc.Units, depth = fc.Depth;
        var weights = new sbyte[units * depth];
        var bias = new int[units];
        var multipliers = new int[units];
        var shifts = new int[units];
        for (int n = 0; n < units; n++)
        {
            float maxAbs = 0;
            for (int k = 0; k < depth; k++) maxAbs = Math.Max(maxAbs, Math.Abs(fc.Weights[n * depth + k]));
            double weightScale = QuantizationParameters.WeightScale(maxAbs);
            int weightSum = 0;
            for (int k = 0; k < depth; k++)
            {
                double q = Math.Round(fc.Weights[n * depth + k] / weightScale);
                sbyte w = (sbyte)Math.Max(-127, Math.Min(127, q));
                weights[n * depth + k] = w;
                weightSum += w;
            }
            double accumulatorScale = input.Scale * weightScale;
            // The input zero point is folded in here so the kernel's inner loop needs no subtraction.
            bias[n] = Saturate(Math.Round(fc.Bias[n] / accumulatorScale)) - input.ZeroPoint * weightSum;
            (multipliers[n], shifts[n]) = FixedPoint.QuantizeMultiplier(accumulatorScale / output.Scale);
        }
        var (min, max) = ActivationRange(fc.ActivationMin, output);
        return new FullyConnectedInt8(fc.Source, Slice(fc.Input), Slice(fc.Output), fc.Rows, depth, fc.RowStride, fc.ColumnStride,
            weights, bias, multipliers, shifts, output.ZeroPoint, min, max);
    }

    private AddInt8 Add(AddFloat add)
    {
        var (a, aParameters) = Operand(add.A);
        var (b, bParameters) = Operand(add.B);
        var output = Parameters(add.Output);
        double twiceMaxScale = 2 * Math.Max(aParameters.Scale, bParameters.Scale);
        QuantizedTerm Term(QuantizationParameters p)
        {
            var (m, s) = FixedPoint.QuantizeMultiplier(p.Scale / twiceMaxScale);
            return new QuantizedTerm(p.ZeroPoint, m, s);
        }
        var (outMultiplier, outShift) = FixedPoint.QuantizeMultiplier(twiceMaxScale / ((1 << AddInt8.LeftShift) * output.Scale));
        var (min, max) = ActivationRange(add.ActivationMin, output);
        return new AddInt8(add.Source, add.Shape, a, Term(aParameters), b, Term(bParameters),
            outMultiplier, outShift, output.ZeroPoint, min, max, Slice(add.Output));
    }

    private (Operand<sbyte>, QuantizationParameters) Operand(Operand<float> operand)
    {
        if (operand.Slice != null) return (new Operand<sbyte>(Slice(operand.Slice), null, operand.Strides), Parameters(operand.Slice));
        var data = operand.Constant!;
        var p = QuantizationParameters.FromRange(data.Min(), data.Max());
        var quantized = data.Select(v => FixedPoint.Quantize(v, p.Scale, p.ZeroPoint)).ToArray();
        return (new Operand<sbyte>(null, quantized, operand.Strides), p);
    }

    private LookupInt8 Unary(UnaryFloat unary)
    {
        var input = Parameters(unary.Input);
        var output = unary.Function switch
        {
            UnaryFunction.Sigmoid => Fixed(unary.Output, 1.0 / 256, -128),
            UnaryFunction.Tanh => Fixed(unary.Output, 1.0 / 128, 0),
            _ => Parameters(unary.Output),
        };
        Func<double, double> f = unary.Function switch
        {
            UnaryFunction.Relu => x => Math.Max(0, x),
            UnaryFunction.Sigmoid => x => 1 / (1 + Math.Exp(-x)),
            _ => Math.Tanh,
        };
        var table = LookupInt8.Tabulate(f, input.Scale, input.ZeroPoint, output.Scale, output.ZeroPoint);
        return new LookupInt8(unary.Source, unary.Function.ToString(), table, Slice(unary.Input), Slice(unary.Output));
    }

    private SoftmaxInt8 Softmax(SoftmaxFloat softmax)
    {
        var input = Parameters(softmax.Input);
        Fixed(softmax.Output, SoftmaxInt8.OutputScale, SoftmaxInt8.OutputZeroPoint);
        return new SoftmaxInt8(softmax.Source, softmax.Rows, softmax.Columns, SoftmaxInt8.Tabulate(input.Scale),
            Slice(softmax.Input), Slice(softmax.Output));
    }

    /// <summary>Relu fused into a step clamps at the output's zero point (real 0); otherwise the whole int8 range.</summary>
    private static (int Min, int Max) ActivationRange(float activationMin, QuantizationParameters output) =>
        activationMin == 0f ? (Math.Max(-128, output.ZeroPoint), 127) : (-128, 127);

    private QuantizationParameters Fixed(ArenaSlice slice, double scale, int zeroPoint) =>
        _parameters[slice] = new QuantizationParameters(scale, zeroPoint);

    private QuantizationParameters Parameters(ArenaSlice slice)
    {
        if (_parameters.TryGetValue(slice, out var p)) return p;
        if (!_ranges.TryGetValue(slice, out var range))
            throw new BakeException(ErrorCodes.InternalError, $"No calibration range was recorded for tensor '{slice.TensorName}'.");
        return _parameters[slice] = QuantizationParameters.FromRange(range.Min, range.Max);
    }

    /// <summary>The int8 slice standing for a float slice; slices of other types stay as they are.</summary>
    private ArenaSlice Slice(ArenaSlice floatSlice)
    {
        if (floatSlice.Type != ElementType.Float32) return floatSlice;
        if (!_slices.TryGetValue(floatSlice, out var slice))
            _slices[floatSlice] = slice = new ArenaSlice(floatSlice.TensorName, ElementType.Int8, floatSlice.Length);
        return slice;
    }

    private static int Saturate(double value) => (int)Math.Max(int.MinValue, Math.Min(int.MaxValue, value));
}
