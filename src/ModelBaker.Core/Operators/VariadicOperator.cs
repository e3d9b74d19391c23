using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Max, Min, Sum and Mean of one or more inputs with numpy broadcasting: a chain of binary steps, left to right
/// (((a ∘ b) ∘ c) …); Mean then multiplies by 1/n. One input is the identity.
/// </summary>
public abstract class VariadicOperator : IOperator, IChannelMapping
{
    /// <summary>Broadcasting arithmetic ties its inputs' channels together.</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph) => new ChannelFlow.Elementwise();

    public abstract string OpType { get; }

    public abstract OperatorSupport Support { get; }

    /// <summary>What Max, Min, Sum and Mean share: one or more inputs, numpy broadcasting, a chain of element-wise steps.</summary>
    protected static OperatorSupport Variadic(string what, string int8) =>
        new(OperatorFamily.Arithmetic, 1, what + " of one or more inputs; numpy broadcasting; a chain of element-wise steps (one input: no step)",
            Int8Form.Integer, int8, Nano: true) { NanoDetails = "float, int8, uint8, int16, uint16, int32, uint32, int64 and uint64 tensors" };

    /// <summary>The binary operation chained over the inputs.</summary>
    protected abstract BinaryOperation Operation { get; }

    /// <summary>Mean: divide the chained sum by the number of inputs (float only).</summary>
    protected virtual bool IsMean => false;

    public void InferShapes(Node node, Graph graph)
    {
        if (node.Inputs.Count < 1 || node.Inputs.Any(string.IsNullOrEmpty))
            throw InvalidGraph(node, $"it has {node.Inputs.Count} inputs (or an empty one); {OpType} takes one or more.");
        var type = Input(node, graph, 0).Type;
        int[] shape = InputShape(node, graph, 0);
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            ElementwiseEvaluation.CheckTypes(node, type, Input(node, graph, i).Type);
            shape = ElementwiseEvaluation.BroadcastShape(node, shape, InputShape(node, graph, i));
        }
        if (IsMean && type != ElementType.Float32)
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: Mean of {type} tensors is not supported; ModelBaker averages Float32 only. Convert the inputs to float32.");
        SetOutput(node, graph, 0, type, shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var result = Required(node, inputs, 0);
        for (int i = 1; i < inputs.Length; i++) result = ElementwiseEvaluation.Apply(node, Operation, result, Required(node, inputs, i));
        if (inputs.Length == 1) result = WithShape(result, result.Shape);
        if (IsMean) result = ElementwiseEvaluation.Apply(node, BinaryOperation.Mul, result, MeanFactor(inputs.Length));
        return new[] { result };
    }

    /// <summary>1/n as a float scalar.</summary>
    private static Tensor MeanFactor(int count) => Tensor.FromFloats(new int[0], new[] { 1f / count });

    public void Lower(Node node, LoweringContext context)
    {
        string output = node.Outputs[0];
        if (node.Inputs.Count == 1)
        {
            context.Alias(output, node.Inputs[0]);
            return;
        }
        var type = context.Graph[output].Type;
        var partial = ElementwiseLowering.Of(context, node.Inputs[0]);
        int steps = node.Inputs.Count - 1 + (IsMean ? 1 : 0);
        for (int step = 1; step <= steps; step++)
        {
            bool last = step == steps;
            var next = step < node.Inputs.Count ? ElementwiseLowering.Of(context, node.Inputs[step])
                : new ElementwiseLowering.Source(null, MeanFactor(node.Inputs.Count), new int[0]);
            var operation = step < node.Inputs.Count ? Operation : BinaryOperation.Mul;
            int[] shape = ShapeMath.Broadcast(partial.Shape, next.Shape)!;
            // Partial results get places of their own; the last step writes the node's output (so a Relu can fuse into it).
            var slice = last ? context.Slice(output) : new ArenaSlice($"{output} (partial {step})", type, ShapeMath.Length(shape), shape: shape);
            ElementwiseLowering.Add(context, node.Describe(), operation, type, partial, next, shape, slice);
            partial = new ElementwiseLowering.Source(slice, null, shape);
        }
    }
}
