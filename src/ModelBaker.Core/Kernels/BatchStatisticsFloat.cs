using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Training-mode BatchNormalization (training_mode = 1): the mean and (population) variance of each channel over the
/// batch and spatial axes, computed at run time from the input itself, then one of the node's outputs — Y normalised
/// with them, or the running mean or variance blended with them by the momentum. One step per used output; each
/// recomputes the statistics channel by channel, so nothing needs a buffer.
/// </summary>
public sealed class BatchStatisticsFloat : FloatOnlyKernel
{
    /// <summary>Which output of the node the step writes.</summary>
    public enum Result { Normalized = 0, RunningMean = 1, RunningVariance = 2 }

    public BatchStatisticsFloat(string source, ArenaSlice input, ArenaSlice output, int batch, int inner, Result result,
        float[] scale, float[] bias, float[] runningMean, float[] runningVariance, float epsilon, float momentum) : base(source)
    {
        if (batch < 1 || inner < 1 || input.Length != batch * scale.Length * inner
            || bias.Length != scale.Length || runningMean.Length != scale.Length || runningVariance.Length != scale.Length)
            throw new ArgumentException("The statistics' shapes do not fit the input.");
        Input = input;
        Output = output;
        Batch = batch;
        Inner = inner;
        Writes = result;
        Scale = scale;
        Bias = bias;
        RunningMean = runningMean;
        RunningVariance = runningVariance;
        Epsilon = epsilon;
        Momentum = momentum;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Batch { get; }
    /// <summary>Elements per channel and batch item (the product of the dimensions after C).</summary>
    public int Inner { get; }
    public Result Writes { get; }
    public float[] Scale { get; }
    public float[] Bias { get; }
    public float[] RunningMean { get; }
    public float[] RunningVariance { get; }
    public float Epsilon { get; }
    public float Momentum { get; }

    public override string FloatOnlyReason =>
        "BatchNormalization with training_mode = 1 divides by statistics of the batch computed at run time " +
        "(export the model in evaluation mode, model.eval() in PyTorch, to fold it into the layer before it)";

    public override KernelKind Kind => KernelKind.BatchStatisticsFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Scale.Length + Bias.Length + RunningMean.Length + RunningVariance.Length);
    public override IEnumerable<string> Helpers => new[] { nameof(BatchStatisticsFloat) };

    public override void Run(PlanArena arena) =>
        BatchStatistics(arena.Floats(Input), Batch, Inner, Scale, Bias, RunningMean, RunningVariance, Epsilon, Momentum, (int)Writes,
            arena.Floats(Output));

    // <emit>
    /// <summary>
    /// Per channel: mean and population variance over the batch and the <paramref name="inner"/> elements, in double; then
    /// <paramref name="result"/> 0 writes y = x · a + b with a = scale / √(var + ε), b = bias − mean · a, 1 the running mean
    /// and 2 the running variance, each running · momentum + batch statistic · (1 − momentum).
    /// </summary>
    public static void BatchStatistics(ReadOnlySpan<float> input, int batch, int inner, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVariance, float epsilon, float momentum, int result, Span<float> output)
    {
        int channels = scale.Length;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0, squares = 0;
            for (int n = 0; n < batch; n++)
                for (int i = (n * channels + c) * inner, end = i + inner; i < end; i++) sum += input[i];
            double m = sum / (batch * inner);
            for (int n = 0; n < batch; n++)
                for (int i = (n * channels + c) * inner, end = i + inner; i < end; i++) { double d = input[i] - m; squares += d * d; }
            float mean = (float)m, variance = (float)(squares / (batch * inner));
            if (result == 1) { output[c] = runningMean[c] * momentum + mean * (1 - momentum); continue; }
            if (result == 2) { output[c] = runningVariance[c] * momentum + variance * (1 - momentum); continue; }
            double factor = scale[c] / Math.Sqrt((double)variance + epsilon);
            float a = (float)factor, b = (float)(bias[c] - mean * factor);
            for (int n = 0; n < batch; n++)
                for (int i = (n * channels + c) * inner, end = i + inner; i < end; i++) output[i] = input[i] * a + b;
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Batch); w.Int(Inner); w.Int((int)Writes);
        w.Floats(Scale); w.Floats(Bias); w.Floats(RunningMean); w.Floats(RunningVariance); w.Float(Epsilon); w.Float(Momentum);
    }

    public static BatchStatisticsFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), (Result)r.Int(), r.Floats(), r.Floats(), r.Floats(), r.Floats(), r.Float(), r.Float());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"BatchStatistics({Input.Expression(code)}, batch: {Batch}, inner: {Inner}, {name}Scale, {name}Bias, {name}RunningMean, {name}RunningVariance,")
            .Line($"    epsilon: {CodeWriter.Float(Epsilon)}, momentum: {CodeWriter.Float(Momentum)}, result: {(int)Writes} /* {Writes} */, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Floats(code, $"{name}Scale", Scale, "per-channel scale");
        EmitArrays.Floats(code, $"{name}Bias", Bias, "per-channel bias");
        EmitArrays.Floats(code, $"{name}RunningMean", RunningMean, "running mean before this batch");
        EmitArrays.Floats(code, $"{name}RunningVariance", RunningVariance, "running variance before this batch");
    }
}
