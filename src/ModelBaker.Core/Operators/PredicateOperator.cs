using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// A bool tensor from two inputs of one element type with numpy broadcasting: the comparisons (any numeric type, and
/// bools, false &lt; true) and the logic operations And, Or, Xor (bools). One <see cref="Predicate"/> step.
/// </summary>
public abstract class PredicateOperator : IOperator
{
    public abstract string OpType { get; }

    public abstract OperatorSupport Support { get; }

    /// <summary>A comparison: any numeric type and bools, bool output, one predicate step; int8 values compared as integers.</summary>
    protected static OperatorSupport Comparison(int since, string sign) =>
        new(OperatorFamily.SelectionAndLogic, since, $"A {sign} B, any element type, bool output; numpy broadcasting; one predicate step", Int8Form.Integer,
            "int8 values: of one quantization directly, of two through a 256-entry threshold table; a tensor against a constant through integer thresholds", Nano: true)
        {
            NanoDetails = "int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool tensors",
        };

    /// <summary>A logic operation on bools: one predicate step, unchanged in int8 plans.</summary>
    protected static OperatorSupport Logic(string operation) =>
        new(OperatorFamily.SelectionAndLogic, 7, $"A {operation} B on bools; numpy broadcasting; one predicate step", Int8Form.Integer, "bools, unchanged", Nano: true);

    /// <summary>The step's operation code.</summary>
    protected abstract PredicateOperation Operation { get; }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        CheckTypes(node, Input(node, graph, 0).Type, Input(node, graph, 1).Type);
        SetOutput(node, graph, 0, ElementType.Bool,
            ElementwiseEvaluation.BroadcastShape(node, InputShape(node, graph, 0), InputShape(node, graph, 1)));
    }

    private void CheckTypes(Node node, ElementType a, ElementType b)
    {
        if (a != b) throw InvalidGraph(node, $"its inputs have different element types ({a} and {b}); ONNX {OpType} needs one type.");
        if (Operation >= PredicateOperation.And && a != ElementType.Bool)
            throw InvalidGraph(node, $"its inputs are {a}; ONNX {OpType} takes bool tensors.");
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var a = Required(node, inputs, 0);
        var b = Required(node, inputs, 1);
        CheckTypes(node, a.Type, b.Type);
        int[] shape = ElementwiseEvaluation.BroadcastShape(node, a.Shape, b.Shape);
        var evaluation = new KernelEvaluation();
        var output = evaluation.Output(ElementType.Bool, shape);
        var step = new Predicate(node.Describe(), Operation, shape, KernelEvaluation.Constant(a, shape), KernelEvaluation.Constant(b, shape), output);
        return evaluation.Run(new[] { step }, output);
    }

    public void Lower(Node node, LoweringContext context)
    {
        int[] shape = context.Shape(node.Outputs[0]);
        context.Add(new Predicate(node.Describe(), Operation, shape, KernelEvaluation.Operand(context, node.Inputs[0], shape),
            KernelEvaluation.Operand(context, node.Inputs[1], shape), context.Slice(node.Outputs[0])));
    }
}
