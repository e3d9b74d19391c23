using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// A tensor of the shape given by its (bake-time constant) int64 input, filled with the one element of the value
/// attribute (default float 0), of that element's type. Always folds at bake time, to a uniform tensor that stores the
/// value once.
/// </summary>
public sealed class ConstantOfShape : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 0.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 0 };

    public string OpType => "ConstantOfShape";

    public OperatorSupport Support { get; } = new(OperatorFamily.ShapePatterns, 9, "a constant shape; always folded at bake time, to a uniform tensor storing its value once", Int8Form.BakeTime, "", Nano: true)
    {
        Refuses = new[] { "a shape computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        var shape = ShapeInputs.Constant(node, graph, 0, "shape")!;
        SetOutput(node, graph, 0, Fill(node).Type, OutputShape(node, shape));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        int[] shape = OutputShape(node, Required(node, inputs, 0));
        var fill = Fill(node);
        // Uniform: the one value is kept, not the elements (real models make 100-million-element weights this way).
        return new[]
        {
            fill.Floats != null
                ? Tensor.UniformFloats(shape, fill.Floats[0])
                : Tensor.UniformInt64s(shape, fill.Int64s![0], fill.Type),
        };
    }

    private static Tensor Fill(Node node)
    {
        var value = node.GetTensor("value");
        if (value == null) return Tensor.FromFloats(new[] { 1 }, new[] { 0f });
        if (value.Length != 1) throw InvalidGraph(node, $"its value attribute has {value.Length} elements; it must have one.");
        return value;
    }

    private static int[] OutputShape(Node node, Tensor shape)
    {
        if (shape.Int64s == null || shape.Shape.Length != 1) throw InvalidGraph(node, $"its input must be a 1-D int64 shape, not {shape}.");
        if (shape.Int64s.Any(d => d < 0 || d > int.MaxValue))
            throw ShapeError(node, $"the shape [{string.Join(",", shape.Int64s)}] has a negative or too large dimension.");
        return shape.Int64s.Select(d => (int)d).ToArray();
    }

    /// <summary>Nothing runs: the input is a bake-time constant, so the node folds.</summary>
    public void Lower(Node node, LoweringContext context) { }
}
