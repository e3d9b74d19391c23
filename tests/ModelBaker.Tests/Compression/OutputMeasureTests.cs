using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Reporting;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Compression;

/// <summary>
/// A measure per output that fits it (issue 16, item 5): top-1 for one class-vector output, each output's relative
/// error and SNR otherwise, in the report, the summary line and the gate (MB1401 for classifiers, MB1415 for the rest);
/// per-step error spikes flagged with a likely cause.
/// </summary>
public sealed class OutputMeasureTests
{
    private static float[] Random(Random random, int n, double scale = 1) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();

    /// <summary>x [1, 8] → Gemm → "scores" [1, 6] and x → Gemm → "boxes" [1, 4]: a detector-like model with two outputs.</summary>
    private static Graph TwoOutputs()
    {
        var random = new Random(21);
        return new GraphBuilder(13).Input("x", 1, 8)
            .Constant("ws", T.F(T.S(8, 6), Random(random, 48))).Constant("bs", T.F(T.S(6), Random(random, 6)))
            .Constant("wb", T.F(T.S(8, 4), Random(random, 32))).Constant("bb", T.F(T.S(4), Random(random, 4)))
            .Node("Gemm", new[] { "x", "ws", "bs" }, new[] { "scores" })
            .Node("Gemm", new[] { "x", "wb", "bb" }, new[] { "boxes" })
            .Output("scores", "boxes").Graph;
    }

    /// <summary>x [1, 8] → Gemm → "logits" [1, 5]: a classifier.</summary>
    private static Graph Classifier()
    {
        var random = new Random(22);
        return new GraphBuilder(13).Input("x", 1, 8)
            .Constant("w", T.F(T.S(8, 5), Random(random, 40))).Constant("b", T.F(T.S(5), Random(random, 5)))
            .Node("Gemm", new[] { "x", "w", "b" }, new[] { "logits" })
            .Output("logits").Graph;
    }

    private static BakeOptions Options(TempFolder folder, int samples = 40)
    {
        var random = new Random(23);
        string data = folder.Path("data.npy");
        Npy.Write(data, Enumerable.Range(0, samples).Select(_ => Random(random, 8)).ToArray());
        return new BakeOptions("model.onnx", "Model", "Tests") { Precision = Precision.Int8, CalibrationPath = data, ValidationPath = data };
    }

    [Fact]
    public void A_model_with_two_outputs_is_measured_by_each_outputs_relative_error_and_snr()
    {
        using var folder = new TempFolder();
        var options = Options(folder);
        var (plan, report) = Baker.BakeWithReport(TwoOutputs(), "test", options, new RecordingLog());
        var v = report.Validation!;
        Assert.False(v.Classifier);
        Assert.Null(v.Agreement);
        Assert.Null(v.Drop);
        Assert.Equal(new[] { "scores", "boxes" }, v.Outputs.Select(o => o.Name));
        Assert.All(v.Outputs, o => Assert.Equal(OutputMeasure.RelativeErrorMeasure, o.Measure));

        // The same figures, recomputed here from both plans run on every validation sample.
        var reference = Baker.Bake(TwoOutputs(), "test", options with { Precision = Precision.Float32, ValidationPath = null }, new RecordingLog());
        var samples = Core.Calibration.CalibrationSet.Open(options.ValidationPath!, reference.Inputs).Samples().Select(s => (float[])s[0]).ToList();
        for (int o = 0; o < 2; o++)
        {
            double difference = 0, magnitude = 0;
            foreach (var sample in samples)
            {
                var expected = PlanInterpreter.Run(reference, new[] { sample })[o];
                var actual = PlanInterpreter.Run(plan, new[] { sample })[o];
                for (int i = 0; i < expected.Length; i++)
                {
                    difference += (double)(actual[i] - expected[i]) * (actual[i] - expected[i]);
                    magnitude += (double)expected[i] * expected[i];
                }
            }
            Assert.Equal(Math.Sqrt(difference / magnitude), v.Outputs[o].Value, 12);
            Assert.Equal(v.Outputs[o].Value, v.Outputs[o].RelativeError);
            Assert.Equal(10 * Math.Log10(magnitude / difference), v.Outputs[o].SnrDb!.Value, 9);
            Assert.InRange(v.Outputs[o].Value, 1e-4, 0.05); // int8: small but not zero
        }

        string summary = report.Summary("Tests.Model");
        Assert.Contains(FormattableString.Invariant($", output error 'scores' {100 * v.Outputs[0].RelativeError:0.00}% (SNR {v.Outputs[0].SnrDb:0.0} dB), 'boxes' "), summary);
        Assert.DoesNotContain("agreement", summary);
        string json = report.ToJson();
        Assert.Contains("\"outputs\": [", json);
        Assert.Matches("\"name\": \"boxes\",\\s*\"measure\": \"relativeError\",\\s*\"value\": 0\\.\\d+,\\s*\"relativeError\": 0\\.\\d+,\\s*\"snrDb\": \\d+", json);
        Assert.Contains("\"agreement\": null", json);
    }

