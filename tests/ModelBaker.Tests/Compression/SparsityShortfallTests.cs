using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Compression;

/// <summary>
/// No silent no-ops (issue 16, item 7): a Sparsity the bake cannot reach is a coded warning (MB1310) with the reason and
/// the achieved figure, and the size line counts weights made by ConstantOfShape on the float side too.
/// </summary>
public sealed class SparsityShortfallTests
{
    private static Attribute Fill(float value) => new() { Name = "value", Kind = AttributeKind.Tensor, Tensor = T.F(T.S(1), value) };

    /// <summary>x [1, 16] → Gemm (W [16, 8] a ConstantOfShape fill of 0.05) → Relu → Gemm (W [8, 2] real) → y.</summary>
    private static Graph FilledMlp()
    {
        var random = new Random(3);
        return new GraphBuilder(13).Input("x", 1, 16)
            .Constant("shape", T.I(T.S(2), 16, 8))
            .Node("ConstantOfShape", new[] { "shape" }, new[] { "w1" }, Fill(0.05f))
            .Constant("b1", T.F(T.S(8), Enumerable.Range(0, 8).Select(i => 0.01f * i).ToArray()))
            .Node("Gemm", new[] { "x", "w1", "b1" }, new[] { "h" })
            .Node("Relu", new[] { "h" }, new[] { "r" })
            .Constant("w2", T.F(T.S(8, 2), Enumerable.Range(0, 16).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()))
            .Constant("b2", T.F(T.S(2), 0.5f, -0.5f))
            .Node("Gemm", new[] { "r", "w2", "b2" }, new[] { "y" })
            .Output("y").Graph;
    }

    private static (BakeResult Result, RecordingLog Log) Bake(Graph graph, float sparsity, PruningMode pruning = PruningMode.Unstructured)
    {
        var log = new RecordingLog();
        var result = Baker.BakeWithReport(graph, "test",
            new BakeOptions("filled.onnx", "Filled", "Tests") { Precision = Precision.Int8, Sparsity = sparsity, Pruning = pruning }, log);
        return (result, log);
    }

    [Fact]
    public void A_sparsity_that_a_fill_keeps_from_being_met_is_a_coded_warning_with_the_reason_and_the_figure()
    {
        var (result, log) = Bake(FilledMlp(), 0.5f);
        // 8 of the 16 real weights go; the fill's 128 stay: 8 / 144 = 0.056 of the model's weights.
        Assert.Equal(8.0 / 144, result.Report.AchievedSparsity, 9);
        var (code, message) = Assert.Single(log.Warnings, w => w.Code == ErrorCodes.SparsityNotMet);
        Assert.StartsWith("filled.onnx: Sparsity=\"0.5\" was asked for, but 0.056 of the model's 144 weights are zero: " +
                          "128 weights of ", message);
        Assert.Contains("are one repeated value per unit (a ConstantOfShape fill), which magnitude cannot rank", message);
        // 0.5 × 144 = 72 zeros cannot come from 16 prunable weights.
        Assert.EndsWith("The model is baked at 0.056; the prunable weights cannot make up for it: lower Sparsity to 0.055 (or remove it).", message);
    }

    [Fact]
    public void The_warning_says_which_sparsity_reaches_the_target_when_the_prunable_weights_can()
    {
        var (result, log) = Bake(FilledMlp(), 0.1f);
        // round(0.1 × 16) = 2 zeros: 2 / 144 = 0.014; 0.1 × 144 / 16 = 0.9 of the prunable weights reach the target.
        Assert.Equal(2.0 / 144, result.Report.AchievedSparsity, 9);
        var (_, message) = Assert.Single(log.Warnings, w => w.Code == ErrorCodes.SparsityNotMet);
        Assert.EndsWith("The model is baked at 0.014; Sparsity=\"0.9\" asks the prunable weights for enough to reach the target over the whole model.", message);
    }

    [Fact]
    public void A_met_target_is_not_warned()
    {
        var random = new Random(4);
        var graph = new GraphBuilder(13).Input("x", 1, 16)
            .Constant("w1", T.F(T.S(16, 8), Enumerable.Range(0, 128).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()))
            .Node("Gemm", new[] { "x", "w1" }, new[] { "h" })
            .Node("Relu", new[] { "h" }, new[] { "r" })
            .Constant("w2", T.F(T.S(8, 2), Enumerable.Range(0, 16).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()))
            .Node("Gemm", new[] { "r", "w2" }, new[] { "y" })
            .Output("y").Graph;
        var (result, log) = Bake(graph, 0.5f);
        Assert.Equal(72.0 / 144, result.Report.AchievedSparsity, 9);
        Assert.DoesNotContain(log.Warnings, w => w.Code == ErrorCodes.SparsityNotMet);
    }

    [Fact]
    public void A_tiny_layer_below_one_pruned_weight_is_warned_with_the_rounding()
    {
        // One 2×2 filter: round(0.1 × 4) = 0 weights go.
        var graph = new GraphBuilder(13).Input("x", 1, 1, 3, 3)
            .Constant("w", T.F(T.S(1, 1, 2, 2), 0.5f, -0.25f, 0.75f, 1f))
            .Node("Conv", new[] { "x", "w" }, new[] { "y" })
            .Output("y").Graph;
        var (result, log) = Bake(graph, 0.1f);
        Assert.Equal(0, result.Report.AchievedSparsity);
        var (_, message) = Assert.Single(log.Warnings, w => w.Code == ErrorCodes.SparsityNotMet);
        Assert.Contains("but 0.000 of the model's 4 weights are zero: ", message);
        Assert.Contains("is kept at density 1 by the Erdős–Rényi spread", message);
        Assert.Contains("round(Sparsity × weights) is 0 for the 4 prunable weights", message);
    }

    [Fact]
    public void The_float_size_counts_weights_made_by_ConstantOfShape()
    {
        var (result, _) = Bake(FilledMlp(), 0f);
        // 128 filled + 8 + 16 + 2 floats; the baked side stores the fill too (one int8 per unit).
        Assert.Equal(4L * (128 + 8 + 16 + 2), result.Report.FloatWeightBytes);
        Assert.Equal(result.Report.FloatWeightBytes, result.Plan.Header.FloatWeightBytes);
        Assert.True(result.Report.BakedWeightBytes < result.Report.FloatWeightBytes, $"{result.Report.FloatWeightBytes} → {result.Report.BakedWeightBytes}");
    }
}
