using System.Collections.Generic;
using System;
using System.Linq;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Y = X ⊛ W + B over N×C×spatial tensors: grouped (depthwise when group equals the channels), strided, dilated, with
/// explicit pads or auto_pad. W is [M, C/group, k…]; the optional B has one value per output channel M.
/// Float reference for any spatial rank; plans run 1-D and 2-D convolutions (1-D as height 1) with constant W and B.
/// </summary>
public sealed class Conv : IOperator, IChannelMapping, IBakeTimeInputs, IWeightLayout
{
    /// <summary>W is [M, C/group, kh, kw]: output channels first.</summary>
    public int? OutputChannelAxis(Node node, Graph graph) => 0;

    /// <summary>Inputs exporters write as initializers: 1, 2.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2 };

    /// <summary>
    /// One filter per output channel (group 1), or one per input channel (depthwise); constant weights and bias only.
    /// </summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph)
    {
        var weights = graph[node.Inputs[1]].Constant;
        bool hasBias = node.Inputs.Count > 2 && node.Inputs[2].Length > 0;
        if (weights == null) return new ChannelFlow.Opaque("its weights are computed at run time");
        if (hasBias && !graph[node.Inputs[2]].IsConstant) return new ChannelFlow.Opaque("its bias is computed at run time", WeightInput: 1);
        int inputChannels = graph[node.Inputs[0]].Shape![1];
        long group = node.GetInt("group", 1);
        if (group == 1) return new ChannelFlow.Filters(1, OutputAxis: OutputChannelAxis(node, graph)!.Value, InputAxis: 1, hasBias ? 2 : null, NeedsTracedInput: true);
        if (group == inputChannels && weights.Shape[0] == inputChannels) return new ChannelFlow.Depthwise(1, hasBias ? 2 : null);
        return new ChannelFlow.Opaque($"it is a grouped convolution ({group} groups)", WeightInput: 1);
    }

    public string OpType => "Conv";

