using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// output = condition ? X : Y element-wise, the three inputs broadcast together (numpy rules); X and Y of one element
/// type, any the IR has. One <see cref="Select"/> step.
/// </summary>
public sealed class Where : IOperator
{
    public string OpType => "Where";

    public OperatorSupport Support { get; } = new(OperatorFamily.SelectionAndLogic, 9, "condition ? X : Y, three-way numpy broadcasting, any element type; one select step", Int8Form.Integer, "int8 values; X and Y of different quantizations are carried onto the output's by 256-entry maps", Nano: true)
    {
        NanoDetails = "int8, uint8, int16, uint16, int32, uint32, int64, uint64 and bool values",
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 3, 3);
        CheckTypes(node, Input(node, graph, 0).Type, Input(node, graph, 1).Type, Input(node, graph, 2).Type);
        SetOutput(node, graph, 0, Input(node, graph, 1).Type,
            OutputShape(node, InputShape(node, graph, 0), InputShape(node, graph, 1), InputShape(node, graph, 2)));
    }

    private static void CheckTypes(Node node, ElementType condition, ElementType x, ElementType y)
    {
        if (condition != ElementType.Bool) throw InvalidGraph(node, $"its condition is {condition}; ONNX Where takes a bool condition.");
        if (x != y) throw InvalidGraph(node, $"X and Y have different element types ({x} and {y}); ONNX Where needs one type.");
    }

    private static int[] OutputShape(Node node, int[] condition, int[] x, int[] y) =>
        ElementwiseEvaluation.BroadcastShape(node, ElementwiseEvaluation.BroadcastShape(node, condition, x), y);

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var condition = Required(node, inputs, 0);
        var x = Required(node, inputs, 1);
        var y = Required(node, inputs, 2);
        CheckTypes(node, condition.Type, x.Type, y.Type);
        int[] shape = OutputShape(node, condition.Shape, x.Shape, y.Shape);
        var evaluation = new KernelEvaluation();
        var output = evaluation.Output(x.Type, shape);
        var step = new Select(node.Describe(), shape, KernelEvaluation.Constant(condition, shape), KernelEvaluation.Constant(x, shape),
            KernelEvaluation.Constant(y, shape), output);
        return evaluation.Run(new[] { step }, output);
    }

    public void Lower(Node node, LoweringContext context)
    {
        int[] shape = context.Shape(node.Outputs[0]);
        context.Add(new Select(node.Describe(), shape, KernelEvaluation.Operand(context, node.Inputs[0], shape),
            KernelEvaluation.Operand(context, node.Inputs[1], shape), KernelEvaluation.Operand(context, node.Inputs[2], shape),
            context.Slice(node.Outputs[0])));
    }
}
