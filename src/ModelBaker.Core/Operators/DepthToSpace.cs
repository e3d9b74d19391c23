using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// DepthToSpace and SpaceToDepth: pure data movement between the channel axis and blocks of the two spatial axes of
/// an N × C × H × W tensor. Each is a reshape to six axes, a transpose and a reshape back, so the whole operator is one
/// <see cref="ElementMap"/> over a six-axis view of the input — one Remap step, in every plan and element type.
/// DepthToSpace (mode DCR, the default, or CRD): [N, C, H, W] → [N, C/b², H·b, W·b]; SpaceToDepth: the inverse of DCR.
/// </summary>
public sealed class DepthToSpace : IOperator
{
    private readonly bool _toSpace;

    /// <param name="toSpace">True for DepthToSpace, false for SpaceToDepth.</param>
    public DepthToSpace(bool toSpace) => _toSpace = toSpace;

    public string OpType => _toSpace ? "DepthToSpace" : "SpaceToDepth";

    public OperatorSupport Support =>
        _toSpace
            ? new(OperatorFamily.DataMovement, 1, "blocksize; modes DCR (the default) and CRD; any element type; one Remap step", Int8Form.Integer, "the int8 values moved", Nano: true)
            {
                Refuses = new[] { "mode values ONNX does not define" },
            }
            : new(OperatorFamily.DataMovement, 1, "blocksize; the inverse of DepthToSpace DCR; any element type; one Remap step", Int8Form.Integer, "the int8 values moved", Nano: true);

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        var x = Input(node, graph, 0);
        var (_, _, output) = Map(node, InputShape(node, graph, 0));
        SetOutput(node, graph, 0, x.Type, output);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var (map, view, output) = Map(node, x.Shape);
        var viewed = x.Floats != null ? Tensor.FromFloats(view, x.Floats) : Tensor.FromInt64s(view, x.Int64s!, x.Type);
        return new[] { map.Apply(viewed, output) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (map, view, _) = Map(node, context.Shape(node.Inputs[0]));
        map.Lower(context, node, node.Inputs[0], node.Outputs[0], inputShape: view);
    }

    /// <summary>The map over the six-axis input view, that view, and the output shape.</summary>
    private (ElementMap Map, int[] View, int[] Output) Map(Node node, int[] shape)
    {
        if (shape.Length != 4)
            throw ShapeError(node, $"the input must be N × C × H × W (rank 4), got {ShapeMath.Format(shape)}.");
        long blocksize = node.GetInt("blocksize", 0);
        if (blocksize < 1)
            throw ShapeError(node, $"the attribute blocksize must be a positive integer, got {blocksize}.");
        int b = (int)blocksize, n = shape[0], c = shape[1], h = shape[2], w = shape[3];
        int[] axes;
        int[] view, iteration, output;
        if (_toSpace)
        {
            if (c % (b * b) != 0)
                throw ShapeError(node, $"the channel count {c} of {ShapeMath.Format(shape)} is not a multiple of blocksize² = {b * b}.");
            string mode = node.GetString("mode") ?? "DCR";
            int depth = c / (b * b);
            iteration = new[] { n, depth, h, b, w, b };
            output = new[] { n, depth, h * b, w * b };
            if (mode == "DCR")
            {
                view = new[] { n, b, b, depth, h, w };       // channel = (row-in-block · b + column-in-block) · depth + d
                axes = new[] { 0, 3, 4, 1, 5, 2 };
            }
            else if (mode == "CRD")
            {
                view = new[] { n, depth, b, b, h, w };       // channel = (d · b + row-in-block) · b + column-in-block
                axes = new[] { 0, 1, 4, 2, 5, 3 };
            }
            else throw UnsupportedUsage(node, $"mode \"{mode}\" is not an ONNX DepthToSpace mode.", "Use \"DCR\" (the default) or \"CRD\".");
        }
        else
        {
            if (h % b != 0 || w % b != 0)
                throw ShapeError(node, $"the spatial size {h} × {w} of {ShapeMath.Format(shape)} is not a multiple of blocksize {b}.");
            view = new[] { n, c, h / b, b, w / b, b };
            iteration = new[] { n, b, b, c, h / b, w / b };  // output channel = (row-in-block · b + column-in-block) · C + c
            output = new[] { n, c * b * b, h / b, w / b };
            axes = new[] { 0, 3, 5, 1, 2, 4 };
        }
        var map = new ElementMap(iteration, axes, iteration.Select(ElementMap.Identity).ToArray());
        return (map, view, output);
    }
}
