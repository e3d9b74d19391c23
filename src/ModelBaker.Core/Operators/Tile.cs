using System.Linq;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Tile: the input repeated repeats[d] times along each axis d, the repeats constant — output coordinate i reads input
/// coordinate i mod (input dimension) (see <see cref="RemappedOperator"/>).
/// </summary>
public sealed class Tile : RemappedOperator
{
    public override string OpType => "Tile";

    public override OperatorSupport Support { get; } = new(OperatorFamily.DataMovement, 6, "constant repeats per axis; any element type; one Remap step", Int8Form.Integer, "the int8 values moved", Nano: true)
    {
        Refuses = new[] { "repeats computed at run time" },
    };

    protected override string ArgumentRole => "repeats";

    private protected override (ElementMap Map, int[] View) Map(Node node, int[] input, long[] repeats)
    {
        if (repeats.Length != input.Length)
            throw ShapeError(node, $"its repeats [{string.Join(",", repeats)}] have {repeats.Length} values for an input of {input.Length} dimensions {ShapeMath.Format(input)}.");
        if (repeats.Any(r => r < 0)) throw InvalidGraph(node, $"its repeats [{string.Join(",", repeats)}] hold a negative value.");
        int[] output = input.Select((n, d) => checked(n * (int)repeats[d])).ToArray();
        var coordinates = output.Select((n, d) => Enumerable.Range(0, n).Select(i => i % input[d]).ToArray()).ToArray();
        return (new ElementMap(output, Enumerable.Range(0, input.Length).ToArray(), coordinates), input);
    }
}
