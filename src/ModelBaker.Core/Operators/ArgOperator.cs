using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ArgMax and ArgMin: the int64 index of the largest (smallest) element along <c>axis</c> (default 0, negative counts
/// from the end); keepdims (default 1) keeps that dimension as 1; ties give the first index, or the last with
/// select_last_index=1. Float32, int32 and int64 inputs; in int8 plans the index of the extreme quantized value
/// (quantization is monotonic). One <see cref="ArgMaxFloat"/> step.
/// </summary>
public abstract class ArgOperator : IOperator
{
    public abstract string OpType { get; }

    public abstract OperatorSupport Support { get; }

    /// <summary>What ArgMax and ArgMin share.</summary>
    protected static OperatorSupport Arg(string extreme) =>
        new(OperatorFamily.Reductions, 1, $"int64 index of the {extreme} element along axis; keepdims, select_last_index; float32, int8, uint8, int16, uint16, int32, uint32, int64, uint64 (unsigned in unsigned order); one argmax step",
            Int8Form.Integer, "the index of the extreme int8 value", Nano: true);

    /// <summary>ArgMin rather than ArgMax.</summary>
    protected abstract bool Smallest { get; }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        CheckType(node, Input(node, graph, 0).Type);
        SetOutput(node, graph, 0, ElementType.Int64, OutputShape(node, InputShape(node, graph, 0)));
    }

    private void CheckType(Node node, ElementType type)
    {
        if (type is not (ElementType.Float32 or ElementType.Int8 or ElementType.UInt8 or ElementType.Int16 or ElementType.UInt16
            or ElementType.Int32 or ElementType.UInt32 or ElementType.Int64 or ElementType.UInt64))
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: {OpType} on {type} is not supported; ModelBaker computes it on Float32, Int8, UInt8, Int16, UInt16, " +
                "Int32, UInt32, Int64 and UInt64. Cast the input to int32 or float32 first.");
    }

    private int Axis(Node node, int[] shape)
    {
        if (shape.Length == 0) throw ShapeError(node, $"the input is a scalar; {OpType} needs at least one dimension.");
        return NormalizeAxis(node, node.GetInt("axis", 0), shape.Length);
    }

    private int[] OutputShape(Node node, int[] shape)
    {
        int axis = Axis(node, shape);
        if (shape[axis] == 0) throw ShapeError(node, $"the dimension {axis} it reduces is empty, so there is no extreme element.");
        return node.GetInt("keepdims", 1) != 0
            ? shape.Select((d, i) => i == axis ? 1 : d).ToArray()
            : shape.Where((_, i) => i != axis).ToArray();
    }

    private ArgMaxFloat Step(Node node, int[] shape, Plan.ArenaSlice input, Plan.ArenaSlice output)
    {
        int axis = Axis(node, shape);
        return new ArgMaxFloat(node.Describe(), Product(shape, 0, axis), shape[axis], Product(shape, axis + 1, shape.Length),
            node.GetInt("select_last_index", 0) != 0, input, output, Smallest);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        CheckType(node, x.Type);
        var evaluation = new KernelEvaluation();
        var input = evaluation.Input(x);
        var output = evaluation.Output(ElementType.Int64, OutputShape(node, x.Shape));
        return evaluation.Run(new[] { Step(node, x.Shape, input, output) }, output);
    }

    public void Lower(Node node, LoweringContext context) =>
        context.Add(Step(node, context.Shape(node.Inputs[0]), context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0])));
}
