using System.Text.RegularExpressions;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Compression;

/// <summary>Distillation of the classifier head from the float model (Distillation="Head", or "true").</summary>
public sealed class HeadDistillationTests
{
    private static BakeOptions Options(bool distil) =>
        SampleModels.DigitsOptions(0.75f, Precision.Float32) with
        {
            Pruning = PruningMode.Uniform, Distillation = distil ? DistillationScope.Head : DistillationScope.None, DistillationTemperature = 2,
        };

    [Fact]
    public void The_heads_distillation_loss_falls_and_its_pruned_weights_stay_zero()
    {
        var log = new RecordingLog();
        var distilled = Baker.Bake(Options(true), log);
        var plain = Baker.Bake(Options(false), new RecordingLog());

        var message = Assert.Single(log.Messages, m => m.Contains("distilled the head"));
        var loss = Regex.Match(message, @"loss (\d+\.\d+) → (\d+\.\d+)");
        Assert.True(double.Parse(loss.Groups[2].Value) < double.Parse(loss.Groups[1].Value), message);

        var head = distilled.Kernels.OfType<FullyConnectedFloat>().Last();
        var plainHead = plain.Kernels.OfType<FullyConnectedFloat>().Last();
        Assert.Equal(plainHead.Weights.Select(w => w == 0f), head.Weights.Select(w => w == 0f));
        Assert.NotEqual(plainHead.Weights, head.Weights);
        // Only the head is tuned.
        Assert.Equal(plain.Kernels.OfType<FullyConnectedFloat>().First().Weights, distilled.Kernels.OfType<FullyConnectedFloat>().First().Weights);
    }

    [Fact]
    public void Distilling_twice_gives_the_same_weights()
    {
        var first = Baker.Bake(Options(true), new RecordingLog()).Kernels.OfType<FullyConnectedFloat>().Last();
        var second = Baker.Bake(Options(true), new RecordingLog()).Kernels.OfType<FullyConnectedFloat>().Last();
        Assert.Equal(first.Weights, second.Weights);
        Assert.Equal(first.Bias, second.Bias);
    }
}
