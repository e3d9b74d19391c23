using System;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Kernels;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// What ConvInteger and QLinearConv share: Conv's shape rules, the 1-D / 2-D geometry, weights with their zero point
/// (per tensor or per output channel) subtracted, and the exact integer reference sum.
/// </summary>
internal static class IntegerConvolution
{
    public static int[] OutputShape(Node node, int[] x, int[] w) => Conv.Resolve(node, x, w, null).Output;

    /// <summary>The step's geometry; like Conv's plans, 1-D and 2-D convolutions only (1-D as height 1).</summary>
    public static ConvGeometry Geometry(Node node, int[] x, int[] w)
    {
        if (x.Length != 3 && x.Length != 4)
            throw UnsupportedUsage(node, $"X {ShapeMath.Format(x)} has {x.Length - 2} spatial dimensions.",
                "Only 1-D and 2-D convolutions (N×C×W and N×C×H×W inputs) are supported.");
        var (window, shape) = Conv.Resolve(node, x, w, null);
        bool twoD = window.Rank == 2;
        int h = twoD ? 0 : -1, wd = window.Rank - 1;
        return new ConvGeometry(
            Batch: x[0], InputChannels: x[1], InputHeight: twoD ? window.Input[h] : 1, InputWidth: window.Input[wd],
            OutputChannels: shape[1], OutputHeight: twoD ? window.Output[h] : 1, OutputWidth: window.Output[wd],
            KernelHeight: twoD ? window.Kernel[h] : 1, KernelWidth: window.Kernel[wd],
            StrideHeight: twoD ? window.Strides[h] : 1, StrideWidth: window.Strides[wd],
            DilationHeight: twoD ? window.Dilations[h] : 1, DilationWidth: window.Dilations[wd],
            PadTop: twoD ? window.PadBegin[h] : 0, PadLeft: window.PadBegin[wd], Groups: (int)node.GetInt("group", 1));
    }

    /// <summary>
    /// The input zero point of a node being lowered: a constant (omitted: 0), or one value an earlier step computes at
    /// run time (DynamicQuantizeLinear's), which the step reads from its slice.
    /// </summary>
    public static (int Constant, ArenaSlice? Slice) InputZeroPoint(Node node, LoweringContext context, int index, string role)
    {
        if (!context.HasInput(node, index)) return (0, null);
        string name = node.Inputs[index];
        var value = context.Graph[name];
        if (value.Constant != null && !context.Graph.Inputs.Contains(name)) return (InputZeroPoint(node, value.Constant, role), null);
        if (value.Shape is not { } shape || ShapeMath.Length(shape) != 1)
            throw UnsupportedUsage(node, $"{role} is computed at run time and holds more than one value.", $"Only one {role} for the whole tensor is supported.");
        return (0, context.Slice(name));
    }

    /// <summary>The input zero point: one value for the whole tensor (omitted: 0).</summary>
    public static int InputZeroPoint(Node node, Tensor? zeroPoint, string role)
    {
        if (zeroPoint == null) return 0;
        if (zeroPoint.Length != 1)
            throw UnsupportedUsage(node, $"{role} has {zeroPoint.Length} values.", $"Only one {role} for the whole tensor is supported.");
        return (int)zeroPoint.Int64s![0];
    }

    /// <summary>W − w_zero_point, the zero point per tensor or one per output channel.</summary>
    public static int[] CenteredWeights(Node node, Tensor w, Tensor? zeroPoint)
    {
        int channels = w.Shape[0], per = channels == 0 ? 0 : w.Length / channels;
        long[] zp = zeroPoint?.Int64s ?? new long[1];
        if (zp.Length != 1 && zp.Length != channels)
            throw ShapeError(node, $"w_zero_point has {zp.Length} values; give one, or one per output channel ({channels}).");
        long[] wv = w.Int64s ?? throw InvalidGraph(node, "W must be an integer tensor.");
        return wv.Select((v, i) => (int)(v - zp[zp.Length == 1 ? 0 : i / per])).ToArray();
    }

    /// <summary>
    /// The reference: Σ (x − x zero point) · (w − w zero point) + bias over each window, a padded tap reading the zero
    /// point (real 0); summed in 64 bits and wrapped to 32, as ONNX Runtime's 32-bit accumulation does.
    /// </summary>
    public static int[] Accumulate(ConvGeometry g, long[] x, int xZeroPoint, int[] weights, int[]? bias)
    {
        int groupIn = g.InputChannels / g.Groups, groupOut = g.OutputChannels / g.Groups;
        var y = new int[g.OutputLength];
        int e = 0;
        for (int n = 0; n < g.Batch; n++)
        for (int m = 0; m < g.OutputChannels; m++)
        for (int oy = 0; oy < g.OutputHeight; oy++)
        for (int ox = 0; ox < g.OutputWidth; ox++)
        {
            long sum = bias?[m] ?? 0;
            for (int ic = 0; ic < groupIn; ic++)
            {
                int channel = m / groupOut * groupIn + ic;
                for (int ky = 0; ky < g.KernelHeight; ky++)
                for (int kx = 0; kx < g.KernelWidth; kx++)
                {
                    int iy = oy * g.StrideHeight - g.PadTop + ky * g.DilationHeight;
                    int ix = ox * g.StrideWidth - g.PadLeft + kx * g.DilationWidth;
                    bool inside = iy >= 0 && iy < g.InputHeight && ix >= 0 && ix < g.InputWidth;
                    long value = inside ? x[((n * g.InputChannels + channel) * g.InputHeight + iy) * g.InputWidth + ix] : xZeroPoint;
                    sum += (value - xZeroPoint) * weights[((m * groupIn + ic) * g.KernelHeight + ky) * g.KernelWidth + kx];
                }
            }
            y[e++] = unchecked((int)sum);
        }
        return y;
    }

    /// <summary>Float32 input scale × weight scale / output scale, one per output channel (the ONNX reference's order).</summary>
    public static float[] Multipliers(Node node, float inputScale, float[] weightScales, float outputScale, int channels)
    {
        if (weightScales.Length != 1 && weightScales.Length != channels)
            throw ShapeError(node, $"the weight scale has {weightScales.Length} values; give one, or one per output channel ({channels}).");
        return Enumerable.Range(0, channels).Select(c => inputScale * weightScales[weightScales.Length == 1 ? 0 : c] / outputScale).ToArray();
    }

    /// <summary>The requantization of <see cref="Requantization"/>, for reference evaluation.</summary>
    public static long[] Requantize(int[] accumulators, float[] multipliers, int inner, int zeroPoint, ElementType type)
    {
        var (min, max) = QuantizationAxis.Range(type);
        return accumulators.Select((a, e) =>
        {
            double q = Math.Round(a * (double)multipliers[e / inner % multipliers.Length] + zeroPoint, MidpointRounding.ToEven);
            return (long)Math.Max(min, Math.Min(max, q));
        }).ToArray();
    }

    /// <summary>One float scale; <paramref name="role"/> names it in the error.</summary>
    public static float Scalar(Node node, Tensor scale, string role) =>
        scale.Length == 1 ? Floats(node, scale, 0)[0]
            : throw UnsupportedUsage(node, $"{role} has {scale.Length} values.", $"Only one {role} for the whole tensor is supported.");
}
