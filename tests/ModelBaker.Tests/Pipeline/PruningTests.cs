using ModelBaker.Core.Compression;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Pipeline;

public sealed class PruningTests
{
    [Theory]
    [InlineData(0.5f, 1000)]
    [InlineData(0.3f, 777)]
    [InlineData(0.9f, 64)]
    [InlineData(0.0f, 10)]
    public void Prune_zeroes_exactly_the_requested_share_of_smallest_weights(float sparsity, int count)
    {
        var random = new Random(count);
        var weights = Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var original = (float[])weights.Clone();
        MagnitudePruning.Prune(weights, sparsity);

        int zeros = weights.Count(w => w == 0f);
        Assert.InRange(zeros, sparsity * count - 1, sparsity * count + 1);
        float largestPruned = original.Where((_, i) => weights[i] == 0f).Select(Math.Abs).DefaultIfEmpty(0f).Max();
        float smallestKept = weights.Where(w => w != 0f).Select(Math.Abs).DefaultIfEmpty(float.MaxValue).Min();
        Assert.True(largestPruned <= smallestKept);
        Assert.All(weights.Where(w => w != 0f), w => Assert.Contains(w, original));
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.75f)]
    public void Uniform_pruning_gives_every_layer_of_the_baked_digits_model_the_sparsity(float sparsity)
    {
        // Reconstruction may re-choose which weights each unit keeps, never how many.
        var plan = Baker.Bake(SampleModels.DigitsOptions(sparsity, Precision.Float32) with { Pruning = PruningMode.Uniform }, new RecordingLog());
        foreach (var layer in plan.Kernels.OfType<FullyConnectedFloat>())
        {
            int zeros = layer.Weights.Count(w => w == 0f);
            Assert.InRange(zeros, sparsity * layer.Weights.Length - 1, sparsity * layer.Weights.Length + 1);
        }
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.75f)]
    public void Default_pruning_reaches_the_sparsity_over_all_weights_of_the_baked_digits_model(float sparsity)
    {
        var plan = Baker.Bake(SampleModels.DigitsOptions(sparsity, Precision.Float32), new RecordingLog());
        var layers = plan.Kernels.OfType<FullyConnectedFloat>().ToList();
        int total = layers.Sum(l => l.Weights.Length);
        Assert.Equal((int)Math.Round(sparsity * total, MidpointRounding.AwayFromZero), layers.Sum(l => l.Weights.Count(w => w == 0f)));
        // The 64×10 classifier reads 64 weights per unit; the 64×128 and 128×64 layers are more redundant and give more.
        Assert.True(layers[2].Weights.Count(w => w == 0f) < sparsity * layers[2].Weights.Length);
    }

    [Fact]
    public void Reconstruction_never_makes_the_calibration_error_worse()
    {
        var calibration = ModelBaker.Core.Calibration.NpyReader.Read(SampleModels.DigitsCalibration);
        var samples = Enumerable.Range(0, calibration.Shape[0]).Select(i => calibration.AsFloats().Skip(i * 64).Take(64).ToArray()).ToList();
        var reference = Baker.Bake(SampleModels.DigitsOptions(0f, Precision.Float32), new RecordingLog());
        // As given (MaxAccuracyDrop="none"): automatic recovery would otherwise turn reconstruction on for the plain bake
        // when it loses more than a point on the held-back samples, and both bakes would be the same.
        var plain = Baker.Bake(SampleModels.DigitsOptions(0.75f, Precision.Float32) with { Reconstruction = false, NoAccuracyBudget = true }, new RecordingLog());
        var refit = Baker.Bake(SampleModels.DigitsOptions(0.75f, Precision.Float32) with { NoAccuracyBudget = true }, new RecordingLog());

        double Error(ModelBaker.Core.Plan.BakedPlan plan) => samples.Sum(s =>
        {
            var expected = Core.Interpreter.PlanInterpreter.Run(reference, new[] { s })[0];
            var actual = Core.Interpreter.PlanInterpreter.Run(plan, new[] { s })[0];
            return expected.Zip(actual, (e, a) => (double)(e - a) * (e - a)).Sum();
        });
        Assert.True(Error(refit) < Error(plain), $"refit {Error(refit)} vs plain {Error(plain)}");
    }
}
