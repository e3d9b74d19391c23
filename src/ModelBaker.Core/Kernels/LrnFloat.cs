using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Float local response normalization across channels, the input seen as [batch, channels, inner]:
/// y = x · (bias + alpha / size · Σ x²)^−beta over a window of <c>size</c> channels around each channel.
/// </summary>
public sealed class LrnFloat : FloatOnlyKernel
{
    public LrnFloat(string source, ArenaSlice input, ArenaSlice output, int batch, int channels, int inner, int size,
        float alpha, float beta, float bias) : base(source)
    {
        Input = input;
        Output = output;
        Batch = batch;
        Channels = channels;
        Inner = inner;
        Size = size;
        Alpha = alpha;
        Beta = beta;
        Bias = bias;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Batch { get; }
    public int Channels { get; }
    /// <summary>Elements per channel (the product of the spatial dimensions).</summary>
    public int Inner { get; }
    public int Size { get; }
    public float Alpha { get; }
    public float Beta { get; }
    public float Bias { get; }

    public override string FloatOnlyReason =>
        "LRN's normalization is a fractional power of a sum over neighbouring channels, which integer arithmetic cannot compute exactly";

    public override KernelKind Kind => KernelKind.LrnFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(LrnFloat) };

    public override void Run(PlanArena arena) =>
        Lrn(arena.Floats(Input), Batch, Channels, Inner, Size, Alpha, Beta, Bias, arena.Floats(Output));

    // <emit>
    /// <summary>
    /// Float local response normalization across channels of [batch, channels, inner]: channel c is divided by
    /// (bias + alpha / size · Σ x²)^beta, the sum over channels c − ⌊(size − 1) / 2⌋ … c + ⌈(size − 1) / 2⌉ inside [0, channels).
    /// </summary>
    public static void Lrn(ReadOnlySpan<float> input, int batch, int channels, int inner, int size, float alpha, float beta, float bias,
        Span<float> output)
    {
        int before = (size - 1) / 2, after = size - 1 - before;
        float alphaOverSize = alpha / size;
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                int first = c - before < 0 ? 0 : c - before, last = c + after >= channels ? channels - 1 : c + after;
                int plane = (n * channels + c) * inner;
                for (int i = 0; i < inner; i++)
                {
                    float squares = 0f;
                    for (int k = first; k <= last; k++)
                    {
                        float v = input[(n * channels + k) * inner + i];
                        squares += v * v;
                    }
                    output[plane + i] = input[plane + i] * (float)Math.Pow(bias + alphaOverSize * squares, -beta);
                }
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Batch); w.Int(Channels); w.Int(Inner); w.Int(Size); w.Float(Alpha); w.Float(Beta); w.Float(Bias);
    }

    public static LrnFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Int(), r.Int(), r.Float(), r.Float(), r.Float());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"Lrn({Input.Expression(code)}, batch: {Batch}, channels: {Channels}, inner: {Inner}, size: {Size}, " +
                  $"alpha: {CodeWriter.Float(Alpha)}, beta: {CodeWriter.Float(Beta)}, bias: {CodeWriter.Float(Bias)}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
