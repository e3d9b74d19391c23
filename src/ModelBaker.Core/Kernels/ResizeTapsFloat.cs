using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Float resize by separable taps: along each output axis d, coordinate c reads Count[c] input offsets (already
/// multiplied by the input stride) with their weights, starting at First[c] in that axis's slice of the tap tables; an
/// output element is Σ over every choice of one tap per axis of Π weights · input[Σ offsets]. Cubic interpolation has
/// four taps per resized axis, antialiased downsampling as many as its widened filter covers, an axis that is not
/// resized one tap of weight 1. A coordinate with no taps lies outside tf_crop_and_resize's region: its outputs are the
/// extrapolation value. The tables are decided at bake time (Operators/ResizeTaps).
/// </summary>
public sealed class ResizeTapsFloat : FloatKernel
{
    public ResizeTapsFloat(string source, ArenaSlice input, ArenaSlice output, int[] shape, int[] first, int[] count, int[] offsets,
        float[] weights, float extrapolation) : base(source)
    {
        if (first.Length != shape.Sum() || count.Length != first.Length || offsets.Length != weights.Length)
            throw new ArgumentException("One first tap and tap count per output coordinate of every axis; one weight per tap.", nameof(first));
        Input = input;
        Output = output;
        Shape = shape;
        First = first;
        Count = count;
        Offsets = offsets;
        Weights = weights;
        Extrapolation = extrapolation;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int[] Shape { get; }
    public int[] First { get; }
    public int[] Count { get; }
    public int[] Offsets { get; }
    public float[] Weights { get; }
    public float Extrapolation { get; }

    public override Kernel Quantize(QuantizationContext context) =>
        ResizeTapsInt8.From(Source, Input, Output, Shape, First, Count, Offsets, Array.ConvertAll(Weights, w => (double)w), Extrapolation, context);

    public override KernelKind Kind => KernelKind.ResizeTapsFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Shape.Length + First.Length + Count.Length + Offsets.Length + Weights.Length + 1);
    public override IEnumerable<string> Helpers => new[] { nameof(ResizeTapsFloat) };

    public override void Run(PlanArena arena) =>
        ResizeTaps(arena.Floats(Input), Shape, First, Count, Offsets, Weights, Extrapolation, arena.Floats(Output));

    // <emit>
    /// <summary>
    /// Resize by taps: output[i] = Σ over one tap t_d per axis of Π_d weights[t_d] · input[Σ_d offsets[t_d]], where axis d's
    /// taps for coordinate c_d are first[c_d] .. first[c_d] + count[c_d] − 1 (the per-axis tables concatenated in axis order,
    /// c the coordinates of i in <paramref name="shape"/>); a coordinate with no taps makes the output
    /// <paramref name="extrapolation"/>. Taps are walked like an odometer, the last axis fastest.
    /// </summary>
    public static void ResizeTaps(ReadOnlySpan<float> input, ReadOnlySpan<int> shape, ReadOnlySpan<int> first, ReadOnlySpan<int> count,
        ReadOnlySpan<int> offsets, ReadOnlySpan<float> weights, float extrapolation, Span<float> output)
    {
        int rank = shape.Length;
        Span<int> begin = stackalloc int[rank], end = stackalloc int[rank], tap = stackalloc int[rank];
        for (int i = 0; i < output.Length; i++)
        {
            bool outside = false;
            for (int d = rank - 1, rest = i, start = first.Length; d >= 0; d--)
            {
                start -= shape[d];
                int at = start + rest % shape[d];
                rest /= shape[d];
                begin[d] = first[at];
                end[d] = first[at] + count[at];
                tap[d] = begin[d];
                outside |= count[at] == 0;
            }
            if (outside)
            {
                output[i] = extrapolation;
                continue;
            }
            float sum = 0f;
            while (true)
            {
                float factor = 1f;
                int source = 0;
                for (int d = 0; d < rank; d++)
                {
                    factor *= weights[tap[d]];
                    source += offsets[tap[d]];
                }
                sum += factor * input[source];
                int axis = rank - 1;
                while (axis >= 0 && ++tap[axis] == end[axis])
                {
                    tap[axis] = begin[axis];
                    axis--;
                }
                if (axis < 0) break;
            }
            output[i] = sum;
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Ints(Shape); w.Ints(First); w.Ints(Count); w.Ints(Offsets); w.Floats(Weights);
        w.Floats(new[] { Extrapolation });
    }

    public static ResizeTapsFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Ints(), r.Ints(), r.Ints(), r.Ints(), r.Floats(), r.Floats()[0]);

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ResizeTaps({Input.Expression(code)}, {name}Shape, {name}First, {name}Count, {name}Offsets, {name}Weights, " +
            $"{CodeWriter.Float(Extrapolation)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Shape", Shape, "output shape");
        EmitArrays.Ints(code, $"{name}First", First, "per axis: the first tap of each output coordinate");
        EmitArrays.Ints(code, $"{name}Count", Count, "per axis: the number of taps of each output coordinate (0: extrapolated)");
        EmitArrays.Ints(code, $"{name}Offsets", Offsets, "per tap: its input offset along its axis");
        EmitArrays.Floats(code, $"{name}Weights", Weights, "per tap: its weight");
    }
}
