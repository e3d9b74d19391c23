using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// A constant tensor from exactly one of the attributes value (a tensor), value_float, value_floats, value_int or
/// value_ints (scalars are 0-D, lists 1-D). Strings and sparse tensors are not supported. Always folds at bake time.
/// </summary>
public sealed class Constant : IOperator
{
    public string OpType => "Constant";

    public OperatorSupport Support { get; } = new(OperatorFamily.ShapePatterns, 1, "value (a numeric tensor), value_float(s), value_int(s); always folded at bake time", Int8Form.BakeTime, "", Nano: true)
    {
        Refuses = new[] { "value_string(s) and sparse_value" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireNoInputs(node);
        var value = Value(node);
        SetOutput(node, graph, 0, value.Type, value.Shape);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset) => new[] { Value(node) };

    private static void RequireNoInputs(Node node)
    {
        if (node.Inputs.Count > 0) throw InvalidGraph(node, $"it has {node.Inputs.Count} inputs; Constant takes none.");
    }

    private static Tensor Value(Node node)
    {
        if (node.Attributes.Count != 1)
            throw InvalidGraph(node, $"it has {node.Attributes.Count} attributes; Constant takes exactly one value attribute.");
        foreach (var a in node.Attributes.Values)
        {
            switch (a.Name)
            {
                case "value" when a.Tensor != null: return a.Tensor;
                case "value_float": return Tensor.FromFloats(new int[0], new[] { a.Float });
                case "value_floats" when a.Floats != null: return Tensor.FromFloats(new[] { a.Floats.Length }, (float[])a.Floats.Clone());
                case "value_int": return Tensor.FromInt64s(new int[0], new[] { a.Int });
                case "value_ints" when a.Ints != null: return Tensor.FromInt64s(new[] { a.Ints.Length }, (long[])a.Ints.Clone());
            }
            throw UnsupportedUsage(node, $"its value is given as '{a.Name}'.",
                "Only value (a numeric tensor), value_float(s) and value_int(s) are supported; give strings and sparse tensors another way.");
        }
        throw InvalidGraph(node, "it has no value.");
    }

    /// <summary>Nothing runs: a node without inputs folds at bake time.</summary>
    public void Lower(Node node, LoweringContext context) { }
}
