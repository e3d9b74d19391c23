using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Kernels.ScoreTransformFloat;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// Class probabilities of a support vector classifier from its one-vs-one decision values [rows, pairs]: each pair's
/// Platt-scaled probability 1 − σ(A·f + B), clamped to [1e-7, 1 − 1e-7], then the coupling of Wu, Lin and Weng (2004)
/// — libsvm's multiclass_probability, 100 iterations at most — as ONNX Runtime computes it; [rows, classes] out. Its
/// working matrices live on the stack, so the classes are limited to <see cref="MaxClasses"/>.
/// </summary>
public sealed class PairwiseProbabilityFloat : FloatKernel
{
    public const int MaxClasses = 32;

    public PairwiseProbabilityFloat(string source, ArenaSlice input, ArenaSlice output, int rows, int classes, float[] probA, float[] probB)
        : base(source)
    {
        if (classes < 2 || classes > MaxClasses || probA.Length != classes * (classes - 1) / 2 || probB.Length != probA.Length)
            throw new ArgumentException("prob_a and prob_b need one value per class pair, for 2 to 32 classes.");
        Input = input;
        Output = output;
        Rows = rows;
        Classes = classes;
        ProbA = probA;
        ProbB = probB;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Classes { get; }
    public float[] ProbA { get; }
    public float[] ProbB { get; }

    /// <summary>The int8 form: Platt scaling and the coupling in fixed point (<see cref="PairwiseProbabilityInt8"/>).</summary>
    public override Kernel Quantize(QuantizationContext context) => PairwiseProbabilityInt8.From(this, context);

    public override KernelKind Kind => KernelKind.PairwiseProbabilityFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 8 * ProbA.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(PairwiseProbabilityFloat), nameof(ScoreTransformFloat) };

    public override void Run(PlanArena arena) => PairwiseProbability(arena.Floats(Input), Rows, Classes, ProbA, ProbB, arena.Floats(Output));

    // <emit>
    /// <summary>Class probabilities from one-vs-one decision values [rows, pairs] (Platt scaling, then libsvm's pairwise coupling).</summary>
    public static void PairwiseProbability(ReadOnlySpan<float> scores, int rows, int classes, ReadOnlySpan<float> probA, ReadOnlySpan<float> probB,
        Span<float> output)
    {
        int pairs = probA.Length;
        Span<float> r = stackalloc float[classes * classes];
        Span<float> q = stackalloc float[classes * classes];
        Span<float> qp = stackalloc float[classes];
        for (int row = 0; row < rows; row++)
        {
            r.Clear();
            q.Clear();
            qp.Clear();
            for (int i = 0, pair = 0; i < classes - 1; i++)
                for (int j = i + 1; j < classes; j++, pair++)
                {
                    float p = 1f - Logistic(scores[row * pairs + pair] * probA[pair] + probB[pair]);
                    p = Math.Min(Math.Max(p, 1.0e-7f), 1 - 1.0e-7f);
                    r[i * classes + j] = p;
                    r[j * classes + i] = 1 - p;
                }
            Span<float> prob = output.Slice(row * classes, classes);
            for (int i = 0; i < classes; i++)
            {
                prob[i] = 1.0f / classes;
                for (int j = 0; j < i; j++)
                {
                    q[i * classes + i] += r[j * classes + i] * r[j * classes + i];
                    q[i * classes + j] = q[j * classes + i];
                }
                for (int j = i + 1; j < classes; j++)
                {
                    q[i * classes + i] += r[j * classes + i] * r[j * classes + i];
                    q[i * classes + j] = -r[j * classes + i] * r[i * classes + j];
                }
            }
            float eps = 0.005f / classes;
            for (int loop = 0; loop < 100; loop++)
            {
                float pqp = 0;
                for (int i = 0; i < classes; i++)
                {
                    qp[i] = 0;
                    for (int j = 0; j < classes; j++) qp[i] += q[i * classes + j] * prob[j];
                    pqp += prob[i] * qp[i];
                }
                float maxError = 0;
                for (int i = 0; i < classes; i++) maxError = Math.Max(maxError, Math.Abs(qp[i] - pqp));
                if (maxError < eps) break;
                for (int i = 0; i < classes; i++)
                {
                    float diff = (-qp[i] + pqp) / q[i * classes + i];
                    prob[i] += diff;
                    pqp = (pqp + diff * (diff * q[i * classes + i] + 2 * qp[i])) / (1 + diff) / (1 + diff);
                    for (int j = 0; j < classes; j++)
                    {
                        qp[j] = (qp[j] + diff * q[i * classes + j]) / (1 + diff);
                        prob[j] /= 1 + diff;
                    }
                }
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Rows); w.Int(Classes); w.Floats(ProbA); w.Floats(ProbB);
    }

    public static PairwiseProbabilityFloat Read(PlanBinaryReader r, string source) =>
        new(source, r.Slice(), r.Slice(), r.Int(), r.Int(), r.Floats(), r.Floats());

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"PairwiseProbability({Input.Expression(code)}, rows: {Rows}, classes: {Classes}, {name}ProbA, {name}ProbB, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Floats(code, $"{name}ProbA", ProbA, "Platt scaling slope of each class pair");
        EmitArrays.Floats(code, $"{name}ProbB", ProbB, "Platt scaling intercept of each class pair");
    }
}