    [Fact]
    public void A_classifier_is_measured_by_top1_agreement_and_its_logits_error()
    {
        using var folder = new TempFolder();
        var report = Baker.BakeWithReport(Classifier(), "test", Options(folder), new RecordingLog()).Report;
        var v = report.Validation!;
        Assert.True(v.Classifier);
        var output = Assert.Single(v.Outputs);
        Assert.Equal(("logits", OutputMeasure.TopOneAgreement), (output.Name, output.Measure));
        Assert.Equal(v.Agreement!.Value, output.Value);
        Assert.InRange(output.RelativeError, 1e-4, 0.05);
        Assert.Contains(", agreement with float ", report.Summary("Tests.Model"));
    }

    [Fact]
    public void MaxAccuracyDrop_does_not_judge_a_model_with_two_outputs_by_top1_but_by_the_default_error_budget()
    {
        using var folder = new TempFolder();
        // Accurate outputs pass with MaxAccuracyDrop="0" (top-1 of the first output would have been a meaningless measure).
        var passed = Baker.BakeWithReport(TwoOutputs(), "test", Options(folder) with { MaxAccuracyDrop = 0 }, new RecordingLog()).Report;
        Assert.All(passed.Validation!.Outputs, o => Assert.True(o.RelativeError <= BakeOptions.DefaultMaxOutputError));

        // An explicit budget below what int8 achieves refuses the model, stating both numbers.
        var refused = Assert.Throws<BakeException>(() =>
            Baker.BakeWithReport(TwoOutputs(), "test", Options(folder) with { MaxOutputError = 1e-6 }, new RecordingLog()));
        Assert.Equal(ErrorCodes.OutputErrorGateFailed, refused.Code);
        var scores = passed.Validation.Outputs[0];
        Assert.Contains(FormattableString.Invariant($"model.onnx: on the 40 validation samples, output 'scores' differs from the float model's by {scores.RelativeError:0.####} relative RMS error"), refused.Message);
        Assert.Contains("more than MaxOutputError=0", refused.Message);
    }

    [Fact]
    public void MaxOutputError_gates_a_classifiers_outputs_too()
    {
        using var folder = new TempFolder();
        var refused = Assert.Throws<BakeException>(() =>
            Baker.BakeWithReport(Classifier(), "test", Options(folder) with { MaxOutputError = 1e-6 }, new RecordingLog()));
        Assert.Equal(ErrorCodes.OutputErrorGateFailed, refused.Code);
        Assert.Contains("output 'logits'", refused.Message);
    }

    [Theory]
    [InlineData(new[] { 0.01, 0.02, 0.35, 0.02, 0.01 }, new[] { false, false, true, false, false })] // 0.35 > 0.1 and > 3 × 0.02
    [InlineData(new[] { 0.2, 0.25, 0.3, 0.2, 0.25 }, new[] { false, false, false, false, false })]   // high, but like its neighbours
    [InlineData(new[] { 0.01, 0.09, 0.01 }, new[] { false, false, false })]                      // under the floor
    [InlineData(new[] { 0.93, 0.99, 0.02 }, new[] { true, true, false })]                         // mostly wrong, even among others like it
    [InlineData(new[] { 0.3 }, new[] { false })]                                                 // no neighbour to compare with
    public void A_spike_is_above_the_floor_and_three_times_the_median_of_its_neighbours(double[] errors, bool[] spikes) =>
        Assert.Equal(spikes, ErrorSpikes.Find(errors.Select(e => (double?)e).ToArray()));

    [Fact]
    public void Steps_without_an_error_are_skipped_as_neighbours()
    {
        var errors = new double?[] { 0.02, null, 0.4, null, 0.03 };
        Assert.Equal(new[] { false, false, true, false, false }, ErrorSpikes.Find(errors));
    }

    [Fact]
    public void An_int8_softmax_that_zeroes_small_probabilities_is_flagged_with_its_cause()
    {
        // x [1, 600] → Softmax → Relu → y: 600 near-equal logits make every probability ~1/600, under int8's 1/256 step.
        using var folder = new TempFolder();
        var random = new Random(24);
        string data = folder.Path("data.npy");
        Npy.Write(data, Enumerable.Range(0, 16).Select(_ => Random(random, 600, 0.1)).ToArray());
        var graph = new GraphBuilder(13).Input("x", 1, 600)
            .Node("Softmax", new[] { "x" }, new[] { "p" }).Node("Relu", new[] { "p" }, new[] { "y" }).Output("y").Graph;
        var log = new RecordingLog();
        var report = Baker.BakeWithReport(graph, "test", new BakeOptions("flat.onnx", "Flat", "Tests") { Precision = Precision.Int8, CalibrationPath = data }, log).Report;
        var softmax = report.Layers.Single(l => l.Op == "SoftmaxInt8");
        Assert.InRange(softmax.OutputError!.Value, 0.5, 1.0);
        Assert.Equal("error spike: the int8 Softmax's fixed output scale (1/256) rounds every probability under 0.002 to 0", softmax.Flag);
        Assert.Contains("\"flag\": \"error spike: the int8 Softmax", report.ToJson());
        Assert.Contains(log.Messages, m => m.StartsWith("MB1416: flat.onnx: step ", StringComparison.Ordinal) && m.Contains("(SoftmaxInt8)"));
        Assert.DoesNotContain(log.Warnings, w => w.Code == ErrorCodes.StepErrorSpike);
    }
}
