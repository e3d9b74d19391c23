using System.Linq;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Lowering;

/// <summary>What Gemm and MatMul share: a fully connected step from weights already in [units, depth] layout.</summary>
public static class FullyConnectedLowering
{
    public static void Add(LoweringContext context, Node node, string input, int rows, int depth, int rowStride, int columnStride,
        float[] weights, float[] bias) =>
        Add(context, node, input, context.Slice(node.Outputs[0]), rows, depth, rowStride, columnStride, FloatWeights.Dense(weights, bias.Length, depth), bias);

    /// <summary>The same step writing to <paramref name="output"/> (a place of its own when more follows, as Gemm's row-wise C).</summary>
    public static void Add(LoweringContext context, Node node, string input, ArenaSlice output, int rows, int depth, int rowStride, int columnStride,
        FloatWeights weights, float[] bias) =>
        context.Add(new FullyConnectedFloat(node.Describe(), context.Slice(input), output, rows, depth,
            rowStride, columnStride, weights, bias, float.NegativeInfinity, float.PositiveInfinity));
}
