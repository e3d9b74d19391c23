using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Float (multi)linear resize: along each output axis d, coordinate c reads two input offsets (low and high, already
/// multiplied by the input stride) mixed with the weight w of the high one; an output element is
/// Σ over the 2^rank corners of Π (w or 1 − w) · input[Σ offsets]. Axes that are not resized have w = 0, so their
/// corners are skipped. The tables are decided at bake time from the coordinate transformation.
/// </summary>
public sealed class ResizeLinearFloat : FloatKernel
{
    public ResizeLinearFloat(string source, ArenaSlice input, ArenaSlice output, int[] shape, int[] low, int[] high, float[] weights) : base(source)
    {
        if (low.Length != shape.Sum() || high.Length != low.Length || weights.Length != low.Length)
            throw new ArgumentException("One low offset, high offset and weight per output coordinate of every axis.", nameof(low));
        Input = input;
        Output = output;
        Shape = shape;
        Low = low;
        High = high;
        Weights = weights;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int[] Shape { get; }
    public int[] Low { get; }
    public int[] High { get; }
    public float[] Weights { get; }

    /// <summary>The int8 form: each coordinate's neighbours become taps, (low, 1 − w) and (high, w), or one tap where w is 0.</summary>
    public override Kernel Quantize(QuantizationContext context)
    {
        var first = new int[Low.Length];
        var count = new int[Low.Length];
        var offsets = new List<int>();
        var weights = new List<double>();
        for (int at = 0; at < Low.Length; at++)
        {
            first[at] = offsets.Count;
            offsets.Add(Low[at]);
            weights.Add(1.0 - Weights[at]);
            if (Weights[at] != 0f)
            {
                offsets.Add(High[at]);
                weights.Add(Weights[at]);
            }
            count[at] = offsets.Count - first[at];
        }
        return ResizeTapsInt8.From(Source, Input, Output, Shape, first, count, offsets.ToArray(), weights, 0f, context);
    }

    public override KernelKind Kind => KernelKind.ResizeLinearFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Shape.Length + Low.Length + High.Length + Weights.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(ResizeLinearFloat) };

    public override void Run(PlanArena arena) => ResizeLinear(arena.Floats(Input), Shape, Low, High, Weights, arena.Floats(Output));

    // <emit>
    /// <summary>
    /// Linear resize: output[i] = Σ over corners of Π_d (high ? weights_d[c_d] : 1 − weights_d[c_d]) ·
    /// input[Σ_d (high ? high_d[c_d] : low_d[c_d])], c the coordinates of i in <paramref name="shape"/>; the per-axis
    /// tables are concatenated in axis order. Corners with a zero factor are skipped.
    /// </summary>
    public static void ResizeLinear(ReadOnlySpan<float> input, ReadOnlySpan<int> shape, ReadOnlySpan<int> low, ReadOnlySpan<int> high,
        ReadOnlySpan<float> weights, Span<float> output)
    {
        int rank = shape.Length, corners = 1 << rank;
        for (int i = 0; i < output.Length; i++)
        {
            float sum = 0f;
            for (int corner = 0; corner < corners; corner++)
            {
                float factor = 1f;
                int source = 0, rest = i, start = low.Length;
                for (int d = rank - 1; d >= 0 && factor != 0f; d--)
                {
                    start -= shape[d];
                    int at = start + rest % shape[d];
                    rest /= shape[d];
                    bool isHigh = (corner >> d & 1) != 0;
                    factor *= isHigh ? weights[at] : 1f - weights[at];
                    source += isHigh ? high[at] : low[at];
                }
                if (factor != 0f) sum += factor * input[source];
            }
            output[i] = sum;
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Ints(Shape); w.Ints(Low); w.Ints(High); w.Floats(Weights);
    }

    public static ResizeLinearFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Ints(), r.Ints(), r.Ints(), r.Floats());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ResizeLinear({Input.Expression(code)}, {name}Shape, {name}Low, {name}High, {name}Weights, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Shape", Shape, "output shape");
        EmitArrays.Ints(code, $"{name}Low", Low, "per axis: input offset of the lower neighbour of each output coordinate");
        EmitArrays.Ints(code, $"{name}High", High, "per axis: input offset of the upper neighbour");
        EmitArrays.Floats(code, $"{name}Weights", Weights, "per axis: weight of the upper neighbour");
    }
}
