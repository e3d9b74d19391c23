using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Plan;

public sealed class MemoryPlannerTests
{
    private static UnaryFloat Step(ArenaSlice input, ArenaSlice output) => new("test", UnaryFunction.Relu, input, output);

    [Fact]
    public void ChainReusesMemoryDownToTheLargestPairOfLiveTensors()
    {
        // a(100) → b(300) → c(50) → d(200): the live pairs are 400, 350, 250; the plan needs the largest.
        var a = new ArenaSlice("a", 100); var b = new ArenaSlice("b", 300); var c = new ArenaSlice("c", 50); var d = new ArenaSlice("d", 200);
        var kernels = new Kernel[] { Step(a, b), Step(b, c), Step(c, d) };
        int length = MemoryPlanner.Place(new[] { new PlanTensor("a", new[] { 100 }, a) }, new[] { new PlanTensor("d", new[] { 200 }, d) }, kernels);
        Assert.Equal(400, length);
        AssertNoLiveOverlap(kernels);
    }

    [Fact]
    public void DigitsArenaEqualsItsLowerBound()
    {
        var plan = SampleModels.Digits(0.5f);
        // Largest sum of a step's input and output: 64 + 128 = 192 int8 values.
        int lowerBound = plan.Kernels.Max(k => k.Reads.Sum(r => r.Length) + k.Output.Length);
        Assert.Equal(lowerBound, plan.ArenaLength);
        AssertNoLiveOverlap(plan.Kernels);
    }

    private static void AssertNoLiveOverlap(IReadOnlyList<Kernel> kernels)
    {
        foreach (var k in kernels)
            foreach (var read in k.Reads)
                Assert.True(read.End <= k.Output.Offset || k.Output.End <= read.Offset, $"{read} overlaps {k.Output}");
    }
}
