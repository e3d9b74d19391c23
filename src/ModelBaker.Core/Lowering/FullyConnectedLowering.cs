using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Lowering;

/// <summary>What Gemm, MatMul and a following bias Add share: building and growing a fully connected step.</summary>
public static class FullyConnectedLowering
{
    public static void Add(LoweringContext context, Node node, string input, int rows, int depth, int rowStride, int columnStride,
        float[] weights, float[] bias) =>
        context.Add(new FullyConnectedFloat(node.Describe(), context.Slice(input), context.Slice(node.Outputs[0]), rows, depth,
            rowStride, columnStride, weights, bias, float.NegativeInfinity, float.PositiveInfinity));

    /// <summary>
    /// C's values as one per unit when C broadcasts to [rows, units] without varying along rows (or there is one row);
    /// null otherwise.
    /// </summary>
    public static float[]? PerUnitBias(Tensor c, int rows, int units)
    {
        int[] shape = c.Shape;
        bool perUnit = shape.Length == 0 || shape.Take(shape.Length - 1).All(d => d == 1) && (shape[shape.Length - 1] == units || shape[shape.Length - 1] == 1);
        bool wholeSingleRow = rows == 1 && c.Length == units;
        if (!perUnit && !wholeSingleRow) return null;
        var data = c.AsFloats();
        return data.Length == units ? data : Enumerable.Repeat(data[0], units).ToArray();
    }

    /// <summary>Folds a constant per-unit addend into the bias of the step writing <paramref name="input"/>; false if it cannot.</summary>
    public static bool TryFuseBias(LoweringContext context, Node node, string input, Tensor addend)
    {
        if (context.FusableProducer(input) is not FullyConnectedFloat fc) return false;
        if (ShapeMath.Length(context.Shape(node.Outputs[0])) != fc.Output.Length) return false; // the Add broadcasts wider
        var bias = PerUnitBias(addend, fc.Rows, fc.Units);
        if (bias == null) return false;
        context.Replace(fc, new FullyConnectedFloat(fc.Source + " + " + node.Describe(), fc.Input, context.Slice(node.Outputs[0]),
            fc.Rows, fc.Depth, fc.RowStride, fc.ColumnStride, fc.Weights, fc.Bias.Zip(bias, (x, y) => x + y).ToArray(),
            fc.ActivationMin, fc.ActivationMax));
        return true;
    }
}