    public OperatorSupport Support { get; } = new(OperatorFamily.Convolution, 1, "1-D and 2-D; group (depthwise), strides, pads, dilations, auto_pad; W and B constant; a conv step, bias, BatchNormalization and Relu/Clip fused", Int8Form.Integer, "per-channel int8 weights; padding reads the input zero point", Nano: true)
    {
        Refuses = new[] { "3 or more spatial dimensions", "W or B computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 3);
        for (int i = 0; i < node.Inputs.Count; i++)
            if (OptionalInput(node, i) != null) RequireFloat(node, graph, i);
        int[]? b = OptionalInput(node, 2) != null ? InputShape(node, graph, 2) : null;
        var (_, shape) = Resolve(node, InputShape(node, graph, 0), InputShape(node, graph, 1), b);
        SetOutput(node, graph, 0, ElementType.Float32, shape);
    }

    /// <summary>Checks X, W and B against each other and the attributes; the window and the output shape.</summary>
    internal static (SlidingWindow Window, int[] Output) Resolve(Node node, int[] x, int[] w, int[]? b)
    {
        if (x.Length < 3)
            throw ShapeError(node, $"X {ShapeMath.Format(x)} must be N × C × at least one spatial dimension.");
        if (w.Length != x.Length)
            throw ShapeError(node, $"W {ShapeMath.Format(w)} must have the rank of X {ShapeMath.Format(x)}: [M, C/group, kernel…].");
        long group = node.GetInt("group", 1);
        int channels = x[1], outputChannels = w[0];
        if (group < 1 || channels % group != 0 || outputChannels % group != 0)
            throw ShapeError(node, $"group {group} must divide both the input channels ({channels}) and the output channels ({outputChannels}).");
        if (w[1] * group != channels)
            throw ShapeError(node, $"W {ShapeMath.Format(w)} has {w[1]} input channels per group, but X has {channels} channels in {group} group(s).");
        if (b != null && (b.Length != 1 || b[0] != outputChannels))
            throw ShapeError(node, $"B {ShapeMath.Format(b)} must be a vector of {outputChannels} values, one per output channel.");
        int rank = x.Length - 2;
        int[] kernel = new int[rank];
        Array.Copy(w, 2, kernel, 0, rank);
        long[]? declared = node.GetInts("kernel_shape");
        if (declared != null && (declared.Length != rank || !ShapeMath.Format(Array.ConvertAll(declared, v => (int)v)).Equals(ShapeMath.Format(kernel), StringComparison.Ordinal)))
            throw ShapeError(node, $"its kernel_shape [{string.Join(",", declared)}] does not match W {ShapeMath.Format(w)}.");
        int[] spatial = new int[rank];
        Array.Copy(x, 2, spatial, 0, rank);
        var window = SlidingWindow.Resolve(node, spatial, kernel, allowCeilMode: false);
        var output = new int[x.Length];
        output[0] = x[0];
        output[1] = outputChannels;
        Array.Copy(window.Output, 0, output, 2, rank);
        return (window, output);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var w = Required(node, inputs, 1);
        var b = inputs.Length > 2 ? inputs[2] : null;
        var (window, shape) = Resolve(node, x.Shape, w.Shape, b?.Shape);
        float[] xv = Floats(node, x, 0), wv = Floats(node, w, 1);
        float[]? bv = b == null ? null : Floats(node, b, 2);
        int batch = x.Shape[0], channels = x.Shape[1], outputChannels = w.Shape[0];
        int group = (int)node.GetInt("group", 1), groupChannels = channels / group, groupOutputs = outputChannels / group;
        int rank = window.Rank;
        int inputPlane = ShapeMath.Length(window.Input), outputPlane = ShapeMath.Length(window.Output), taps = ShapeMath.Length(window.Kernel);
        int[] inputStrides = ShapeMath.Strides(window.Input);
        int[] outputCoordinate = new int[rank], tap = new int[rank];
        var y = new float[ShapeMath.Length(shape)];
        for (int n = 0; n < batch; n++)
        for (int m = 0; m < outputChannels; m++)
        {
            int firstChannel = m / groupOutputs * groupChannels;
            for (int o = 0; o < outputPlane; o++)
            {
                Unflatten(o, window.Output, outputCoordinate);
                double sum = 0; // double: the reference is as exact as float inputs allow
                for (int ic = 0; ic < groupChannels; ic++)
                {
                    int inputBase = (n * channels + firstChannel + ic) * inputPlane;
                    int weightBase = (m * groupChannels + ic) * taps;
                    for (int t = 0; t < taps; t++)
                    {
                        Unflatten(t, window.Kernel, tap);
                        int offset = 0;
                        bool inside = true;
                        for (int d = 0; d < rank && inside; d++)
                        {
                            int position = outputCoordinate[d] * window.Strides[d] - window.PadBegin[d] + tap[d] * window.Dilations[d];
                            inside = position >= 0 && position < window.Input[d];
                            offset += position * inputStrides[d];
                        }
                        if (inside) sum += (double)xv[inputBase + offset] * wv[weightBase + t];
                    }
                }
                y[(n * outputChannels + m) * outputPlane + o] = (float)(sum + (bv?[m] ?? 0f));
            }
        }
        return new[] { Tensor.FromFloats(shape, y) };
    }

    /// <summary>Row-major coordinates of flat index <paramref name="flat"/> in <paramref name="shape"/>.</summary>
    internal static void Unflatten(int flat, int[] shape, int[] coordinate)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            coordinate[d] = flat % shape[d];
            flat /= shape[d];
        }
    }

    public void Lower(Node node, LoweringContext context)
    {
        var x = context.Activation(node, 0, "X");
        var w = context.Constant(node, 1, "W");
        float[] bias = context.HasInput(node, 2) ? (float[])context.Constant(node, 2, "B").AsFloats().Clone() : new float[w.Shape[0]];
        int[] xShape = context.Shape(x.Name);
        if (xShape.Length != 3 && xShape.Length != 4)
            throw UnsupportedUsage(node, $"X {ShapeMath.Format(xShape)} has {xShape.Length - 2} spatial dimensions.",
                "Only 1-D and 2-D convolutions (N×C×W and N×C×H×W inputs) are supported.");
        var (window, shape) = Resolve(node, xShape, w.Shape, context.HasInput(node, 2) ? new[] { bias.Length } : null);
        bool twoD = window.Rank == 2;
        int h = twoD ? 0 : -1, wd = window.Rank - 1; // a 1-D convolution is a 2-D one of height 1
        var geometry = new ConvGeometry(
            Batch: xShape[0], InputChannels: xShape[1], InputHeight: twoD ? window.Input[h] : 1, InputWidth: window.Input[wd],
            OutputChannels: shape[1], OutputHeight: twoD ? window.Output[h] : 1, OutputWidth: window.Output[wd],
            KernelHeight: twoD ? window.Kernel[h] : 1, KernelWidth: window.Kernel[wd],
            StrideHeight: twoD ? window.Strides[h] : 1, StrideWidth: window.Strides[wd],
            DilationHeight: twoD ? window.Dilations[h] : 1, DilationWidth: window.Dilations[wd],
            PadTop: twoD ? window.PadBegin[h] : 0, PadLeft: window.PadBegin[wd], Groups: (int)node.GetInt("group", 1));
        // Weights that are all one value (a ConstantOfShape fill) stay one value: a 100-million-weight model bakes without them.
        var weights = RepeatedValue.Of(w) is float uniform
            ? FloatWeights.Uniform(Enumerable.Repeat(uniform, geometry.OutputChannels).ToArray(), geometry.WeightsPerChannel)
            : FloatWeights.Dense((float[])w.AsFloats().Clone(), geometry.OutputChannels, geometry.WeightsPerChannel);
        context.Add(new ConvFloat(node.Describe(), context.Slice(x.Name), context.Slice(node.Outputs[0]), geometry,
            weights, bias, float.NegativeInfinity, float.PositiveInfinity));
    }
}
