using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Tile: the input repeated repeats[d] times along each axis d, the repeats constant — output coordinate i reads input
/// coordinate i mod (input dimension), one Remap step (<see cref="ElementMap"/>) in every plan and element type.
/// </summary>
public sealed class Tile : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: the repeats.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public string OpType => "Tile";

    public OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 6, "constant repeats per axis; any element type; one Remap step", Int8Form.Integer, "the int8 values moved", Nano: true)
    {
        Refuses = new[] { "repeats computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        var repeats = Repeats(node, ShapeInputs.Constant(node, graph, 1, "repeats")!);
        SetOutput(node, graph, 0, Input(node, graph, 0).Type, Map(node, InputShape(node, graph, 0), repeats).Shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var map = Map(node, x.Shape, Repeats(node, Required(node, inputs, 1)));
        return new[] { map.Apply(x, map.Shape) };
    }

    public void Lower(Node node, LoweringContext context) =>
        Map(node, context.Shape(node.Inputs[0]), Repeats(node, context.Constant(node, 1, "repeats")))
            .Lower(context, node, node.Inputs[0], node.Outputs[0]);

    private static long[] Repeats(Node node, Tensor repeats)
    {
        if (repeats.Int64s == null || repeats.Shape.Length != 1) throw InvalidGraph(node, $"its repeats must be a 1-D int64 tensor, not {repeats}.");
        return repeats.Int64s;
    }

    private static ElementMap Map(Node node, int[] input, long[] repeats)
    {
        if (repeats.Length != input.Length)
            throw ShapeError(node, $"its repeats [{string.Join(",", repeats)}] have {repeats.Length} values for an input of {input.Length} dimensions {ShapeMath.Format(input)}.");
        if (repeats.Any(r => r < 0)) throw InvalidGraph(node, $"its repeats [{string.Join(",", repeats)}] hold a negative value.");
        int[] output = input.Select((n, d) => checked(n * (int)repeats[d])).ToArray();
        var coordinates = output.Select((n, d) => Enumerable.Range(0, n).Select(i => i % input[d]).ToArray()).ToArray();
        return new ElementMap(output, Enumerable.Range(0, input.Length).ToArray(), coordinates);
    }
}
