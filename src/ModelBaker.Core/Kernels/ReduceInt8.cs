using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Kernels.FixedPoint;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Int8 ReduceMean, ReduceSum, ReduceSumSquare or ReduceMax, laid out as <see cref="ReduceFloat"/>. Mean: Σ (q − input zero point) in int32,
/// requantized by input scale / (count · output scale); Sum the same without the count; SumSquare Σ (q − zero point)² by
/// input scale² / output scale. Max: the largest q — quantization is monotonic, so the
/// output shares the input's scale and zero point and the step is exact.
/// </summary>
public sealed class ReduceInt8 : Int8Kernel
{
    public ReduceInt8(string source, ReduceOperation operation, int[] keptShape, int[] keptStrides, int[] reducedOffsets,
        int inputZeroPoint, int multiplier, int shift, int outputZeroPoint, ArenaSlice input, ArenaSlice output) : base(source)
    {
        Operation = operation;
        KeptShape = keptShape;
        KeptStrides = keptStrides;
        ReducedOffsets = reducedOffsets;
        InputZeroPoint = inputZeroPoint;
        Multiplier = multiplier;
        Shift = shift;
        OutputZeroPoint = outputZeroPoint;
        Input = input;
        Output = output;
    }

    public ReduceOperation Operation { get; }
    public int[] KeptShape { get; }
    public int[] KeptStrides { get; }
    public int[] ReducedOffsets { get; }
    public int InputZeroPoint { get; }
    public int Multiplier { get; }
    public int Shift { get; }
    public int OutputZeroPoint { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    public static ReduceInt8 From(ReduceFloat reduce, QuantizationContext q)
    {
        var input = q.Parameters(reduce.Input);
        int multiplier = 0, shift = 0;
        QuantizationParameters output;
        if (reduce.Operation is ReduceOperation.Max or ReduceOperation.Min)
        {
            output = q.Fix(reduce.Output, input);
        }
        else
        {
            output = q.Parameters(reduce.Output);
            int count = reduce.Operation == ReduceOperation.Mean ? Math.Max(1, reduce.ReducedOffsets.Length) : 1;
            double scale = reduce.Operation == ReduceOperation.SumSquare ? input.Scale * input.Scale : input.Scale;
            if (reduce.Operation == ReduceOperation.SumSquare && reduce.ReducedOffsets.Length > int.MaxValue / (255 * 255))
                throw new Diagnostics.BakeException(Diagnostics.ErrorCodes.UnsupportedOperatorUsage,
                    $"Node {reduce.Source}: a sum of {reduce.ReducedOffsets.Length} int8 squares can overflow int32. Bake the model with Precision=\"Float32\".");
            (multiplier, shift) = QuantizeMultiplier(scale / (count * output.Scale));
        }
        return new ReduceInt8(reduce.Source, reduce.Operation, reduce.KeptShape, reduce.KeptStrides, reduce.ReducedOffsets,
            input.ZeroPoint, multiplier, shift, output.ZeroPoint, q.Slice(reduce.Input), q.Slice(reduce.Output));
    }

    public override KernelKind Kind => KernelKind.ReduceInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (KeptShape.Length + KeptStrides.Length + ReducedOffsets.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(ReduceInt8), nameof(FixedPoint) };

    public override void Run(PlanArena arena) =>
        Reduce((int)Operation, arena.Int8s(Input), KeptShape, KeptStrides, ReducedOffsets, InputZeroPoint, Multiplier, Shift,
            OutputZeroPoint, arena.Int8s(Output));

    // <emit>
    /// <summary>
    /// Int8 reduction of each output element's input elements: 0 mean, 2 sum and 3 sum of squares (in int32, requantized), 1 max and 4 min (the
    /// output shares the input's quantization).
    /// </summary>
    public static void Reduce(int operation, ReadOnlySpan<sbyte> input, ReadOnlySpan<int> keptShape, ReadOnlySpan<int> keptStrides,
        ReadOnlySpan<int> reducedOffsets, int inputZeroPoint, int multiplier, int shift, int outputZeroPoint, Span<sbyte> output)
    {
        for (int o = 0; o < output.Length; o++)
        {
            int start = 0, rest = o;
            for (int d = keptShape.Length - 1; d >= 0; d--)
            {
                start += rest % keptShape[d] * keptStrides[d];
                rest /= keptShape[d];
            }
            if (operation == 1 || operation == 4)
            {
                // The largest (1) or smallest (4) code: the output shares the input's quantization.
                int extreme = operation == 1 ? -128 : 127;
                for (int k = 0; k < reducedOffsets.Length; k++)
                {
                    int x = input[start + reducedOffsets[k]];
                    if (operation == 1 ? x > extreme : x < extreme) extreme = x;
                }
                output[o] = (sbyte)extreme;
            }
            else
            {
                int sum = 0;
                for (int k = 0; k < reducedOffsets.Length; k++)
                {
                    int x = input[start + reducedOffsets[k]] - inputZeroPoint;
                    sum += operation == 3 ? x * x : x;
                }
                output[o] = Requantize(sum, multiplier, shift, outputZeroPoint, -128, 127);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Int8 reduction on arrays: 0 mean, 2 sum and 3 sum of squares (in int32, requantized), 1 max, 4 min.</summary>
    public static void Reduce(int operation, sbyte[] input, int inputOffset, int[] keptShape, int[] keptStrides,
        int[] reducedOffsets, int inputZeroPoint, int multiplier, int shift, int outputZeroPoint, sbyte[] output, int outputOffset, int outputLength)
    {
        for (int o = 0; o < outputLength; o++)
        {
            int start = inputOffset, rest = o;
            for (int d = keptShape.Length - 1; d >= 0; d--)
            {
                start += rest % keptShape[d] * keptStrides[d];
                rest /= keptShape[d];
            }
            if (operation == 1 || operation == 4)
            {
                // The largest (1) or smallest (4) code: the output shares the input's quantization.
                int extreme = operation == 1 ? -128 : 127;
                for (int k = 0; k < reducedOffsets.Length; k++)
                {
                    int x = input[start + reducedOffsets[k]];
                    if (operation == 1 ? x > extreme : x < extreme) extreme = x;
                }
                output[outputOffset + o] = (sbyte)extreme;
            }
            else
            {
                int sum = 0;
                for (int k = 0; k < reducedOffsets.Length; k++)
                {
                    int x = input[start + reducedOffsets[k]] - inputZeroPoint;
                    sum += operation == 3 ? x * x : x;
                }
                output[outputOffset + o] = Requantize(sum, multiplier, shift, outputZeroPoint, -128, 127);
            }
        }
    }
    // </emit>

    public override IEnumerable<string> NanoHelpers => new[] { nameof(ReduceInt8) + "#Nano", nameof(FixedPoint) };

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"Reduce({(int)Operation} /* {Operation} */, {Input.NanoArguments(code)}, {name}KeptShape, {name}KeptStrides, {name}ReducedOffsets,")
            .Line($"    inputZeroPoint: {InputZeroPoint}, multiplier: {Multiplier}, shift: {Shift}, outputZeroPoint: {OutputZeroPoint}, {Output.NanoArguments(code)}, outputLength: {Output.Length});");

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Byte((byte)Operation); w.Ints(KeptShape); w.Ints(KeptStrides); w.Ints(ReducedOffsets);
        w.Int(InputZeroPoint); w.Int(Multiplier); w.Int(Shift); w.Int(OutputZeroPoint);
        w.Slice(Input); w.Slice(Output);
    }

    public static ReduceInt8 Read(PlanBinaryReader r, string source) =>
        new(source, (ReduceOperation)r.Byte(), r.Ints(), r.Ints(), r.Ints(), r.Int(), r.Int(), r.Int(), r.Int(), r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Reduce({(int)Operation} /* {Operation} */, {Input.Expression(code)}, {name}KeptShape, {name}KeptStrides, {name}ReducedOffsets,")
            .Line($"    inputZeroPoint: {InputZeroPoint}, multiplier: {Multiplier}, shift: {Shift}, outputZeroPoint: {OutputZeroPoint}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}KeptShape", KeptShape, "dimensions not reduced");
        EmitArrays.Ints(code, $"{name}KeptStrides", KeptStrides, "input strides of the dimensions not reduced");
        EmitArrays.Ints(code, $"{name}ReducedOffsets", ReducedOffsets, "offsets of the elements reduced into one output element");
    }
}
