using System.Collections.Generic;
using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Operators;

/// <summary>
/// An operator that shape inference replaces, as soon as its inputs' shapes are known, by ordinary nodes computing the
/// same thing (Scan: its body once per iteration). Every later pass — constant folding, pruning, lowering, int8,
/// nanoFramework — then sees only those nodes, so the operator needs no step of its own. Its
/// <see cref="IOperator.InferShapes"/>, <see cref="IOperator.Evaluate"/> and <see cref="IOperator.Lower"/> are never
/// reached through the passes.
/// </summary>
public interface IExpansion
{
    /// <summary>
    /// The nodes replacing <paramref name="node"/>, in order; they write the node's outputs, and the intermediate values
    /// and constants they need are added to <paramref name="graph"/> (types and shapes left to shape inference).
    /// Throws a coded <see cref="Diagnostics.BakeException"/> for what cannot be expanded.
    /// </summary>
    IReadOnlyList<Node> Expand(Node node, Graph graph);
}
