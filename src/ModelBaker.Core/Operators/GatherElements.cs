using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// output[c] = data[c with its <c>axis</c> coordinate replaced by indices[c]]: the output has the indices' shape (of
/// data's rank, no dimension larger than data's except along the axis); negative indices count from the end. Any
/// element type, int32 or int64 indices, constant or computed. One <see cref="GatherIndexed"/> step.
/// </summary>
public sealed class GatherElements : IOperator
{
    public string OpType => "GatherElements";

    public OperatorSupport Support { get; } = new(OperatorFamily.SelectionAndLogic, 11, "any element type; int32 or int64 indices, constant or computed, negative counting from the end; one gather step", Int8Form.Integer, "the int8 values moved", Nano: true)
    {
        NanoDetails = "int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool data",
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        var indices = Input(node, graph, 1);
        if (indices.Type is not (ElementType.Int64 or ElementType.Int32))
            throw InvalidGraph(node, $"its indices are {indices.Type}; GatherElements takes int32 or int64 indices.");
        var indexShape = InputShape(node, graph, 1);
        Axis(node, InputShape(node, graph, 0), indexShape);
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, indexShape);
    }

    private static int Axis(Node node, int[] data, int[] indices)
    {
        if (data.Length == 0) throw ShapeError(node, "the data is a scalar; GatherElements needs at least one axis.");
        if (indices.Length != data.Length)
            throw ShapeError(node, $"its indices {ShapeMath.Format(indices)} and data {ShapeMath.Format(data)} have different ranks; they must have the same.");
        int axis = NormalizeAxis(node, node.GetInt("axis", 0), data.Length);
        for (int d = 0; d < data.Length; d++)
            if (d != axis && indices[d] > data[d])
                throw ShapeError(node, $"its indices {ShapeMath.Format(indices)} are larger than the data {ShapeMath.Format(data)} along axis {d}.");
        return axis;
    }

    private static GatherIndexed Step(Node node, int[] data, int[] indices, TypedOperand dataOperand, TypedOperand indexOperand, ArenaSlice output)
    {
        int axis = Axis(node, data, indices);
        int[] strides = ShapeMath.Strides(data);
        return new GatherIndexed(node.Describe(), indices,
            new TypedOperand(dataOperand.Slice, dataOperand.Constant, strides.Select((s, d) => d == axis ? 0 : s).ToArray()),
            data[axis], strides[axis], new TypedOperand(indexOperand.Slice, indexOperand.Constant, ShapeMath.Strides(indices)), output);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var data = Required(node, inputs, 0);
        var indices = Required(node, inputs, 1);
        int axis = Axis(node, data.Shape, indices.Shape);
        foreach (long i in indices.Int64s!)
            if (i < -data.Shape[axis] || i >= data.Shape[axis])
                throw ShapeError(node, $"index {i} is out of range for axis {axis} of size {data.Shape[axis]}.");
        var evaluation = new KernelEvaluation();
        var output = evaluation.Output(data.Type, indices.Shape);
        var step = Step(node, data.Shape, indices.Shape, KernelEvaluation.Constant(data, data.Shape), KernelEvaluation.Constant(indices, indices.Shape), output);
        return evaluation.Run(new[] { step }, output);
    }

    public void Lower(Node node, LoweringContext context)
    {
        int[] data = context.Shape(node.Inputs[0]), indices = context.Shape(node.Inputs[1]);
        context.Add(Step(node, data, indices, KernelEvaluation.Operand(context, node.Inputs[0], data),
            KernelEvaluation.Operand(context, node.Inputs[1], indices), context.Slice(node.Outputs[0])));
    }
}
