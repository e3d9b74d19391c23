using System;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Passes;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// The input's shape as a 1-D int64 tensor, dimensions start..end (opset 15; negative counts from the end, clamped to
/// the rank). Shapes are static at bake time, so the result is always a bake-time constant and the node never runs.
/// </summary>
public sealed class Shape : IOperator
{
    public string OpType => "Shape";

    public OperatorSupport Support { get; } = new(OperatorFamily.ShapePatterns, 1, "start and end (opset 15); always folded at bake time (shapes are static)", Int8Form.BakeTime, "", Nano: true);

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        // Known now, whether or not the data is: later shape rules (a Reshape's target) need it.
        if (node.Outputs.Count > 0 && node.Outputs[0].Length > 0)
        {
            SetOutput(node, graph, 0, ElementType.Int64, new[] { 0 });
            FoldedConstants.Set(graph.Values[node.Outputs[0]], Of(node, InputShape(node, graph, 0)));
        }
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset) => new[] { Of(node, Required(node, inputs, 0).Shape) };

    private static Tensor Of(Node node, int[] shape)
    {
        int rank = shape.Length;
        long Clamp(long i) => Math.Max(0, Math.Min(rank, i < 0 ? i + rank : i));
        long start = Clamp(node.GetInt("start", 0)), end = Clamp(node.GetInt("end", rank));
        var dims = shape.Skip((int)start).Take((int)Math.Max(0, end - start)).Select(d => (long)d).ToArray();
        return Tensor.FromInt64s(new[] { dims.Length }, dims);
    }

    /// <summary>Nothing runs: shape inference made the output a constant and constant folding removed the node.</summary>
    public void Lower(Node node, LoweringContext context) { }
}
