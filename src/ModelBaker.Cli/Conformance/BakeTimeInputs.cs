using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;

namespace ModelBaker.Cli.Conformance;

/// <summary>
/// Conformance models pass weights and shape parameters as graph inputs (a Conv's W, a Reshape's shape), where a
/// real model has initializers. ModelBaker needs those constant at bake time, so the runner binds such an input to
/// its test data when every node reading it reads it in one of these positions — as an exporter would have.
/// </summary>
public static class BakeTimeInputs
{
    private static readonly Dictionary<string, int[]> Positions = new()
    {
        ["Conv"] = new[] { 1, 2 },
        ["ConvInteger"] = new[] { 1, 2, 3 },
        ["Gemm"] = new[] { 1, 2 },
        ["MatMul"] = new[] { 1 },
        ["MatMulInteger"] = new[] { 1, 2, 3 },
        ["QLinearConv"] = new[] { 1, 2, 3, 4, 5, 6, 7, 8 },
        ["QLinearMatMul"] = new[] { 1, 2, 3, 4, 5, 6, 7 },
        ["QuantizeLinear"] = new[] { 1, 2 },
        ["DequantizeLinear"] = new[] { 1, 2 },
        ["BatchNormalization"] = new[] { 1, 2, 3, 4 },
        ["PRelu"] = new[] { 1 },
        ["Clip"] = new[] { 1, 2 },
        ["Reshape"] = new[] { 1 },
        ["Slice"] = new[] { 1, 2, 3, 4 },
        ["Gather"] = new[] { 1 },
        ["Pad"] = new[] { 1, 2, 3 },
        ["Squeeze"] = new[] { 1 },
        ["Unsqueeze"] = new[] { 1 },
        ["ReduceMean"] = new[] { 1 },
        ["ReduceMax"] = new[] { 1 },
        ["ConstantOfShape"] = new[] { 0 },
        ["Dropout"] = new[] { 1, 2 },
    };

    /// <summary>Graph inputs to bind: read by at least one node, and only in bake-time positions.</summary>
    public static IReadOnlyList<string> Find(Graph graph) =>
        graph.Inputs.Where(name =>
        {
            var uses = graph.Nodes.SelectMany(n => n.Inputs.Select((input, position) => (Node: n, Input: input, Position: position)))
                .Where(u => u.Input == name).ToList();
            return uses.Count > 0 && uses.All(u => Positions.TryGetValue(u.Node.OpType, out var p) && p.Contains(u.Position));
        }).ToList();
}
