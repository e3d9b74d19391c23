using System.Text.RegularExpressions;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Compression;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Tests.Compression;

/// <summary>
/// Distillation="Network": every layer of the depthwise-separable digits CNN, pruned to 75 % and clustered to 16 values
/// per layer, is tuned against the float model on 200 calibration digits.
/// </summary>
public sealed class NetworkDistillationTests
{
    private static BakeOptions Options(DistillationScope distillation) =>
        new(TestData.Path("sample", "models", "digits_dscnn.onnx"), "DigitsDscnn", "Samples")
        {
            Sparsity = 0.75f, Clusters = 16, Precision = Precision.Float32, CalibrationPath = SampleModels.DigitsCalibration,
            Distillation = distillation,
            // Distillation itself is under test, on all 200 samples: no automatic recovery re-baking with more.
            NoAccuracyBudget = true,
        };

    [Fact]
    public void The_loss_falls_while_every_pruned_weight_stays_zero_and_each_layer_keeps_its_shared_values()
    {
        var log = new RecordingLog();
        var distilled = Baker.Bake(Options(DistillationScope.Network), log);
        var plain = Baker.Bake(Options(DistillationScope.None), new RecordingLog());

        // Once for the weights, once more for the shared values after clustering.
        var messages = log.Messages.Where(m => m.Contains("distilled the")).ToList();
        Assert.Equal(2, messages.Count);
        Assert.Contains("distilled the weights of 6 layers on 200 samples", messages[0]);
        Assert.Contains("distilled the shared values of 6 layers", messages[1]);
        foreach (var message in messages)
        {
            var loss = Regex.Match(message, @"loss (\d+\.\d+) → (\d+\.\d+)");
            Assert.True(double.Parse(loss.Groups[2].Value) < double.Parse(loss.Groups[1].Value), message);
        }

        var layers = distilled.Kernels.OfType<IWeightedKernel>().ToList();
        var plainLayers = plain.Kernels.OfType<IWeightedKernel>().ToList();
        Assert.Equal(6, layers.Count);
        for (int i = 0; i < layers.Count; i++)
        {
            // The weights distillation tuned before clustering may have clustered differently, but never un-pruned.
            Assert.Equal(plainLayers[i].Weights.Select(w => w == 0f), layers[i].Weights.Select(w => w == 0f));
            Assert.InRange(layers[i].Weights.Where(w => w != 0f).Distinct().Count(), 2, 16);
            Assert.NotEqual(plainLayers[i].Weights, layers[i].Weights);
        }
    }

    [Fact]
    public void Distilling_twice_gives_the_same_weights()
    {
        var student = Baker.Bake(Options(DistillationScope.None), new RecordingLog());
        var again = Baker.Bake(Options(DistillationScope.None), new RecordingLog());
        var teacher = Baker.Bake(Options(DistillationScope.None) with { Sparsity = 0, Clusters = null }, new RecordingLog());
        var calibration = CalibrationSet.Open(SampleModels.DigitsCalibration, teacher.Inputs);

        var first = NetworkDistillation.Apply(student, teacher, calibration, temperature: 4)!;
        var second = NetworkDistillation.Apply(again, teacher, calibration, temperature: 4)!;

        Assert.Equal(first, second);
        Assert.True(first.LossAfter < first.LossBefore);
        Assert.Equal(student.Kernels.OfType<IWeightedKernel>().SelectMany(l => l.Weights), again.Kernels.OfType<IWeightedKernel>().SelectMany(l => l.Weights));
        Assert.Equal(student.Kernels.OfType<IWeightedKernel>().SelectMany(l => l.Bias), again.Kernels.OfType<IWeightedKernel>().SelectMany(l => l.Bias));
    }

    [Fact]
    public void Without_calibration_data_nothing_is_distilled_and_the_log_says_so()
    {
        var log = new RecordingLog();
        var plan = Baker.Bake(Options(DistillationScope.Network) with { CalibrationPath = null }, log);
        Assert.Contains(log.Messages, m => m.Contains("no calibration data, so the network is not distilled"));
        Assert.Equal(6, plan.Kernels.OfType<IWeightedKernel>().Count());
    }

    [Fact]
    public void A_step_without_a_backward_pass_is_a_coded_warning_naming_it()
    {
        // A Softmax between the two layers: distillation cannot pass a gradient through it (SoftmaxFloat is not
        // IDifferentiable), and says so with MB1217 instead of baking silently without it.
        var graph = new Operators.GraphBuilder()
            .Input("x", 1, 64)
            .Constant("w1", Operators.T.F(Operators.T.S(64, 16), Enumerable.Range(0, 64 * 16).Select(i => (i % 13 - 6) / 40f).ToArray()))
            .Constant("w2", Operators.T.F(Operators.T.S(16, 10), Enumerable.Range(0, 160).Select(i => (i % 7 - 3) / 10f).ToArray()))
            .Node("MatMul", new[] { "x", "w1" }, new[] { "h" })
            .Node("Softmax", new[] { "h" }, new[] { "p" })
            .Node("MatMul", new[] { "p", "w2" }, new[] { "y" })
            .Output("y").Graph;
        using var folder = new TempFolder();
        string path = folder.Path("softmax_inside.onnx");
        Core.Onnx.OnnxModelWriter.Save(graph, path);
        var log = new RecordingLog();
        Baker.Bake(new BakeOptions(path, "Net", "Tests")
        {
            Sparsity = 0.5f, Precision = Precision.Float32, CalibrationPath = SampleModels.DigitsCalibration, Distillation = DistillationScope.Network,
        }, log);
        var warning = Assert.Single(log.Warnings, w => w.Code == Core.Diagnostics.ErrorCodes.DistillationNotApplicable);
        Assert.Contains("(Softmax)", warning.Message);
        Assert.Contains("SoftmaxFloat steps have no backward pass", warning.Message);
    }
}
