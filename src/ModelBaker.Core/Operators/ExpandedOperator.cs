using System.Collections.Generic;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;

namespace ModelBaker.Core.Operators;

/// <summary>
/// An operator that is nothing but its <see cref="IExpansion"/>: shape inference replaces its node by the nodes it
/// writes, so its shape rules, evaluation and lowering are those nodes' and are never reached here.
/// </summary>
public abstract class ExpandedOperator : IOperator, IExpansion
{
    public abstract string OpType { get; }

    public abstract OperatorSupport Support { get; }

    public abstract IReadOnlyList<Node> Expand(Node node, Graph graph);

    public void InferShapes(Node node, Graph graph) => throw NotExpanded(node);

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset) => throw NotExpanded(node);

    public void Lower(Node node, LoweringContext context) => throw NotExpanded(node);

    private static BakeException NotExpanded(Node node) =>
        new(ErrorCodes.InternalError, $"Node {node.Describe()} should have been expanded by shape inference before it is run or lowered.");
}
