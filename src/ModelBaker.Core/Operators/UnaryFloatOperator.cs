using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>An element-wise float function of one input: same shape out, one kernel line per subclass.</summary>
public abstract class UnaryFloatOperator : IOperator
{
    public abstract string OpType { get; }

    /// <summary>The function applied to every element.</summary>
    public abstract float Apply(float x);

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
