using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Plan;

public sealed class MemoryPlannerTests
{
    private static UnaryFloat Step(ArenaSlice input, ArenaSlice output) => new("test", UnaryFunction.Relu, input, output);

    [Fact]
    public void Chain_reuses_memory_down_to_the_largest_pair_of_live_tensors()
    {
        // a(100) → b(300) → c(50) → d(200): the live pairs are 400, 350, 250; the plan needs the largest.
        ArenaSlice Slice(string name, int length) => new(name, ElementType.Float32, length);
        var a = Slice("a", 100); var b = Slice("b", 300); var c = Slice("c", 50); var d = Slice("d", 200);
        var kernels = new Kernel[] { Step(a, b), Step(b, c), Step(c, d) };
        var lengths = MemoryPlanner.Place(new[] { new PlanTensor("a", ElementType.Float32, new[] { 100 }, a) },
            new[] { new PlanTensor("d", ElementType.Float32, new[] { 200 }, d) }, kernels);
        Assert.Equal(400, lengths[ElementType.Float32]);
        AssertNoLiveOverlap(kernels);
    }

    [Fact]
    public void Digits_arena_equals_its_lower_bound()
    {
        var plan = SampleModels.Digits(0.5f);
        // Largest sum of a step's input and output: 64 + 128 = 192 int8 values.
        int lowerBound = plan.Kernels.Max(k => k.Reads.Sum(r => r.Length) + k.Output.Length);
        Assert.Equal(lowerBound, plan.ArenaLengths[ElementType.Int8]);
        Assert.Equal(new[] { ElementType.Int8 }, plan.ArenaLengths.Keys);
        AssertNoLiveOverlap(plan.Kernels);
    }

    private static void AssertNoLiveOverlap(IReadOnlyList<Kernel> kernels)
    {
        foreach (var k in kernels)
            foreach (var read in k.Reads)
                Assert.True(read.End <= k.Output.Offset || k.Output.End <= read.Offset, $"{read} overlaps {k.Output}");
    }
}
