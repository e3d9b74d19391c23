using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ConvTranspose: X [N, C, spatial…] (1 to 3 spatial dimensions), constant W [C, M/group, kernel…] and optional B [M]
/// give Y [N, M, out…]; input position i with tap k adds x · w to output position i · stride + k · dilation − padBegin.
/// Every attribute: group, strides, dilations, pads, output_padding, output_shape, auto_pad (NOTSET, SAME_UPPER,
/// SAME_LOWER, VALID), kernel_shape. One <see cref="ConvTransposeFloat"/> step; int8 plans run <see cref="ConvTransposeInt8"/>.
/// </summary>
public sealed class ConvTranspose : IOperator, IBakeTimeInputs
{
    public string OpType => "ConvTranspose";

    public OperatorSupport Support { get; } = new(OperatorFamily.TransposedConvolution, 1, "1-D, 2-D and 3-D; group, strides, pads, dilations, output_padding, output_shape, auto_pad NOTSET / SAME_UPPER / SAME_LOWER / VALID, kernel_shape; W and B constant; a transposed-convolution step (a gather per output element)", Int8Form.Integer, "per-output-channel int8 weights, int32 sums with the input zero point subtracted per tap, requantized per channel; not pruned or clustered", Nano: true)
    {
        Refuses = new[] { "4 or more spatial dimensions", "W or B computed at run time" },
    };

    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2 };

    /// <summary>The resolved geometry of one spatial axis.</summary>
    private readonly record struct Axis(int Input, int Output, int Kernel, int Stride, int Dilation, int PadBegin);

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 3);
        for (int i = 0; i < node.Inputs.Count; i++)
            if (OptionalInput(node, i) != null) RequireFloat(node, graph, i);
        int[]? b = OptionalInput(node, 2) != null ? InputShape(node, graph, 2) : null;
        var (_, shape) = Resolve(node, InputShape(node, graph, 0), InputShape(node, graph, 1), b);
        SetOutput(node, graph, 0, ElementType.Float32, shape);
    }

    private static (Axis[] Axes, int[] Output) Resolve(Node node, int[] x, int[] w, int[]? b)
    {
        if (x.Length < 3)
            throw ShapeError(node, $"X {ShapeMath.Format(x)} must be N × C × at least one spatial dimension.");
        if (x.Length > 5)
            throw UnsupportedUsage(node, $"X {ShapeMath.Format(x)} has {x.Length - 2} spatial dimensions.",
                "Transposed convolutions of 1, 2 or 3 spatial dimensions are supported.");
        if (w.Length != x.Length)
            throw ShapeError(node, $"W {ShapeMath.Format(w)} must have the rank of X {ShapeMath.Format(x)}: [C, M/group, kernel…].");
        long group = node.GetInt("group", 1);
        if (group < 1 || x[1] % group != 0 || w[0] != x[1])
            throw ShapeError(node, $"W {ShapeMath.Format(w)} must have X's {x[1]} input channels first, and group {group} must divide them.");
        int outputChannels = w[1] * (int)group;
        if (b != null && (b.Length != 1 || b[0] != outputChannels))
            throw ShapeError(node, $"B {ShapeMath.Format(b)} must be a vector of {outputChannels} values, one per output channel.");
        int rank = x.Length - 2;
        long[] kernel = w.Skip(2).Select(v => (long)v).ToArray();
        long[]? declared = node.GetInts("kernel_shape");
        if (declared != null && !declared.SequenceEqual(kernel))
            throw ShapeError(node, $"its kernel_shape [{string.Join(",", declared)}] does not match W {ShapeMath.Format(w)}.");
        long[] strides = PerAxis(node, "strides", rank, 1), dilations = PerAxis(node, "dilations", rank, 1);
        long[] outputPadding = PerAxis(node, "output_padding", rank, 0);
        long[] pads = node.GetInts("pads") ?? new long[2 * rank];
        if (pads.Length != 2 * rank || pads.Any(p => p < 0))
            throw ShapeError(node, $"pads [{string.Join(",", pads)}] must hold {2 * rank} non-negative values (begins, then ends).");
        if (strides.Any(s => s < 1) || dilations.Any(d => d < 1))
            throw ShapeError(node, "strides and dilations must be positive.");
        for (int d = 0; d < rank; d++)
            if (outputPadding[d] < 0 || outputPadding[d] >= Math.Max(strides[d], dilations[d]))
                throw ShapeError(node, $"output_padding {outputPadding[d]} on axis {d} must be non-negative and below the stride or the dilation.");
        string autoPad = node.GetString("auto_pad") ?? "NOTSET";
        if (autoPad is not ("NOTSET" or "SAME_UPPER" or "SAME_LOWER" or "VALID"))
            throw UnsupportedUsage(node, $"auto_pad \"{autoPad}\" is not an ONNX value.", "Use NOTSET, SAME_UPPER, SAME_LOWER or VALID.");
        long[]? outputShape = node.GetInts("output_shape");
        if (outputShape != null && outputShape.Length == rank + 2) outputShape = outputShape.Skip(2).ToArray();
        if (outputShape != null && (outputShape.Length != rank || outputShape.Any(s => s < 1)))
            throw ShapeError(node, $"output_shape [{string.Join(",", node.GetInts("output_shape")!)}] must give {rank} positive spatial sizes.");

        var axes = new Axis[rank];
        for (int d = 0; d < rank; d++)
        {
            long input = x[d + 2];
            // The extent the input covers, output_padding included, before any padding is taken off.
            long full = strides[d] * (input - 1) + outputPadding[d] + (kernel[d] - 1) * dilations[d] + 1;
            long output, begin;
            if (outputShape != null || autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                output = outputShape?[d] ?? input * strides[d];
                // As ONNX specifies and ONNX Runtime computes: the padding that reaches the requested size, an odd one at
                // the end for SAME_UPPER, at the start otherwise; none when the requested size is larger (the extra
                // positions at the end hold the bias, like output_padding).
                long total = Math.Max(0, full - output);
                begin = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
            }
            else
            {
                long end = autoPad == "VALID" ? 0 : pads[d + rank];
                begin = autoPad == "VALID" ? 0 : pads[d];
                output = full - begin - end;
            }
            if (output < 1)
                throw ShapeError(node, $"the pads leave no output on spatial axis {d} (X {ShapeMath.Format(x)}, W {ShapeMath.Format(w)}).");
            axes[d] = new Axis((int)input, (int)output, (int)kernel[d], (int)strides[d], (int)dilations[d], (int)begin);
        }
        return (axes, new[] { x[0], outputChannels }.Concat(axes.Select(a => a.Output)).ToArray());
    }

    private static long[] PerAxis(Node node, string name, int rank, long fallback)
    {
        long[]? values = node.GetInts(name);
        if (values == null) return Enumerable.Repeat(fallback, rank).ToArray();
        if (values.Length != rank)
            throw ShapeError(node, $"{name} [{string.Join(",", values)}] must hold one value per spatial axis ({rank}).");
        return values;
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var w = Required(node, inputs, 1);
        var b = inputs.Length > 2 ? inputs[2] : null;
        var (axes, shape) = Resolve(node, x.Shape, w.Shape, b?.Shape);
        float[] xv = Floats(node, x, 0), wv = Floats(node, w, 1);
        float[]? bv = b == null ? null : Floats(node, b, 2);
        int batch = x.Shape[0], channels = x.Shape[1], outputs = shape[1], groupOutputs = w.Shape[1];
        int groupChannels = channels / (outputs / groupOutputs);
        int[] inputSpatial = axes.Select(a => a.Input).ToArray(), outputSpatial = axes.Select(a => a.Output).ToArray();
        int[] kernel = axes.Select(a => a.Kernel).ToArray();
        int inputPlane = ShapeMath.Length(inputSpatial), outputPlane = ShapeMath.Length(outputSpatial), taps = ShapeMath.Length(kernel);
        int[] outputStrides = ShapeMath.Strides(outputSpatial);
        int[] at = new int[axes.Length], tap = new int[axes.Length];
        // Scatter, the way the operator is defined: every input element times every tap adds to one output position.
        var sums = new double[ShapeMath.Length(shape)];
        for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++)
        for (int i = 0; i < inputPlane; i++)
        {
            Conv.Unflatten(i, inputSpatial, at);
            double value = xv[(n * channels + c) * inputPlane + i];
            for (int f = 0; f < groupOutputs; f++)
            {
                int m = c / groupChannels * groupOutputs + f;
                for (int t = 0; t < taps; t++)
                {
                    Conv.Unflatten(t, kernel, tap);
                    int offset = 0;
                    bool inside = true;
                    for (int d = 0; d < axes.Length && inside; d++)
                    {
                        int o = at[d] * axes[d].Stride + tap[d] * axes[d].Dilation - axes[d].PadBegin;
                        inside = o >= 0 && o < axes[d].Output;
                        offset += o * outputStrides[d];
                    }
                    if (inside) sums[(n * outputs + m) * outputPlane + offset] += value * wv[(c * groupOutputs + f) * taps + t];
                }
            }
        }
        var y = new float[sums.Length];
        for (int i = 0; i < y.Length; i++) y[i] = (float)(sums[i] + (bv?[i / outputPlane % outputs] ?? 0f));
        return new[] { Tensor.FromFloats(shape, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var x = context.Activation(node, 0, "X");
        var w = context.Constant(node, 1, "W");
        int[] xShape = context.Shape(x.Name);
        float[]? bias = context.HasInput(node, 2) ? context.Constant(node, 2, "B").AsFloats() : null;
        var (axes, shape) = Resolve(node, xShape, w.Shape, bias == null ? null : new[] { bias.Length });
        // Fewer than three spatial axes: leading axes of size 1 (input, output and kernel 1, stride and dilation 1, no padding).
        var padded = Enumerable.Repeat(new Axis(1, 1, 1, 1, 1, 0), 3 - axes.Length).Concat(axes).ToArray();
        int[] geometry = new[] { xShape[0], xShape[1], shape[1], (int)node.GetInt("group", 1) }
            .Concat(padded.Select(a => a.Input)).Concat(padded.Select(a => a.Output)).Concat(padded.Select(a => a.Kernel))
            .Concat(padded.Select(a => a.Stride)).Concat(padded.Select(a => a.Dilation)).Concat(padded.Select(a => a.PadBegin)).ToArray();
        context.Add(new ConvTransposeFloat(node.Describe(), context.Slice(x.Name), context.Slice(node.Outputs[0]), geometry,
            (float[])w.AsFloats().Clone(), bias != null ? (float[])bias.Clone() : new float[shape[1]]));
    }
}
