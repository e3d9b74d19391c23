using System;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;

namespace ModelBaker.Core.Operators;

/// <summary>
/// What Transpose, Slice, Gather and Pad have in common: for each axis of an iteration shape (the output's, or for
/// Gather the output's with the index dimensions flattened into one), the input coordinate each coordinate reads
/// along one input axis, or −1 for "the padding value". The float reference applies it element by element; lowering
/// turns it into one <see cref="Remap"/> step — the same maps, so the spec and the step cannot disagree on indexing.
/// </summary>
internal sealed class ElementMap
{
    /// <param name="shape">The iteration shape; row-major, it orders the output elements.</param>
    /// <param name="inputAxes">For each iteration axis, the input axis its coordinates move along.</param>
    /// <param name="coordinates">For each iteration axis, the input coordinate of each of its coordinates (−1: padding).</param>
    public ElementMap(int[] shape, int[] inputAxes, int[][] coordinates)
    {
        Shape = shape;
        InputAxes = inputAxes;
        Coordinates = coordinates;
    }

    public int[] Shape { get; }
    public int[] InputAxes { get; }
    public int[][] Coordinates { get; }

    /// <summary>The identity along one axis of size <paramref name="n"/>.</summary>
    public static int[] Identity(int n) => Enumerable.Range(0, n).ToArray();

    /// <summary>Per iteration axis, the input offset each coordinate contributes (−1: padding).</summary>
    public int[] Offsets(int[] inputShape)
    {
        int[] strides = ShapeMath.Strides(inputShape);
        return Remap.Tables(Coordinates, InputAxes.Select(a => strides[a]).ToArray());
    }

    /// <summary>The reference: the mapped tensor, with <paramref name="outputShape"/> (same element count as the iteration shape).</summary>
    public Tensor Apply(Tensor input, int[] outputShape, float floatPadding = 0, long integerPadding = 0)
    {
        int[] offsets = Offsets(input.Shape);
        int length = ShapeMath.Length(Shape);
        var sources = new int[length];
        int[] starts = new int[Shape.Length];
        for (int d = 1; d < Shape.Length; d++) starts[d] = starts[d - 1] + Shape[d - 1];
        for (int i = 0; i < length; i++)
        {
            int source = 0, rest = i;
            for (int d = Shape.Length - 1; d >= 0 && source >= 0; d--)
            {
                int offset = offsets[starts[d] + rest % Shape[d]];
                rest /= Shape[d];
                source = offset < 0 ? -1 : source + offset;
            }
            sources[i] = source;
        }
        if (input.Floats != null)
            return Tensor.FromFloats(outputShape, sources.Select(s => s < 0 ? floatPadding : input.Floats[s]).ToArray());
        return Tensor.FromInt64s(outputShape, sources.Select(s => s < 0 ? integerPadding : input.Int64s![s]).ToArray(), input.Type);
    }

    /// <summary>
    /// One Remap step from <paramref name="input"/> to <paramref name="output"/>; a scalar iteration is viewed as [1].
    /// <paramref name="inputShape"/> views the input with another shape of the same row-major layout (default: its own).
    /// </summary>
    public void Lower(LoweringContext context, Node node, string input, string output, Tensor? padding = null, int[]? inputShape = null)
    {
        var type = context.Graph[input].Type;
        int[] offsets = Offsets(inputShape ?? context.Shape(input));
        int[] shape = Shape;
        if (shape.Length == 0) (shape, offsets) = (new[] { 1 }, new[] { 0 });
        var pad = padding != null ? TensorArrays.ToArray(padding, type) : Array.CreateInstance(TensorArrays.ClrType(type), 1);
        context.Add(new Remap(node.Describe(), context.Slice(input), context.Slice(output), shape, offsets, pad));
    }
}
