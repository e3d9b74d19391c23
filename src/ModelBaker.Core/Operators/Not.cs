using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>Y = not X on bools: one <see cref="Predicate"/> step, X xor true (a constant broadcast everywhere).</summary>
public sealed class Not : IOperator
{
    public string OpType => "Not";

    public OperatorSupport Support { get; } = new(OperatorFamily.SelectionAndLogic, 1, "bools; one predicate step (X xor true)", Int8Form.Integer, "bools, unchanged", Nano: true);

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        if (Input(node, graph, 0).Type != ElementType.Bool)
            throw InvalidGraph(node, $"its input is {Input(node, graph, 0).Type}; ONNX Not takes a bool tensor.");
        SetOutput(node, graph, 0, ElementType.Bool, InputShape(node, graph, 0));
    }

    private static TypedOperand True(int[] shape) => new(null, new[] { true }, new int[shape.Length]);

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var evaluation = new KernelEvaluation();
        var output = evaluation.Output(ElementType.Bool, x.Shape);
        var step = new Predicate(node.Describe(), PredicateOperation.Xor, x.Shape, KernelEvaluation.Constant(x, x.Shape), True(x.Shape), output);
        return evaluation.Run(new[] { step }, output);
    }

    public void Lower(Node node, LoweringContext context)
    {
        int[] shape = context.Shape(node.Outputs[0]);
        context.Add(new Predicate(node.Describe(), PredicateOperation.Xor, shape, KernelEvaluation.Operand(context, node.Inputs[0], shape),
            True(shape), context.Slice(node.Outputs[0])));
    }
}
