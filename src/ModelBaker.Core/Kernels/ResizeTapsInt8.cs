using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Kernels.FixedPoint;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Int8 resize by separable taps, the integer form of <see cref="ResizeTapsFloat"/> (cubic, antialiased, cropped) and
/// of <see cref="ResizeLinearFloat"/> (whose two neighbours per coordinate become two taps). Tap weights are Q15
/// numbers; an output's factor is the product of one weight per axis, rounded back to Q15 after each axis, so it never
/// leaves 32 bits; the output is Σ factor · (x − input zero point) in int32, requantized (input scale · 2⁻¹⁵ / output
/// scale) to the output's parameters. Integer sums make the interpreter, the .NET class and the nanoFramework class
/// agree bit for bit. The tables have exactly <see cref="Rank"/> axes: a smaller input's leading axes are size 1 with one
/// tap of weight 1. A coordinate with no taps (outside tf_crop_and_resize's region) gives the quantized extrapolation value.
/// </summary>
public sealed class ResizeTapsInt8 : Int8Kernel
{
    /// <summary>The axes the kernel walks (ONNX Resize on 1-D to 3-D images, batch and channels included).</summary>
    public const int Rank = 5;
    private const int One = 1 << 15;

    public ResizeTapsInt8(string source, ArenaSlice input, ArenaSlice output, int[] shape, int[] first, int[] count, int[] offsets,
        int[] weights, int inputZeroPoint, int multiplier, int shift, int outputZeroPoint, int extrapolation) : base(source)
    {
        if (shape.Length != Rank || first.Length != shape.Sum() || count.Length != first.Length || offsets.Length != weights.Length)
            throw new ArgumentException($"A {Rank}-axis shape; one first tap and tap count per output coordinate of every axis; one weight per tap.", nameof(shape));
        Input = input;
        Output = output;
        Shape = shape;
        First = first;
        Count = count;
        Offsets = offsets;
        Weights = weights;
        InputZeroPoint = inputZeroPoint;
        Multiplier = multiplier;
        Shift = shift;
        OutputZeroPoint = outputZeroPoint;
        Extrapolation = extrapolation;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int[] Shape { get; }
    public int[] First { get; }
    public int[] Count { get; }
    public int[] Offsets { get; }
    /// <summary>Per tap: its weight in Q15 (32768 is 1).</summary>
    public int[] Weights { get; }
    public int InputZeroPoint { get; }
    public int Multiplier { get; }
    public int Shift { get; }
    public int OutputZeroPoint { get; }
    /// <summary>The extrapolation value in the output's int8.</summary>
    public int Extrapolation { get; }

    /// <summary>
    /// The integer form of a float resize given by its taps (shape, per-axis coordinate tables, float weights), its
    /// input and output quantized as calibrated. Refused (MB1104) past <see cref="Rank"/> axes or with a weight beyond
    /// ±√2, where a product of two Q15 weights would leave 32 bits.
    /// </summary>
    public static ResizeTapsInt8 From(string source, ArenaSlice input, ArenaSlice output, int[] shape, int[] first, int[] count, int[] offsets,
        IReadOnlyList<double> weights, float extrapolation, QuantizationContext q)
    {
        if (shape.Length > Rank)
            throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                $"Node {source}: an int8 Resize of {shape.Length} axes is not supported (at most {Rank}). Bake the model with Precision=\"Float32\".");
        if (weights.Any(w => Math.Abs(w) > 1.41))
            throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                $"Node {source}: an interpolation weight beyond ±1.41 has no int8 form here (the Q15 product of two would overflow). Bake the model with Precision=\"Float32\".");
        int pad = Rank - shape.Length, unit = offsets.Length;
        var x = q.Parameters(input);
        var y = q.Parameters(output);
        var (multiplier, shift) = QuantizeMultiplier(x.Scale / One / y.Scale);
        // Leading axes of size 1 read one shared tap of weight 1 at offset 0, appended after the model's taps.
        return new ResizeTapsInt8(source, q.Slice(input), q.Slice(output),
            Enumerable.Repeat(1, pad).Concat(shape).ToArray(),
            Enumerable.Repeat(unit, pad).Concat(first).ToArray(),
            Enumerable.Repeat(1, pad).Concat(count).ToArray(),
            offsets.Append(0).ToArray(),
            weights.Select(w => (int)Math.Round(w * One)).Append(One).ToArray(),
            x.ZeroPoint, multiplier, shift, y.ZeroPoint, FixedPoint.Quantize(extrapolation, y.Scale, y.ZeroPoint));
    }

    public override KernelKind Kind => KernelKind.ResizeTapsInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Shape.Length + First.Length + Count.Length + Offsets.Length + Weights.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(ResizeTapsInt8), nameof(FixedPoint) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(ResizeTapsInt8) + "#Nano", nameof(FixedPoint) };

    public override void Run(PlanArena arena) =>
        ResizeTapsInt8s(arena.Int8s(Input), Shape, First, Count, Offsets, Weights, InputZeroPoint, Multiplier, Shift, OutputZeroPoint,
            Extrapolation, arena.Int8s(Output));

    // <emit>
    /// <summary>
    /// Int8 resize by taps over five axes: output c = requantized Σ over one tap t_d per axis of F · (input[Σ_d offsets[t_d]]
    /// − inputZeroPoint), F the Q15 product of weights[t_d] rounded after each axis; axis d's taps for coordinate c_d are
    /// first[k] .. first[k] + count[k] − 1, k = c_d plus the sizes of the axes before d (the per-axis tables concatenated);
    /// a coordinate with no taps gives <paramref name="extrapolation"/>.
    /// </summary>
    public static void ResizeTapsInt8s(ReadOnlySpan<sbyte> input, ReadOnlySpan<int> shape, ReadOnlySpan<int> first, ReadOnlySpan<int> count,
        ReadOnlySpan<int> offsets, ReadOnlySpan<int> weights, int inputZeroPoint, int multiplier, int shift, int outputZeroPoint,
        int extrapolation, Span<sbyte> output)
    {
        int e1 = shape[0], e2 = e1 + shape[1], e3 = e2 + shape[2], e4 = e3 + shape[3], e5 = e4 + shape[4];
        int i = 0;
        for (int k0 = 0; k0 < e1; k0++)
        for (int k1 = e1; k1 < e2; k1++)
        for (int k2 = e2; k2 < e3; k2++)
        for (int k3 = e3; k3 < e4; k3++)
        for (int k4 = e4; k4 < e5; k4++, i++)
        {
            if (count[k0] == 0 || count[k1] == 0 || count[k2] == 0 || count[k3] == 0 || count[k4] == 0)
            {
                output[i] = (sbyte)extrapolation;
                continue;
            }
            int sum = 0;
            for (int t0 = first[k0]; t0 < first[k0] + count[k0]; t0++)
            for (int t1 = first[k1]; t1 < first[k1] + count[k1]; t1++)
            {
                int f1 = (weights[t0] * weights[t1] + 16384) >> 15, o1 = offsets[t0] + offsets[t1];
                for (int t2 = first[k2]; t2 < first[k2] + count[k2]; t2++)
                {
                    int f2 = (f1 * weights[t2] + 16384) >> 15, o2 = o1 + offsets[t2];
                    for (int t3 = first[k3]; t3 < first[k3] + count[k3]; t3++)
                    {
                        int f3 = (f2 * weights[t3] + 16384) >> 15, o3 = o2 + offsets[t3];
                        for (int t4 = first[k4]; t4 < first[k4] + count[k4]; t4++)
                            sum += ((f3 * weights[t4] + 16384) >> 15) * (input[o3 + offsets[t4]] - inputZeroPoint);
                    }
                }
            }
            output[i] = Requantize(sum, multiplier, shift, outputZeroPoint, -128, 127);
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>Int8 resize by taps over five axes, on arrays (see the .NET flavour).</summary>
    public static void ResizeTapsInt8s(sbyte[] input, int inputOffset, int[] shape, int[] first, int[] count, int[] offsets, int[] weights,
        int inputZeroPoint, int multiplier, int shift, int outputZeroPoint, int extrapolation, sbyte[] output, int outputOffset)
    {
        int e1 = shape[0], e2 = e1 + shape[1], e3 = e2 + shape[2], e4 = e3 + shape[3], e5 = e4 + shape[4];
        int i = outputOffset;
        for (int k0 = 0; k0 < e1; k0++)
        for (int k1 = e1; k1 < e2; k1++)
        for (int k2 = e2; k2 < e3; k2++)
        for (int k3 = e3; k3 < e4; k3++)
        for (int k4 = e4; k4 < e5; k4++, i++)
        {
            if (count[k0] == 0 || count[k1] == 0 || count[k2] == 0 || count[k3] == 0 || count[k4] == 0)
            {
                output[i] = (sbyte)extrapolation;
                continue;
            }
            int sum = 0;
            for (int t0 = first[k0]; t0 < first[k0] + count[k0]; t0++)
            for (int t1 = first[k1]; t1 < first[k1] + count[k1]; t1++)
            {
                int f1 = (weights[t0] * weights[t1] + 16384) >> 15, o1 = inputOffset + offsets[t0] + offsets[t1];
                for (int t2 = first[k2]; t2 < first[k2] + count[k2]; t2++)
                {
                    int f2 = (f1 * weights[t2] + 16384) >> 15, o2 = o1 + offsets[t2];
                    for (int t3 = first[k3]; t3 < first[k3] + count[k3]; t3++)
                    {
                        int f3 = (f2 * weights[t3] + 16384) >> 15, o3 = o2 + offsets[t3];
                        for (int t4 = first[k4]; t4 < first[k4] + count[k4]; t4++)
                            sum += ((f3 * weights[t4] + 16384) >> 15) * (input[o3 + offsets[t4]] - inputZeroPoint);
                    }
                }
            }
            output[i] = Requantize(sum, multiplier, shift, outputZeroPoint, -128, 127);
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Ints(Shape); w.Ints(First); w.Ints(Count); w.Ints(Offsets); w.Ints(Weights);
        w.Int(InputZeroPoint); w.Int(Multiplier); w.Int(Shift); w.Int(OutputZeroPoint); w.Int(Extrapolation);
    }

    public static ResizeTapsInt8 Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Ints(), r.Ints(), r.Ints(), r.Ints(), r.Ints(), r.Int(), r.Int(), r.Int(), r.Int(), r.Int());

    private string Arguments(string name) =>
        $"{name}Shape, {name}First, {name}Count, {name}Offsets, {name}Weights, inputZeroPoint: {InputZeroPoint}, multiplier: {Multiplier}, " +
        $"shift: {Shift}, outputZeroPoint: {OutputZeroPoint}, extrapolation: {Extrapolation}";

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ResizeTapsInt8s({Input.Expression(code)}, {Arguments(name)}, {Output.Expression(code)});");

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"ResizeTapsInt8s({Input.NanoArguments(code)}, {Arguments(name)}, {Output.NanoArguments(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Shape", Shape, $"output shape over {Rank} axes (leading ones added)");
        EmitArrays.Ints(code, $"{name}First", First, "per axis: the first tap of each output coordinate");
        EmitArrays.Ints(code, $"{name}Count", Count, "per axis: the number of taps of each output coordinate (0: extrapolated)");
        EmitArrays.Ints(code, $"{name}Offsets", Offsets, "per tap: its input offset along its axis");
        EmitArrays.Ints(code, $"{name}Weights", Weights, "per tap: its weight in Q15");
    }
}
