using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Float softmax or log-softmax over groups of <c>size</c> elements <c>inner</c> apart, the input seen as
/// [outer, size, inner] (a softmax along one axis: outer = the dimensions before it, inner = those after it; the
/// last axis is inner = 1). Max-subtracted for stability.
/// </summary>
public sealed class SoftmaxFloat : FloatKernel
{
    public SoftmaxFloat(string source, int outer, int size, int inner, bool log, ArenaSlice input, ArenaSlice output) : base(source)
    {
        Outer = outer;
        Size = size;
        Inner = inner;
        Log = log;
        Input = input;
        Output = output;
    }

    public int Outer { get; }
    public int Size { get; }
    public int Inner { get; }
    /// <summary>LogSoftmax rather than Softmax.</summary>
    public bool Log { get; }
    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }

    public override Kernel Quantize(Quantization.QuantizationContext context) =>
        Log ? LogSoftmaxInt8.From(this, context) : SoftmaxInt8.From(this, context);

    public override KernelKind Kind => KernelKind.SoftmaxFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 0;
    public override IEnumerable<string> Helpers => new[] { nameof(SoftmaxFloat) };

    public override void Run(PlanArena arena)
    {
        if (Log) LogSoftmax(arena.Floats(Input), Outer, Size, Inner, arena.Floats(Output));
        else Softmax(arena.Floats(Input), Outer, Size, Inner, arena.Floats(Output));
    }

    // <emit>
    /// <summary>Float softmax of each group of <c>size</c> elements <c>inner</c> apart.</summary>
    public static void Softmax(ReadOnlySpan<float> input, int outer, int size, int inner, Span<float> output)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = o * size * inner + n;
            float max = float.NegativeInfinity;
            for (int j = 0; j < size; j++) if (input[start + j * inner] > max) max = input[start + j * inner];
            float sum = 0f;
            for (int j = 0; j < size; j++)
            {
                float e = (float)Math.Exp(input[start + j * inner] - max);
                output[start + j * inner] = e;
                sum += e;
            }
            for (int j = 0; j < size; j++) output[start + j * inner] /= sum;
        }
    }

    /// <summary>Float log-softmax, x − max − ln Σ e^(x − max), of each group of <c>size</c> elements <c>inner</c> apart.</summary>
    public static void LogSoftmax(ReadOnlySpan<float> input, int outer, int size, int inner, Span<float> output)
    {
        for (int o = 0; o < outer; o++)
        for (int n = 0; n < inner; n++)
        {
            int start = o * size * inner + n;
            float max = float.NegativeInfinity;
            for (int j = 0; j < size; j++) if (input[start + j * inner] > max) max = input[start + j * inner];
            float sum = 0f;
            for (int j = 0; j < size; j++) sum += (float)Math.Exp(input[start + j * inner] - max);
            float logSum = (float)Math.Log(sum);
            for (int j = 0; j < size; j++) output[start + j * inner] = input[start + j * inner] - max - logSum;
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Int(Outer); w.Int(Size); w.Int(Inner); w.Byte(Log ? (byte)1 : (byte)0); w.Slice(Input); w.Slice(Output);
    }

    public static SoftmaxFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Int(), r.Int(), r.Int(), r.Byte() == 1, r.Slice(), r.Slice());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"{(Log ? "LogSoftmax" : "Softmax")}({Input.Expression(code)}, outer: {Outer}, size: {Size}, inner: {Inner}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) { }
}
