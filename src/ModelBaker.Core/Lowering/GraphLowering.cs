using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Lowering;

/// <summary>
/// Turns a shape-inferred, constant-folded graph into float plan steps: each node's operator lowers itself
/// (<see cref="IOperator.Lower"/>), fusing into the step before it where that is exact — a bias Add or a Relu into
/// the fully connected step that feeds it — and reshaping ops become no step at all.
/// </summary>
public static class GraphLowering
{
    public sealed record Result(IReadOnlyList<PlanTensor> Inputs, IReadOnlyList<PlanTensor> Outputs, IReadOnlyList<FloatKernel> Kernels);

    public static Result Lower(Graph graph)
    {
        var context = new LoweringContext(graph);
        var inputs = graph.Inputs.Select(name => Tensor(context, name)).ToList();
        foreach (var node in graph.Nodes)
        {
            var op = OperatorRegistry.Find(node.OpType)
                ?? throw new BakeException(ErrorCodes.UnsupportedOperators, $"Node {node.Describe()} has no kernel in this version of ModelBaker.");
            op.Lower(node, context);
        }
        var outputs = graph.Outputs.Select(name =>
        {
            if (graph[name].IsConstant)
                throw new BakeException(ErrorCodes.InvalidGraph, $"Graph output '{name}' does not depend on any input: it is a constant. Remove it from the model's outputs.");
            return Tensor(context, name);
        }).ToList();
        return new Result(inputs, outputs, context.Kernels.ToList());
    }

    private static PlanTensor Tensor(LoweringContext context, string name) =>
        new(name, context.Graph[name].Type, context.Shape(name), context.Slice(name));
}
