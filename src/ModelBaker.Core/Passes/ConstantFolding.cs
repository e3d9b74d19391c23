using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Operators;

namespace ModelBaker.Core.Passes;

/// <summary>
/// Evaluates, at build time, every node whose inputs are all constants (shape arithmetic, reshaped or
/// transposed weights, ...): its outputs become constants and the node leaves the graph, so the baked code
/// neither computes nor stores it. Constants that only folded nodes read are dropped afterwards.
/// Shape inference does the evaluating, in node order (later shape rules need the data); this pass removes
/// every node whose outputs are all known — including Shape, whose result depends on static shapes only.
/// </summary>
public static class ConstantFolding
{
    /// <summary>Infers shapes (and so validates the graph and evaluates constant nodes), then removes the folded nodes.</summary>
    public static void Run(Graph graph)
    {
        ShapeInference.Run(graph);
        var folded = graph.Nodes.Where(node => IsFolded(graph, node)).ToList();
        if (folded.Count == 0) return;

        graph.Nodes.RemoveAll(folded.Contains);
        RemoveUnused(graph, folded.SelectMany(n => n.Inputs.Concat(n.Outputs)));
    }

    /// <summary>Every output it writes is known at bake time.</summary>
    private static bool IsFolded(Graph graph, Node node) =>
        node.Outputs.All(name => name.Length == 0 || FoldedConstants.IsFolded(graph.Values[name]));

    private static void RemoveUnused(Graph graph, IEnumerable<string> candidates)
    {
        var used = new HashSet<string>(graph.Nodes.SelectMany(n => n.Inputs).Concat(graph.Outputs).Concat(graph.Inputs));
        foreach (string name in candidates.Distinct().ToList())
            if (name.Length > 0 && !used.Contains(name)) graph.Values.Remove(name);
    }
}
