using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Y = the largest value of each window (padding never wins), with kernel_shape, strides, pads or auto_pad, dilations
/// and ceil_mode. The optional Indices output (int64, flat positions of the maxima in X) is a second plan step.
/// </summary>
public sealed class MaxPool : Pooling
{
    public override string OpType => "MaxPool";

    public override OperatorSupport Support =>
        Pool("window maximum (padding never wins); kernel_shape, strides, pads or auto_pad, dilations, ceil_mode; the Indices output (int64, any storage_order) is an indices step", "the output keeps the input's scale") with
        {
            NanoDetails = "the Indices output: no",
        };

    protected override PoolKind Kind(Node node) => PoolKind.Max;

    protected override SlidingWindow Window(Node node, int[] spatial) =>
        SlidingWindow.Resolve(node, spatial, SlidingWindow.KernelShape(node, spatial.Length), allowCeilMode: true);

    public override void InferShapes(Node node, Graph graph)
    {
        base.InferShapes(node, graph);
        SetOutput(node, graph, 1, ElementType.Int64, graph[node.Outputs[0]].Shape!);
    }

    public override Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var (window, shape) = OutputShape(node, x.Shape);
        int planes = x.Shape[0] * x.Shape[1];
        var argmax = new long[ShapeMath.Length(shape)];
        var y = Pool(PoolKind.Max, Floats(node, x, 0), planes, window, argmax);
        if (node.Outputs.Count < 2) return new[] { Tensor.FromFloats(shape, y) };

        // Indices are flat positions in X (batch and channel included); storage_order 1 counts the spatial part column-major.
        bool columnMajor = node.GetInt("storage_order", 0) != 0;
        int inputPlane = ShapeMath.Length(window.Input), outputPlane = ShapeMath.Length(window.Output);
        int[] coordinate = new int[window.Rank], reversed = new int[window.Rank];
        int[] reversedShape = new int[window.Rank];
        for (int d = 0; d < window.Rank; d++) reversedShape[d] = window.Input[window.Rank - 1 - d];
        for (int i = 0; i < argmax.Length; i++)
        {
            long spatial = argmax[i];
            if (columnMajor && spatial >= 0)
            {
                Conv.Unflatten((int)spatial, window.Input, coordinate);
                for (int d = 0; d < window.Rank; d++) reversed[d] = coordinate[window.Rank - 1 - d];
                spatial = 0;
                for (int d = 0; d < window.Rank; d++) spatial = spatial * reversedShape[d] + reversed[d];
            }
            argmax[i] = i / outputPlane * (long)inputPlane + spatial;
        }
        return new[] { Tensor.FromFloats(shape, y), Tensor.FromInt64s(shape, argmax) };
    }

    /// <summary>The pooled values; when the Indices output is used, a second step finds the maxima's positions.</summary>
    public override void Lower(Node node, LoweringContext context)
    {
        base.Lower(node, context);
        if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0 && context.IsUsed(node.Outputs[1]))
            context.Add(new MaxPoolIndices(node.Describe() + " indices", context.Slice(node.Inputs[0]), context.Slice(node.Outputs[1]),
                Geometry(node, context), node.GetInt("storage_order", 0) != 0));
    }
}
