using System.Collections.Generic;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// CastLike (opset 15): a Cast of input 0 to the element type of input 1, whose values are not read. Shape inference
/// knows that type, so the node becomes a <see cref="Cast"/> (<see cref="IExpansion"/>) and everything after sees a Cast.
/// </summary>
public sealed class CastLike : ExpandedOperator
{
    public override string OpType => "CastLike";

    public override OperatorSupport Support { get; } = new(OperatorFamily.ShapePatterns, 15, "a Cast to the second input's element type (its values are not read)", Int8Form.Integer, "as Cast", Nano: true)
    {
        NanoDetails = "as Cast",
        Refuses = new[] { "as Cast" },
    };

    public override IReadOnlyList<Node> Expand(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 2);
        if (node.Outputs.Count != 1) throw InvalidGraph(node, $"it has {node.Outputs.Count} outputs; CastLike has one.");
        var writer = new ExpansionWriter(node, graph);
        writer.Add("Cast", "Cast", new[] { node.Inputs[0] }, node.Outputs, GraphAttribute.Int("to", (long)(Input(node, graph, 1).DeclaredType ?? Input(node, graph, 1).Type)));
        return writer.Nodes;
    }
}
