using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// An element-wise float function of one input: same shape out. Subclasses name the plan kernel's function and
/// read its parameters from the node's attributes; the float reference is the kernel's own
/// <see cref="UnaryFloat.Apply"/>, so the executable spec and the baked code cannot disagree.
/// </summary>
public abstract class UnaryFloatOperator : IOperator, IChannelMapping
{
    /// <summary>Element by element: output channel c is input channel c.</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph) => Operators.ChannelFlow.PassThrough.Plain;

    public abstract string OpType { get; }

    public abstract OperatorSupport Support { get; }

    /// <summary>What every element-wise function shares: float tensors, one element-wise step, a 256-entry table in int8 plans (which the nanoFramework flavour runs).</summary>
    protected static OperatorSupport Elementwise(int since, string what, string table = "a 256-entry table", OperatorFamily family = OperatorFamily.Activations) =>
        new(family, since, what + "; float tensors; one element-wise step", Int8Form.Integer, table, Nano: true);

    /// <summary>The plan kernel's code for this function.</summary>
    protected abstract UnaryFunction Function { get; }

    /// <summary>The function's parameters (alpha, beta) from the node's attributes; (0, 0) for none.</summary>
    protected virtual (float Alpha, float Beta) Parameters(Node node) => (0f, 0f);

    /// <summary>The function applied to every element (no parameters; for functions that have none).</summary>
    public float Apply(float x) => UnaryFloat.Apply((int)Function, 0f, 0f, x);

    /// <summary>Relu folds into the step before it as a clamp when it can; otherwise one element-wise step.</summary>
    public void Lower(Node node, LoweringContext context)
    {
        if (Function == UnaryFunction.Relu && ActivationFusion.TryFuse(context, node, 0f, float.PositiveInfinity)) return;
        var (alpha, beta) = Parameters(node);
        context.Add(new UnaryFloat(node.Describe(), Function, context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0]), alpha, beta));
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        RequireFloat(node, graph, 0);
        SetOutput(node, graph, 0, ElementType.Float32, InputShape(node, graph, 0));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var (alpha, beta) = Parameters(node);
        float[] xv = Floats(node, x, 0), y = new float[xv.Length];
        for (int i = 0; i < y.Length; i++) y[i] = UnaryFloat.Apply((int)Function, alpha, beta, xv[i]);
        return new[] { Tensor.FromFloats(x.Shape, y) };
    }
}
