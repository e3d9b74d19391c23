using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Operators;

/// <summary>BatchNormalization with training_mode = 1: statistics of the batch, computed by the baked steps at run time.</summary>
public sealed class BatchNormalizationTrainingTests
{
    private static Graph Build() => new GraphBuilder(15)
        .Input("x", 2, 3, 2, 2)
        .Constant("scale", T.F(T.S(3), 1f, 1.5f, 0.5f)).Constant("b", T.F(T.S(3), 0f, 1f, -1f))
        .Constant("mean", T.F(T.S(3), 0.5f, -0.5f, 0f)).Constant("var", T.F(T.S(3), 1f, 2f, 0.5f))
        .Node("BatchNormalization", new[] { "x", "scale", "b", "mean", "var" }, new[] { "y", "running_mean", "running_var" },
            GraphBuilder.Int("training_mode", 1), GraphBuilder.Float("momentum", 0.8f))
        .Output("y", "running_mean", "running_var").Graph;

    [Fact]
    public void The_baked_steps_compute_the_batch_statistics_like_the_reference()
    {
        var random = new Random(11);
        var input = Enumerable.Range(0, 24).Select(_ => (float)(random.NextDouble() * 4 - 1)).ToArray();
        var plan = Baker.Bake(Build(), "0", new BakeOptions("bn.onnx", "Bn", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var actual = PlanInterpreter.Run(plan, new[] { input });
        var expected = FloatInterpreter.Run(Build(), new Dictionary<string, Tensor> { ["x"] = Tensor.FromFloats(new[] { 2, 3, 2, 2 }, input) });
        Assert.Equal(expected["y"].Floats, actual[0]);
        Assert.Equal(expected["running_mean"].Floats, actual[1]);
        Assert.Equal(expected["running_var"].Floats, actual[2]);
        // Y has mean ≈ B and standard deviation ≈ scale per channel.
        for (int c = 0; c < 3; c++)
        {
            var channel = Enumerable.Range(0, 2).SelectMany(n => actual[0].Skip((n * 3 + c) * 4).Take(4)).ToArray();
            Assert.Equal(new[] { 0f, 1f, -1f }[c], channel.Average(), 4);
        }
    }

    [Fact]
    public void An_int8_bake_runs_the_statistics_in_a_float_island()
    {
        var plan = Baker.Bake(Build(), "0", new BakeOptions("bn.onnx", "Bn", "Tests"), new RecordingLog());
        Assert.Equal(Precision.Int8, plan.Header.Precision);
        // One entry for x, the three statistics steps in float, one exit per output.
        Assert.Equal(new[] { KernelKind.FloatIslandEntry, KernelKind.BatchStatisticsFloat, KernelKind.BatchStatisticsFloat, KernelKind.BatchStatisticsFloat,
            KernelKind.FloatIslandExit, KernelKind.FloatIslandExit, KernelKind.FloatIslandExit }, plan.Kernels.Select(k => k.Kind));
        var nano = Assert.Throws<BakeException>(() => Baker.Bake(Build(), "0",
            new BakeOptions("bn.onnx", "Bn", "Tests") { Target = CodeTarget.NanoFramework }, new RecordingLog()));
        Assert.Equal(ErrorCodes.FloatIslandOnTarget, nano.Code);
        Assert.Contains("model.eval()", nano.Message);
    }
}
