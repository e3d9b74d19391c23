using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Operators;

namespace ModelBaker.Cli.Conformance;

/// <summary>
/// Conformance models pass weights and shape parameters as graph inputs (a Conv's W, a Reshape's shape), where a
/// real model has initializers. ModelBaker needs those constant at bake time, so the runner binds such an input to
/// its test data when every node reading it reads it in a position its operator declares (IBakeTimeInputs) — as an exporter would have.
/// </summary>
public static class BakeTimeInputs
{
    /// <summary>Graph inputs to bind: read by at least one node, and only in bake-time positions.</summary>
    public static IReadOnlyList<string> Find(Graph graph) =>
        graph.Inputs.Where(name =>
        {
            var uses = graph.Nodes.SelectMany(n => n.Inputs.Select((input, position) => (Node: n, Input: input, Position: position)))
                .Where(u => u.Input == name).ToList();
            return uses.Count > 0 && uses.All(u => OperatorRegistry.Find(u.Node.OpType) is IBakeTimeInputs op && op.BakeTimeInputs.Contains(u.Position));
        }).ToList();
}
