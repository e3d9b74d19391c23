using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Picks entries along one axis (default 0, negative counts from the end) by index; negative indices count from the
/// end of that axis. The output shape is data[..axis] + indices' shape + data[axis + 1..]. Any element type; at run
/// time the indices must be bake-time constants (shape arithmetic, a fixed selection of channels).
/// </summary>
public sealed class Gather : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public string OpType => "Gather";

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        var indices = Input(node, graph, 1);
        if (indices.Type != ElementType.Int64 && indices.Type != ElementType.Int32)
            throw InvalidGraph(node, $"its indices are {indices.Type}; Gather takes int32 or int64 indices.");
        var (_, output) = Shapes(node, InputShape(node, graph, 0), InputShape(node, graph, 1));
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, output);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var data = Required(node, inputs, 0);
        var indices = Required(node, inputs, 1);
        var (map, output) = Map(node, data.Shape, indices);
        return new[] { map.Apply(data, output) };
    }

    /// <summary>The iteration shape (indices flattened into one axis) and the output shape.</summary>
    private static (int[] Iteration, int[] Output) Shapes(Node node, int[] data, int[] indices)
    {
        if (data.Length == 0) throw ShapeError(node, "the data is a scalar; Gather needs at least one axis.");
        int axis = NormalizeAxis(node, node.GetInt("axis", 0), data.Length);
        var iteration = data.Take(axis).Append(ShapeMath.Length(indices)).Concat(data.Skip(axis + 1)).ToArray();
        var output = data.Take(axis).Concat(indices).Concat(data.Skip(axis + 1)).ToArray();
        return (iteration, output);
    }

    private static (ElementMap Map, int[] Output) Map(Node node, int[] data, Tensor indices)
    {
        var (iteration, output) = Shapes(node, data, indices.Shape);
        int axis = NormalizeAxis(node, node.GetInt("axis", 0), data.Length);
        int n = data[axis];
        var picked = (indices.Int64s ?? throw InvalidGraph(node, $"its indices are {indices.Type}, not integers.")).Select(i =>
        {
            if (i < -n || i >= n) throw ShapeError(node, $"index {i} is out of range for axis {axis} of size {n} (allowed: {-n} to {n - 1}).");
            return (int)(i < 0 ? i + n : i);
        }).ToArray();
        var coordinates = Enumerable.Range(0, data.Length).Select(d => d == axis ? picked : ElementMap.Identity(data[d])).ToArray();
        return (new ElementMap(iteration, Enumerable.Range(0, data.Length).ToArray(), coordinates), output);
    }

    public void Lower(Node node, LoweringContext context)
    {
        context.Activation(node, 0, "data");
        var indices = context.Constant(node, 1, "indices");
        var (map, _) = Map(node, context.Shape(node.Inputs[0]), indices);
        map.Lower(context, node, node.Inputs[0], node.Outputs[0]);
    }
}
