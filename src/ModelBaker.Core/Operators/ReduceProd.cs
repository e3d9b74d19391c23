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
        new(OperatorFamily.Reductions, 1, Described(18, "product"),
            Int8Form.FloatIsland, "a product of floats spans more orders of magnitude than one int8 scale covers (integer tensors: the same integer step)", Nano: false)
        {
            NanoDetails = "integer tensors: yes (int8, uint8, int16, uint16, int32, uint32, int64, uint64)",
            Refuses = new[] { "axes computed at run time" },
        };

    protected override ReduceOperation Operation => ReduceOperation.Product;
}
