using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// C = A ∘ B element-wise with multidirectional (numpy) broadcasting, on float32 and on integer tensors (int8, uint8,
/// int32, int64: exporters compute shapes and indices, and integer models exist) with numpy's wrap-around.
/// </summary>
public abstract class BinaryOperator : IOperator, IChannelMapping
{
    /// <summary>Broadcasting arithmetic ties its inputs' channels together.</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph) => new ChannelFlow.Elementwise();

    public abstract string OpType { get; }

    public abstract OperatorSupport Support { get; }

    /// <summary>
    /// What the arithmetic operators share: numpy broadcasting (the legacy broadcast and axis attributes of opsets before 7
    /// are not read), float32 and integer tensors, one element-wise step a Relu or Clip after it folds into.
    /// </summary>
    protected static OperatorSupport Arithmetic(string what, string int8, int since = 7) =>
        new(OperatorFamily.Arithmetic, since, what + "; numpy broadcasting; float32, int8, uint8, int16, uint16, int32, uint32, int64, uint64 (uint64 unsigned); one element-wise step (constants baked, a Relu or Clip after it fused)",
            Int8Form.Integer, int8, Nano: true) { NanoDetails = "float, int8, uint8, int16, uint16, int32, uint32, int64 and uint64 tensors" };

    /// <summary>The kernels' operation code.</summary>
    protected abstract BinaryOperation Operation { get; }

    /// <summary>The operation this node computes (Mod chooses by its fmod attribute).</summary>
    protected virtual BinaryOperation OperationOf(Node node) => Operation;

    public virtual void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        var a = Input(node, graph, 0);
        ElementwiseEvaluation.CheckTypes(node, a.Type, Input(node, graph, 1).Type);
        SetOutput(node, graph, 0, a.Type, OutputShape(node, InputShape(node, graph, 0), InputShape(node, graph, 1)));
    }

    /// <summary>The broadcast shape of the inputs (PRelu narrows this to X's shape).</summary>
    protected virtual int[] OutputShape(Node node, int[] a, int[] b) => ElementwiseEvaluation.BroadcastShape(node, a, b);

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var a = Required(node, inputs, 0);
        var b = Required(node, inputs, 1);
        OutputShape(node, a.Shape, b.Shape);
        return new[] { ElementwiseEvaluation.Apply(node, OperationOf(node), a, b) };
    }

    /// <summary>One element-wise step; a Relu or Clip after it folds into it as a clamp.</summary>
    public virtual void Lower(Node node, LoweringContext context)
    {
        string output = node.Outputs[0];
        ElementwiseLowering.Add(context, node.Describe(), OperationOf(node), context.Graph[output].Type,
            ElementwiseLowering.Of(context, node.Inputs[0]), ElementwiseLowering.Of(context, node.Inputs[1]),
            context.Shape(output), context.Slice(output));
    }
}
