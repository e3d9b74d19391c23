using System;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// What MaxPool, AveragePool and the global pools share: the window over N×C×spatial inputs, the float reference
/// (any spatial rank) and the lowering to one pooling step (1 to 3 spatial dimensions).
/// </summary>
public abstract class Pooling : IOperator, IChannelMapping
{
    /// <summary>Each channel is pooled on its own (unless MaxPool's indices are used).</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph) => Operators.ChannelFlow.UnlessExtraOutputsUsed(node, Operators.ChannelFlow.PassThrough.Plain);

    public abstract string OpType { get; }

    public abstract OperatorSupport Support { get; }

    /// <summary>What the pools share: 1 to 3 spatial dimensions, one pool step, an int8 pool step the nanoFramework flavour runs.</summary>
    protected static OperatorSupport Pool(string what, string int8) =>
        new(OperatorFamily.Pooling, 1, what + "; 1 to 3 spatial dimensions; one pool step",
            Int8Form.Integer, int8, Nano: true) { Refuses = new[] { "4 or more spatial dimensions" } };

    /// <summary>Max, or average with or without padding counted, for this node.</summary>
    protected abstract PoolKind Kind(Node node);

    /// <summary>The node's window over the spatial sizes <paramref name="spatial"/>.</summary>
    protected abstract SlidingWindow Window(Node node, int[] spatial);

    public virtual void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        RequireFloat(node, graph, 0);
        SetOutput(node, graph, 0, ElementType.Float32, OutputShape(node, InputShape(node, graph, 0)).Shape);
    }

    protected (SlidingWindow Window, int[] Shape) OutputShape(Node node, int[] x)
    {
        if (x.Length < 3)
            throw ShapeError(node, $"X {ShapeMath.Format(x)} must be N × C × at least one spatial dimension.");
        int[] spatial = new int[x.Length - 2];
        Array.Copy(x, 2, spatial, 0, spatial.Length);
        var window = Window(node, spatial);
        var shape = new int[x.Length];
        shape[0] = x[0];
        shape[1] = x[1];
        Array.Copy(window.Output, 0, shape, 2, spatial.Length);
        return (window, shape);
    }

    public virtual Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var (window, shape) = OutputShape(node, x.Shape);
        return new[] { Tensor.FromFloats(shape, Pool(Kind(node), Floats(node, x, 0), x.Shape[0] * x.Shape[1], window, null)) };
    }

    /// <summary>
    /// Reference pooling over <paramref name="planes"/> planes of any spatial rank; also records, per output, the
    /// flat index within its plane of the maximum (first one on ties) when <paramref name="argmax"/> is given.
    /// </summary>
    internal static float[] Pool(PoolKind kind, float[] x, int planes, SlidingWindow window, long[]? argmax)
    {
        int rank = window.Rank;
        int inputPlane = ShapeMath.Length(window.Input), outputPlane = ShapeMath.Length(window.Output), taps = ShapeMath.Length(window.Kernel);
        int[] inputStrides = ShapeMath.Strides(window.Input);
        int[] coordinate = new int[rank], tap = new int[rank];
        var y = new float[planes * outputPlane];
        for (int p = 0; p < planes; p++)
        for (int o = 0; o < outputPlane; o++)
        {
            Conv.Unflatten(o, window.Output, coordinate);
            float best = float.MinValue;
            long bestIndex = -1;
            double sum = 0;
            int inside = 0, padded = 0;
            for (int t = 0; t < taps; t++)
            {
                Conv.Unflatten(t, window.Kernel, tap);
                int offset = 0;
                bool inInput = true, inPadding = true;
                for (int d = 0; d < rank; d++)
                {
                    int position = coordinate[d] * window.Strides[d] - window.PadBegin[d] + tap[d] * window.Dilations[d];
                    inInput &= position >= 0 && position < window.Input[d];
                    // Taps beyond the padding after the input (only ceil_mode reaches there) do not count at all.
                    inPadding &= position < window.Input[d] + window.PadEnd[d];
                    offset += position * inputStrides[d];
                }
                if (inPadding) padded++;
                if (!inInput) continue;
                float value = x[p * inputPlane + offset];
                inside++;
                sum += value;
                if (value > best || bestIndex < 0) { best = value; bestIndex = offset; }
            }
            if (argmax != null) argmax[p * outputPlane + o] = bestIndex;
            int count = kind == PoolKind.AverageIncludingPadding ? padded : inside;
            y[p * outputPlane + o] = kind == PoolKind.Max ? best : count == 0 ? 0f : (float)(sum / count);
        }
        return y;
    }

    public virtual void Lower(Node node, LoweringContext context) =>
        context.Add(new PoolFloat(node.Describe(), Kind(node), context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0]), Geometry(node, context)));

    /// <summary>The plan kernels' view of this node's window: planes, sizes, kernel, strides, dilations, padding.</summary>
    protected PoolGeometry Geometry(Node node, LoweringContext context)
    {
        int[] xShape = context.Shape(context.Activation(node, 0, "X").Name);
        if (xShape.Length > 5)
            throw UnsupportedUsage(node, $"X {ShapeMath.Format(xShape)} has {xShape.Length - 2} spatial dimensions.",
                "Only 1-D, 2-D and 3-D pooling is supported.");
        var (window, _) = OutputShape(node, xShape);
        // Spatial dimensions right-aligned into depth, height, width; missing leading ones have size 1.
        int lead = 3 - window.Rank;
        int At(int[] values, int axis, int fallback) => axis < lead ? fallback : values[axis - lead];
        int Padded(int axis) => axis < lead ? 1 : window.PadBegin[axis - lead] + window.Input[axis - lead] + window.PadEnd[axis - lead];
        var geometry = new PoolGeometry(
            xShape[0] * xShape[1],
            At(window.Input, 0, 1), At(window.Input, 1, 1), At(window.Input, 2, 1),
            At(window.Output, 0, 1), At(window.Output, 1, 1), At(window.Output, 2, 1),
            At(window.Kernel, 0, 1), At(window.Kernel, 1, 1), At(window.Kernel, 2, 1),
            At(window.Strides, 0, 1), At(window.Strides, 1, 1), At(window.Strides, 2, 1),
            At(window.Dilations, 0, 1), At(window.Dilations, 1, 1), At(window.Dilations, 2, 1),
            At(window.PadBegin, 0, 0), At(window.PadBegin, 1, 0), At(window.PadBegin, 2, 0),
            Padded(0), Padded(1), Padded(2));
        return geometry;
    }
}
