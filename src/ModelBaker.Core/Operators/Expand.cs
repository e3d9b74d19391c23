using System;
using System.Linq;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Expand: the input broadcast (numpy's two-way rule) with a constant shape — each output element reads the input
/// element its coordinates broadcast to (see <see cref="RemappedOperator"/>).
/// </summary>
public sealed class Expand : RemappedOperator
{
    public override string OpType => "Expand";

    public override OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 8, "the input broadcast with a constant shape (numpy's two-way rule); any element type; one Remap step", Int8Form.Integer, "the int8 values moved", Nano: true)
    {
        Refuses = new[] { "a shape computed at run time" },
    };

    protected override string ArgumentRole => "shape";

    /// <summary>Over the input viewed with the output's rank (leading 1s): coordinate 0 along the dimensions it broadcasts.</summary>
    private protected override (ElementMap Map, int[] View) Map(Node node, int[] input, long[] target)
    {
        int rank = Math.Max(input.Length, target.Length);
        int[] view = Enumerable.Repeat(1, rank - input.Length).Concat(input).ToArray();
        var output = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            long t = d < rank - target.Length ? 1 : target[d - (rank - target.Length)];
            if (t < 0 || (view[d] != t && view[d] != 1 && t != 1))
                throw ShapeError(node, $"its input {ShapeMath.Format(input)} does not broadcast with the shape [{string.Join(",", target)}].");
            output[d] = view[d] == 1 ? (int)t : view[d];
        }
        var coordinates = output.Select((n, d) => view[d] == 1 ? new int[n] : ElementMap.Identity(n)).ToArray();
        return (new ElementMap(output, Enumerable.Range(0, rank).ToArray(), coordinates), view);
    }
}
