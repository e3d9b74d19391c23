using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;

namespace ModelBaker.Core.Passes;

/// <summary>
/// Turns a shape-inferred, constant-folded graph into float plan steps: each node's operator lowers itself
/// (<see cref="IOperator.Lower"/>), fusing into the step before it where that is exact — a bias Add or a Relu into
/// the fully connected step that feeds it — and reshaping ops become no step at all.
/// </summary>
public static class GraphLowering
{
    public sealed record Result(IReadOnlyList<PlanTensor> Inputs, IReadOnlyList<PlanTensor> Outputs, IReadOnlyList<FloatKernel> Kernels)
    {
        /// <summary>Each value's arena place, by value name.</summary>
        public IReadOnlyDictionary<string, ArenaSlice> Slices { get; init; } = new Dictionary<string, ArenaSlice>();
    }

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
        // An output known at bake time (a Shape, a Constant) is written by one step copying the baked data.
        foreach (string name in graph.Outputs.Where(name => graph[name].IsConstant).Distinct())
            context.Add(new Kernels.Concat($"constant output '{name}'",
                new[] { new Kernels.ConcatPart(null, TensorArrays.ToArray(graph[name].Constant!, graph[name].Type), graph[name].Constant!.Length) },
                context.Slice(name)));
        var outputs = graph.Outputs.Select(name => Tensor(context, name)).ToList();
        return new Result(inputs, outputs, context.Kernels.ToList()) { Slices = context.Slices.ToDictionary(p => p.Key, p => p.Value) };
    }

    /// <summary>A double or float16 input or output is a float32 slice that Predict converts (<see cref="Value.DeclaredType"/>).</summary>
    private static PlanTensor Tensor(LoweringContext context, string name) =>
        new(name, context.Graph[name].DeclaredType ?? context.Graph[name].Type, context.Shape(name), context.Slice(name));
}
