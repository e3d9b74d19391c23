using ModelBaker.Core.Codegen;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using ModelBaker.Core.Generation;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// In-place steps: an element-wise step whose input dies there writes over it, so a chain of them needs one buffer;
/// an input still needed later is never overwritten.
/// </summary>
public sealed class InPlacePlanningTests
{
    [Fact]
    public void A_chain_of_element_wise_steps_runs_in_one_buffer_at_the_lower_bound()
    {
        var graph = new GraphBuilder(13).Input("x", 1, 32)
            .Node("Sigmoid", new[] { "x" }, new[] { "a" })
            .Node("Tanh", new[] { "a" }, new[] { "b" })
            .Node("HardSwish", new[] { "b" }, new[] { "y" })
            .Output("y").Graph;
        var plan = NanoGraphTests.BakeNano(graph);
        Assert.All(plan.Kernels, k => Assert.Equal(k.InPlaceInput!.Offset, k.Output.Offset));
        Assert.Equal(32, plan.ArenaBytes);
        Assert.Equal(32, ClassEmitter.LowerBoundBytes(plan));
    }

    [Fact]
    public void An_input_read_after_the_step_is_not_overwritten()
    {
        var graph = new GraphBuilder(13).Input("x", 1, 16)
            .Node("Sigmoid", new[] { "x" }, new[] { "s" })
            .Node("Mul", new[] { "x", "s" }, new[] { "y" }) // x is still needed here: Sigmoid cannot write over it
            .Output("y").Graph;
        var plan = NanoGraphTests.BakeNano(graph);
        var sigmoid = plan.Kernels[0];
        Assert.NotEqual(sigmoid.InPlaceInput!.Offset, sigmoid.Output.Offset);
        // Mul may write over x or s (both die there): two 16-byte tensors at most, which is also the bound.
        Assert.Equal(32, plan.ArenaBytes);
        Assert.Equal(32, ClassEmitter.LowerBoundBytes(plan));
    }

    [Fact]
    public void A_broadcast_operand_is_never_written_over()
    {
        var graph = new GraphBuilder(13).Input("x", 4, 1)
            .Node("Sigmoid", new[] { "x" }, new[] { "s" })
            .Node("Tanh", new[] { "x" }, new[] { "t" })
            .Node("Reshape", new[] { "t", "shape" }, new[] { "row" })
            .Constant("shape", T.I(T.S(2), 1, 4))
            .Node("Add", new[] { "s", "row" }, new[] { "y" }) // [4,1] + [1,4] → [4,4]: neither operand is read element-wise
            .Output("y").Graph;
        var plan = NanoGraphTests.BakeNano(graph);
        var add = plan.Kernels.Last();
        Assert.Null(add.InPlaceInput);
    }
}
