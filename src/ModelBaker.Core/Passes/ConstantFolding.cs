using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Operators;

namespace ModelBaker.Core.Passes;

/// <summary>
/// Evaluates, at build time, every node whose inputs are all constants (shape arithmetic, reshaped or
/// transposed weights, ...): its outputs become constants and the node leaves the graph, so the baked code
/// neither computes nor stores it. Constants that only folded nodes read are dropped afterwards.
/// </summary>
public static class ConstantFolding
{
    /// <summary>Infers shapes (and so validates the graph) first, then folds in node order.</summary>
    public static void Run(Graph graph)
    {
        ShapeInference.Run(graph);
        var folded = new List<Node>();
        foreach (var node in graph.Nodes)
        {
            if (!IsFoldable(graph, node)) continue;
            var op = OperatorRegistry.Find(node.OpType)!;
            var inputs = node.Inputs.Select(name => name.Length == 0 ? null : graph.Values[name].Constant).ToArray();
            var results = op.Evaluate(node, inputs, graph.Opset);
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                if (node.Outputs[i].Length == 0) continue;
                var value = graph.Values[node.Outputs[i]];
                value.Constant = results[i];
                value.Type = results[i].Type;
                value.Shape = results[i].Shape;
            }
            folded.Add(node);
        }
        if (folded.Count == 0) return;

        graph.Nodes.RemoveAll(folded.Contains);
        RemoveUnused(graph, folded.SelectMany(n => n.Inputs.Concat(n.Outputs)));
    }

    /// <summary>
    /// All inputs constant. A graph input is never constant even if an initializer gives it a default: the
    /// caller may feed it. Nodes without inputs are left alone (nothing to fold from).
    /// </summary>
    private static bool IsFoldable(Graph graph, Node node) =>
        node.Inputs.Any(name => name.Length > 0) &&
        node.Inputs.All(name => name.Length == 0 || (graph.Values[name].IsConstant && !graph.Inputs.Contains(name)));

    private static void RemoveUnused(Graph graph, IEnumerable<string> candidates)
    {
        var used = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs).Concat(graph.Inputs));
        foreach (string name in candidates.Distinct().ToList())
            if (name.Length > 0 && !used.Contains(name)) graph.Values.Remove(name);
    }
}
