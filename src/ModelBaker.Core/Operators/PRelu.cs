using System.Collections.Generic;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>Y = X for X ≥ 0, slope · X otherwise; the slope broadcasts to X (one way: Y has X's shape).</summary>
public sealed class PRelu : BinaryOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public override string OpType => "PRelu";

    public override OperatorSupport Support => new(OperatorFamily.Activations, 7, "slope broadcast one way to X (constant or computed); one element-wise step", Int8Form.Integer, "an integer step", Nano: true);

    protected override BinaryOperation Operation => BinaryOperation.PRelu;

    protected override int[] OutputShape(Node node, int[] x, int[] slope)
    {
        var shape = ShapeMath.Broadcast(x, slope);
        if (shape == null || !System.Linq.Enumerable.SequenceEqual(shape, x))
            throw ShapeError(node, $"the slope {ShapeMath.Format(slope)} does not broadcast to X {ShapeMath.Format(x)}: " +
                                   "aligned from the right, each slope dimension must equal X's or be 1.");
        return x;
    }
}
