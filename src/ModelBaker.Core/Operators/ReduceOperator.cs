using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ReduceMean, ReduceMax, ReduceMin, ReduceSum, ReduceSumSquare and ReduceProd over a set of axes: an attribute before opset 18 (13 for ReduceSum), the
/// optional second input (a constant at bake time) from then on. No axes reduce every dimension, unless
/// noop_with_empty_axes=1, which makes the node the identity. keepdims (default 1) keeps reduced dimensions as 1.
/// </summary>
public abstract class ReduceOperator : IOperator
{
    public abstract string OpType { get; }

    public abstract OperatorSupport Support { get; }

    /// <summary>What the reductions share: axes as attribute or (from <paramref name="axesInput"/>) constant input, keepdims, noop_with_empty_axes; one reduce step.</summary>
    protected static OperatorSupport Reduce(int axesInput, string what, string int8) =>
        new(OperatorFamily.Reductions, 1, Described(axesInput, what), Int8Form.Integer, int8, Nano: true)
        {
            NanoDetails = "float tensors (as int8) and int8, uint8, int16, uint16, int32, uint32, int64 and uint64 ones",
            Refuses = new[] { "axes computed at run time" },
        };

    /// <summary>The float column of every reduction: what it computes, on which types, and how the axes are given.</summary>
    protected static string Described(int axesInput, string what) =>
        $"{what} over any axes (an attribute, a constant input from opset {axesInput}); keepdims, noop_with_empty_axes; float32, int8, uint8, " +
        "int16, uint16, int32, uint32, int64, uint64 (integers wrap to their type, unsigned ones ordered unsigned, an integer mean is the 64-bit sum divided and truncated, as ONNX Runtime); one reduce step";

    protected abstract ReduceOperation Operation { get; }

    /// <summary>The opset from which the axes are an input rather than an attribute.</summary>
    protected virtual long AxesInputOpset => 18;

    private void CheckType(Node node, ElementType type)
    {
        if (type is ElementType.Float32 or ElementType.Int8 or ElementType.UInt8 or ElementType.Int16 or ElementType.UInt16
            or ElementType.Int32 or ElementType.UInt32 or ElementType.Int64 or ElementType.UInt64) return;
        throw new BakeException(ErrorCodes.UnsupportedElementType,
            $"Node {node.Describe()}: {OpType} on {type} is not supported; ModelBaker computes it on Float32 and the integer types. Cast the input first.");
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 2);
        CheckType(node, Input(node, graph, 0).Type);
        Tensor? axes = null;
        if (OptionalInput(node, 1) is { } axesName)
        {
            var value = graph.Values[axesName];
            if (value.Constant == null || graph.Inputs.Contains(axesName))
                throw UnsupportedUsage(node, $"its axes '{axesName}' are computed at run time, but ModelBaker needs them constant.",
                    "Export the model with constant axes (an initializer), or simplify it with onnxsim.");
            axes = value.Constant;
        }
        var shape = InputShape(node, graph, 0);
        var reduced = Reduced(node, shape, graph.Opset, axes);
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, reduced == null ? shape : OutputShape(node, shape, reduced));
    }

    /// <summary>Which dimensions are reduced; null for the identity (no axes with noop_with_empty_axes).</summary>
    private bool[]? Reduced(Node node, int[] shape, long opset, Tensor? axesInput)
    {
        bool axesInputs = opset >= AxesInputOpset;
        long[]? axes = axesInputs ? axesInput?.Int64s : node.GetInts("axes");
        if (axesInputs && axesInput != null && axesInput.Int64s == null)
            throw InvalidGraph(node, $"its axes must be an int64 tensor, not {axesInput}.");
        var reduced = new bool[shape.Length];
        if (axes == null || axes.Length == 0)
        {
            if (node.GetInt("noop_with_empty_axes", 0) != 0) return null;
            for (int d = 0; d < shape.Length; d++) reduced[d] = true;
            return reduced;
        }
        foreach (long axis in axes)
        {
            int d = NormalizeAxis(node, axis, shape.Length);
            if (reduced[d]) throw InvalidGraph(node, $"its axes [{string.Join(",", axes)}] name dimension {d} twice.");
            reduced[d] = true;
        }
        return reduced;
    }

    private static int[] OutputShape(Node node, int[] shape, bool[] reduced) =>
        node.GetInt("keepdims", 1) != 0
            ? shape.Select((d, i) => reduced[i] ? 1 : d).ToArray()
            : shape.Where((_, i) => !reduced[i]).ToArray();

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        CheckType(node, x.Type);
        var reduced = Reduced(node, x.Shape, opset, inputs.Length > 1 ? inputs[1] : null);
        if (reduced == null) return new[] { WithShape(x, x.Shape) };
        var (keptShape, keptStrides, offsets) = ReduceFloat.Layout(x.Shape, reduced);
        var evaluation = new KernelEvaluation();
        var input = evaluation.Input(x);
        var output = evaluation.Output(x.Type, OutputShape(node, x.Shape, reduced));
        return evaluation.Run(new[] { ReduceFloat.Create(node.Describe(), Operation, keptShape, keptStrides, offsets, input, output) }, output);
    }

    public void Lower(Node node, LoweringContext context)
    {
        var axes = OptionalInput(node, 1) != null ? context.Constant(node, 1, "axes") : null;
        int[] shape = context.Shape(node.Inputs[0]);
        var reduced = Reduced(node, shape, context.Graph.Opset, axes);
        if (reduced == null)
        {
            context.Alias(node.Outputs[0], node.Inputs[0]);
            return;
        }
        var (keptShape, keptStrides, offsets) = ReduceFloat.Layout(shape, reduced);
        context.Add(ReduceFloat.Create(node.Describe(), Operation, keptShape, keptStrides, offsets,
            context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0])));
    }
}
