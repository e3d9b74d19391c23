using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ONNX Runtime's com.microsoft FastGelu: Y = gelu(X + bias) in the tanh approximation,
/// v/2 · (1 + tanh(√(2/π) · (v + 0.044715 v³))) with v = X + bias; the optional bias is 1-D, one value per element of
/// X's last dimension. Lowered to an addition step (when there is a bias) and a Gelu step.
/// </summary>
public sealed class FastGelu : IOperator, IChannelMapping
{
    public string OpType => "com.microsoft:FastGelu";

    public OperatorSupport Support { get; } = new(OperatorFamily.TransformerBlocks, 1, "Gelu of X + bias in the tanh approximation (optional bias over the last dimension); an addition step and a Gelu step", Int8Form.Integer, "integer addition and a 256-entry table", Nano: true);

    /// <summary>Element by element (a bias along the last axis keeps channels where they are).</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph) => Operators.ChannelFlow.PassThrough.Plain;

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 2);
        RequireFloat(node, graph, 0);
        var shape = InputShape(node, graph, 0);
        if (OptionalInput(node, 1) != null)
        {
            RequireFloat(node, graph, 1);
            CheckBias(node, shape, InputShape(node, graph, 1));
        }
        SetOutput(node, graph, 0, ElementType.Float32, shape);
    }

    private static void CheckBias(Node node, int[] x, int[] bias)
    {
        if (x.Length == 0 || bias.Length != 1 || bias[0] != x[x.Length - 1])
            throw ShapeError(node, $"its bias {ShapeMath.Format(bias)} must be 1-D with one value per element of X's last dimension (X is {ShapeMath.Format(x)}).");
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        float[] xv = Floats(node, x, 0), y = new float[xv.Length];
        float[]? bias = null;
        if (inputs.Length > 1 && inputs[1] != null)
        {
            CheckBias(node, x.Shape, inputs[1]!.Shape);
            bias = Floats(node, inputs[1], 1);
        }
        for (int i = 0; i < y.Length; i++)
            y[i] = UnaryFloat.Apply((int)UnaryFunction.Gelu, 1f, 0f, bias == null ? xv[i] : xv[i] + bias[i % bias.Length]);
        return new[] { Tensor.FromFloats(x.Shape, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var input = context.Slice(node.Inputs[0]);
        var output = context.Slice(node.Outputs[0]);
        if (context.HasInput(node, 1))
        {
            // v = X + bias as a tensor of its own, then Gelu of it.
            int[] shape = context.Shape(node.Inputs[0]);
            var sum = new Plan.ArenaSlice($"{node.Outputs[0]}+bias", ElementType.Float32, ShapeMath.Length(shape));
            ElementwiseLowering.Add(context, node.Describe(), BinaryOperation.Add, ElementType.Float32,
                ElementwiseLowering.Of(context, node.Inputs[0]), ElementwiseLowering.Of(context, node.Inputs[1]), shape, sum);
            input = sum;
        }
        context.Add(new UnaryFloat(node.Describe(), UnaryFunction.Gelu, input, output, alpha: 1f));
    }
}
