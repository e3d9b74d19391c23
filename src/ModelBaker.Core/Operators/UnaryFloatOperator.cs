using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>An element-wise float function of one input: same shape out, one kernel line per subclass.</summary>
public abstract class UnaryFloatOperator : IOperator
{
    public abstract string OpType { get; }

    /// <summary>The function applied to every element.</summary>
    public abstract float Apply(float x);

    /// <summary>The plan kernel's code for this function.</summary>
    protected abstract UnaryFunction Function { get; }

    /// <summary>Relu folds into the step before it as a clamp when it can; otherwise one element-wise step.</summary>
    public void Lower(Node node, LoweringContext context)
    {
        if (Function == UnaryFunction.Relu && ActivationFusion.TryFuse(context, node, 0f, float.PositiveInfinity)) return;
        context.Add(new UnaryFloat(node.Describe(), Function, context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0])));
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
        float[] xv = Floats(node, x, 0), y = new float[xv.Length];
        for (int i = 0; i < y.Length; i++) y[i] = Apply(xv[i]);
        return new[] { Tensor.FromFloats(x.Shape, y) };
    }
}
