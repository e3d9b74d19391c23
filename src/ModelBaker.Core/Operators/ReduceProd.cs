using System.Collections.Generic;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Operators;

/// <summary>Product over the reduced axes (see <see cref="ReduceOperator"/>); int8 plans run it in a float island.</summary>
public sealed class ReduceProd : ReduceOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    public override string OpType => "ReduceProd";

    public override OperatorSupport Support =>
        new(OperatorFamily.Reductions, 1, "product over any axes (an attribute, a constant input from opset 18); keepdims, noop_with_empty_axes; one reduce step",
            Int8Form.FloatIsland, "a product spans more orders of magnitude than one int8 scale covers", Nano: false)
        { Refuses = new[] { "axes computed at run time" } };

    protected override ReduceOperation Operation => ReduceOperation.Product;
}
