using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>What a <see cref="LayerNormFloat"/> step writes: LayerNormalization's Y, Mean or InvStdDev output. Stored in plans.</summary>
public enum LayerNormResult { Normalized = 0, Mean = 1, InverseStandardDeviation = 2 }

/// <summary>
/// Float layer normalization, the input seen as [outer, size] (size = the product of the normalized dimensions): each
/// row is normalized to mean 0 and variance 1, y = (x − mean) / √(variance + epsilon) · scale + bias, with scale and
/// bias one value per element of a row. Mean and variance are taken in double, two passes over the row. One step
/// writes one of the operator's outputs (<see cref="LayerNormResult"/>): a node asking for Mean or InvStdDev as well
/// gets a step for each, a <see cref="LayerNormStatisticsFloat"/>. An int8 plan runs Y as <see cref="LayerNormInt8"/>, the
/// statistics as <see cref="LayerNormStatisticsInt8"/>.
/// </summary>
public class LayerNormFloat : FloatKernel
{
    public LayerNormFloat(string source, ArenaSlice input, ArenaSlice output, int outer, int size, float[] scale, float[] bias, float epsilon,
        LayerNormResult result) : base(source)
    {
        if (scale.Length != size || (bias.Length != 0 && bias.Length != size))
            throw new ArgumentException("Scale holds one value per element of a row, bias one or none.", nameof(scale));
        Input = input;
        Output = output;
        Outer = outer;
        Size = size;
        Scale = scale;
        Bias = bias;
        Epsilon = epsilon;
        Result = result;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    /// <summary>Rows normalized (the product of the dimensions before the axis).</summary>
    public int Outer { get; }
    /// <summary>Elements per row (the product of the dimensions from the axis on).</summary>
    public int Size { get; }
    /// <summary>One factor per element of a row (the Scale input broadcast to the normalized dimensions).</summary>
    public float[] Scale { get; }
    /// <summary>One addend per element of a row, or empty for no bias.</summary>
    public float[] Bias { get; }
    public float Epsilon { get; }
    public LayerNormResult Result { get; }

    /// <summary>Y becomes the integer layer normalization, Mean and InvStdDev integer statistics of the same sums.</summary>
    public override Kernel Quantize(QuantizationContext context) => Result == LayerNormResult.Normalized
        ? LayerNormInt8.From(this, context)
        : LayerNormStatisticsInt8.From(this, context);

    public override KernelKind Kind => KernelKind.LayerNormFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Scale.Length + Bias.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(LayerNormFloat) };

    public override void Run(PlanArena arena) =>
        LayerNorm(arena.Floats(Input), Outer, Size, Scale, Bias, Epsilon, (int)Result, arena.Floats(Output));

    // <emit>
    /// <summary>
    /// Layer normalization of each row of [outer, size]: result 0 writes (x − mean) / √(variance + epsilon) · scale + bias
    /// (bias may be empty), 1 the row means, 2 the rows' 1 / √(variance + epsilon). Sums in double.
    /// </summary>
    public static void LayerNorm(ReadOnlySpan<float> input, int outer, int size, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        float epsilon, int result, Span<float> output)
    {
        for (int row = 0; row < outer; row++)
        {
            ReadOnlySpan<float> x = input.Slice(row * size, size);
            double sum = 0;
            for (int i = 0; i < size; i++) sum += x[i];
            double mean = sum / size;
            double squares = 0;
            for (int i = 0; i < size; i++) squares += (x[i] - mean) * (x[i] - mean);
            double inverse = 1.0 / Math.Sqrt(squares / size + epsilon);
            if (result == 1) { output[row] = (float)mean; continue; }
            if (result == 2) { output[row] = (float)inverse; continue; }
            Span<float> y = output.Slice(row * size, size);
            for (int i = 0; i < size; i++)
                y[i] = (float)((x[i] - mean) * inverse) * scale[i] + (bias.Length == 0 ? 0f : bias[i]);
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Outer); w.Int(Size); w.Floats(Scale); w.Floats(Bias); w.Float(Epsilon); w.Byte((byte)Result);
    }

    public static LayerNormFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Floats(), r.Floats(), r.Float(), (LayerNormResult)r.Byte());

    /// <summary>The step writing <paramref name="result"/>: Y quantizes to an integer step, a statistic runs in float.</summary>
    public static LayerNormFloat For(string source, ArenaSlice input, ArenaSlice output, int outer, int size, float[] scale, float[] bias, float epsilon,
        LayerNormResult result) => result == LayerNormResult.Normalized
        ? new LayerNormFloat(source, input, output, outer, size, scale, bias, epsilon, result)
        : new LayerNormStatisticsFloat(source, input, output, outer, size, scale, bias, epsilon, result);

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"LayerNorm({Input.Expression(code)}, outer: {Outer}, size: {Size}, {name}Scale, {(Bias.Length == 0 ? "default" : name + "Bias")}, " +
                  $"epsilon: {CodeWriter.Float(Epsilon)}, result: {(int)Result} /* {Result} */, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Floats(code, $"{name}Scale", Scale, "scale, one per element of a normalized row");
        if (Bias.Length != 0) EmitArrays.Floats(code, $"{name}Bias", Bias, "bias, one per element of a normalized row");
    }
}

/// <summary>
/// LayerNormalization's Mean or InvStdDev output (<see cref="LayerNormFloat"/> with a statistic as its result), its own
/// kind in plans; an int8 plan runs it as <see cref="LayerNormStatisticsInt8"/>.
/// </summary>
public sealed class LayerNormStatisticsFloat : LayerNormFloat
{
    public LayerNormStatisticsFloat(string source, ArenaSlice input, ArenaSlice output, int outer, int size, float[] scale, float[] bias, float epsilon,
        LayerNormResult result) : base(source, input, output, outer, size, scale, bias, epsilon, result)
    {
        if (result == LayerNormResult.Normalized) throw new ArgumentException("A statistics step writes Mean or InvStdDev.", nameof(result));
    }

    public override KernelKind Kind => KernelKind.LayerNormStatisticsFloat;

    public static new LayerNormStatisticsFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Floats(), r.Floats(), r.Float(), (LayerNormResult)r.Byte());
}
