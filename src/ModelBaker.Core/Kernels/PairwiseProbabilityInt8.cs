using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using static ModelBaker.Core.Kernels.FixedPoint;
using static ModelBaker.Core.Kernels.RecurrentInt8;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// <see cref="PairwiseProbabilityFloat"/> in integers, int8 one-vs-one decision values [rows, pairs] in, int8 class
/// probabilities [rows, classes] out on the output's grid (docs/classical-ml.md#int8-svm-probabilities, which says why):
/// Platt's σ(−(A·f + B)) per pair in Q15 from the argument in Q24 and the recurrent kernels' interpolated tanh table
/// (16 bytes a pair, not a 512-byte table a pair); libsvm's coupling with the float step's updates and stopping rule,
/// written with w = diff / (1 + diff), which stays in [−1, 1] where diff does not; Q in Q24, p and w in Q30, Qp and pᵀQp
/// in Q24. Two classes write the coupling's solution [p, 1 − p] without iterating. Working memory: Q (classes² ints),
/// p and Qp (classes longs each), on the stack in .NET, arrays allocated once with the class in nanoFramework.
/// </summary>
public sealed class PairwiseProbabilityInt8 : Int8Kernel
{
    /// <summary>Fraction bits of the Platt argument t = A·f + B (the emitted code says 24, and 25 for t / 2).</summary>
    public const int ArgumentBits = 24;

    public PairwiseProbabilityInt8(string source, ArenaSlice input, ArenaSlice output, int rows, int classes, int inputZeroPoint,
        long[] slopes, long[] intercepts, int multiplier, int shift, int outputZeroPoint) : base(source)
    {
        int pairs = classes * (classes - 1) / 2;
        if (classes < 2 || classes > PairwiseProbabilityFloat.MaxClasses || slopes.Length != pairs || intercepts.Length != pairs
            || input.Length != rows * pairs || output.Length != rows * classes)
            throw new ArgumentException("A slope and an intercept per class pair, 2 to 32 classes, [rows, pairs] in and [rows, classes] out.");
        Input = input;
        Output = output;
        Rows = rows;
        Classes = classes;
        InputZeroPoint = inputZeroPoint;
        Slopes = slopes;
        Intercepts = intercepts;
        Multiplier = multiplier;
        Shift = shift;
        OutputZeroPoint = outputZeroPoint;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Classes { get; }
    public int Pairs => Classes * (Classes - 1) / 2;
    public int InputZeroPoint { get; }
    /// <summary>A·s·2²⁴ per pair: the Platt argument's step per level of the decision value.</summary>
    public long[] Slopes { get; }
    /// <summary>B·2²⁴ per pair.</summary>
    public long[] Intercepts { get; }
    /// <summary>Q31 multiplier and shift of 2⁻³⁰ / output scale: a Q30 probability to output steps.</summary>
    public int Multiplier { get; }
    public int Shift { get; }
    public int OutputZeroPoint { get; }

    public static PairwiseProbabilityInt8 From(PairwiseProbabilityFloat step, QuantizationContext q)
    {
        var input = q.Parameters(step.Input);
        var output = q.Parameters(step.Output);
        var slopes = new long[step.ProbA.Length];
        var intercepts = new long[step.ProbB.Length];
        for (int pair = 0; pair < slopes.Length; pair++)
        {
            slopes[pair] = Fixed((double)step.ProbA[pair] * input.Scale);
            intercepts[pair] = Fixed(step.ProbB[pair]);
        }
        var (multiplier, shift) = QuantizeMultiplier(1.0 / (1 << 30) / output.Scale);
        return new PairwiseProbabilityInt8(step.Source, q.Slice(step.Input), q.Slice(step.Output), step.Rows, step.Classes, input.ZeroPoint,
            slopes, intercepts, multiplier, shift, output.ZeroPoint);
    }

    /// <summary>
    /// x · 2²⁴ rounded, bounded to ±2⁴⁰ (|x| up to 65,536): the kernel bounds t to ±32, where σ is within 10⁻¹³ of 0 or 1,
    /// so a larger coefficient changes nothing but the overflow margin (255 · 2⁴⁰ + 2⁴⁰ is far below 2⁶³).
    /// </summary>
    private static long Fixed(double x)
    {
        const double bound = 1L << 40;
        double scaled = Math.Round(x * (1 << ArgumentBits), MidpointRounding.AwayFromZero);
        return (long)(scaled > bound ? bound : scaled < -bound ? -bound : scaled);
    }

    public override KernelKind Kind => KernelKind.PairwiseProbabilityInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 16 * Pairs + 2 * RecurrentTanhTable.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(PairwiseProbabilityInt8), nameof(RecurrentInt8) + "#Fixed", nameof(FixedPoint) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(PairwiseProbabilityInt8) + "#Nano", nameof(RecurrentInt8) + "#Fixed", nameof(FixedPoint) };

    /// <summary>The nanoFramework flavour's coupling matrix and probability vectors, allocated once with the class.</summary>
    public override int NanoScratchBytes(bool weightsInResource) => 4 * Classes * Classes + 16 * Classes;

    public override void Run(PlanArena arena) =>
        PairwiseProbability(arena.Int8s(Input), Rows, Classes, InputZeroPoint, Slopes, Intercepts, Multiplier, Shift, OutputZeroPoint, arena.Int8s(Output));

    // <emit>
    /// <summary>
    /// Class probabilities from int8 one-vs-one decision values [rows, pairs]: Platt scaling in Q15, then libsvm's pairwise
    /// coupling in fixed point (Q24 and Q30); int8 [rows, classes] out.
    /// </summary>
    public static void PairwiseProbability(ReadOnlySpan<sbyte> scores, int rows, int classes, int zeroPoint, ReadOnlySpan<long> slopes,
        ReadOnlySpan<long> intercepts, int multiplier, int shift, int outputZeroPoint, Span<sbyte> output)
    {
        int pairs = classes * (classes - 1) / 2, k = classes;
        Span<int> q = stackalloc int[k * k];
        Span<long> prob = stackalloc long[k];
        Span<long> qp = stackalloc long[k];
        long eps = 83886 / k; // 0.005 / k in Q24
        for (int row = 0; row < rows; row++)
        {
            int start = row * pairs, y = row * k;
            // Platt: r[i][j] = P(i over j) in Q15 at q[i·k + j], r[j][i] its complement.
            for (int i = 0, pair = 0; i < k - 1; i++)
                for (int j = i + 1; j < k; j++, pair++)
                {
                    long t = slopes[pair] * (scores[start + pair] - zeroPoint) + intercepts[pair];
                    t = t > 1L << 29 ? 1L << 29 : t < -(1L << 29) ? -(1L << 29) : t; // ±32
                    int p = (32768 + RecurrentTanh((int)-t, 25)) >> 1; // σ(−t) in Q15
                    p = p < 1 ? 1 : p > 32767 ? 32767 : p;
                    q[i * k + j] = p;
                    q[j * k + i] = 32768 - p;
                }
            if (k == 2)
            {
                // [p, 1 − p]: the coupling's solution for two classes.
                output[y] = Requantize(q[1] << 15, multiplier, shift, outputZeroPoint, -128, 127);
                output[y + 1] = Requantize(q[2] << 15, multiplier, shift, outputZeroPoint, -128, 127);
                continue;
            }
            // Q in Q24, over r in place: Q[i][i] = Σⱼ r[j][i]² (summed in qp first), Q[i][j] = −r[j][i]·r[i][j].
            for (int i = 0; i < k; i++)
            {
                long diagonal = 0;
                for (int j = 0; j < k; j++) if (j != i) diagonal += (long)q[j * k + i] * q[j * k + i];
                qp[i] = diagonal;
            }
            for (int i = 0; i < k; i++)
            {
                for (int j = i + 1; j < k; j++)
                {
                    int product = -((q[j * k + i] * q[i * k + j] + 32) >> 6);
                    q[i * k + j] = product;
                    q[j * k + i] = product;
                }
                q[i * k + i] = (int)((qp[i] + 32) >> 6);
                prob[i] = (1L << 30) / k;
            }
            for (int loop = 0; loop < 100; loop++)
            {
                long pqp = 0;
                for (int i = 0; i < k; i++)
                {
                    long sum = 0;
                    for (int j = 0; j < k; j++) sum += q[i * k + j] * prob[j];
                    qp[i] = (sum + (1L << 29)) >> 30;
                    pqp += prob[i] * qp[i];
                }
                pqp = (pqp + (1L << 29)) >> 30;
                long maxError = 0;
                for (int i = 0; i < k; i++)
                {
                    long error = qp[i] > pqp ? qp[i] - pqp : pqp - qp[i];
                    if (error > maxError) maxError = error;
                }
                if (maxError < eps) break;
                for (int i = 0; i < k; i++)
                {
                    // w = diff / (1 + diff) = (pᵀQp − (Qp)ᵢ) / (Qᵢᵢ + pᵀQp − (Qp)ᵢ) in Q30; the denominator is ≥ 0 on a probability vector.
                    long n = pqp - qp[i], d = q[i * k + i] + n;
                    if (d <= 0) continue;
                    long w = (n << 30) / d;
                    w = w > 1L << 30 ? 1L << 30 : w < -(1L << 30) ? -(1L << 30) : w;
                    long keep = (1L << 30) - w; // 1 / (1 + diff)
                    long u = (pqp * keep + 2 * qp[i] * w + (1L << 29)) >> 30;
                    long square = (q[i * k + i] * w + (1L << 29)) >> 30;
                    pqp = (u * keep + square * w + (1L << 29)) >> 30;
                    for (int j = 0; j < k; j++)
                    {
                        qp[j] = (qp[j] * keep + q[i * k + j] * w + (1L << 29)) >> 30;
                        prob[j] = (prob[j] * keep + (1L << 29)) >> 30;
                    }
                    prob[i] += w;
                }
            }
            for (int i = 0; i < k; i++)
            {
                long p = prob[i] < 0 ? 0 : prob[i] > 1L << 30 ? 1L << 30 : prob[i];
                output[y + i] = Requantize((int)p, multiplier, shift, outputZeroPoint, -128, 127);
            }
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>
    /// PairwiseProbability on arrays (see the .NET flavour): q holds classes² ints, prob and qp classes longs each,
    /// preallocated by the class.
    /// </summary>
    public static void PairwiseProbability(sbyte[] scores, int scoresOffset, int rows, int classes, int zeroPoint, long[] slopes,
        long[] intercepts, int multiplier, int shift, int outputZeroPoint, sbyte[] output, int outputOffset, int[] q, long[] prob, long[] qp)
    {
        int pairs = classes * (classes - 1) / 2, k = classes;
        long eps = 83886 / k; // 0.005 / k in Q24
        for (int row = 0; row < rows; row++)
        {
            int start = scoresOffset + row * pairs, y = outputOffset + row * k;
            for (int i = 0, pair = 0; i < k - 1; i++)
                for (int j = i + 1; j < k; j++, pair++)
                {
                    long t = slopes[pair] * (scores[start + pair] - zeroPoint) + intercepts[pair];
                    t = t > 1L << 29 ? 1L << 29 : t < -(1L << 29) ? -(1L << 29) : t; // ±32
                    int p = (32768 + RecurrentTanh((int)-t, 25)) >> 1; // σ(−t) in Q15
                    p = p < 1 ? 1 : p > 32767 ? 32767 : p;
                    q[i * k + j] = p;
                    q[j * k + i] = 32768 - p;
                }
            if (k == 2)
            {
                // [p, 1 − p]: the coupling's solution for two classes.
                output[y] = Requantize(q[1] << 15, multiplier, shift, outputZeroPoint, -128, 127);
                output[y + 1] = Requantize(q[2] << 15, multiplier, shift, outputZeroPoint, -128, 127);
                continue;
            }
            // Q in Q24, over r in place: Q[i][i] = Σⱼ r[j][i]² (summed in qp first), Q[i][j] = −r[j][i]·r[i][j].
            for (int i = 0; i < k; i++)
            {
                long diagonal = 0;
                for (int j = 0; j < k; j++) if (j != i) diagonal += (long)q[j * k + i] * q[j * k + i];
                qp[i] = diagonal;
            }
            for (int i = 0; i < k; i++)
            {
                for (int j = i + 1; j < k; j++)
                {
                    int product = -((q[j * k + i] * q[i * k + j] + 32) >> 6);
                    q[i * k + j] = product;
                    q[j * k + i] = product;
                }
                q[i * k + i] = (int)((qp[i] + 32) >> 6);
                prob[i] = (1L << 30) / k;
            }
            for (int loop = 0; loop < 100; loop++)
            {
                long pqp = 0;
                for (int i = 0; i < k; i++)
                {
                    long sum = 0;
                    for (int j = 0; j < k; j++) sum += q[i * k + j] * prob[j];
                    qp[i] = (sum + (1L << 29)) >> 30;
                    pqp += prob[i] * qp[i];
                }
                pqp = (pqp + (1L << 29)) >> 30;
                long maxError = 0;
                for (int i = 0; i < k; i++)
                {
                    long error = qp[i] > pqp ? qp[i] - pqp : pqp - qp[i];
                    if (error > maxError) maxError = error;
                }
                if (maxError < eps) break;
                for (int i = 0; i < k; i++)
                {
                    // w = diff / (1 + diff) = (pᵀQp − (Qp)ᵢ) / (Qᵢᵢ + pᵀQp − (Qp)ᵢ) in Q30; the denominator is ≥ 0 on a probability vector.
                    long n = pqp - qp[i], d = q[i * k + i] + n;
                    if (d <= 0) continue;
                    long w = (n << 30) / d;
                    w = w > 1L << 30 ? 1L << 30 : w < -(1L << 30) ? -(1L << 30) : w;
                    long keep = (1L << 30) - w; // 1 / (1 + diff)
                    long u = (pqp * keep + 2 * qp[i] * w + (1L << 29)) >> 30;
                    long square = (q[i * k + i] * w + (1L << 29)) >> 30;
                    pqp = (u * keep + square * w + (1L << 29)) >> 30;
                    for (int j = 0; j < k; j++)
                    {
                        qp[j] = (qp[j] * keep + q[i * k + j] * w + (1L << 29)) >> 30;
                        prob[j] = (prob[j] * keep + (1L << 29)) >> 30;
                    }
                    prob[i] += w;
                }
            }
            for (int i = 0; i < k; i++)
            {
                long p = prob[i] < 0 ? 0 : prob[i] > 1L << 30 ? 1L << 30 : prob[i];
                output[y + i] = Requantize((int)p, multiplier, shift, outputZeroPoint, -128, 127);
            }
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Rows); w.Int(Classes); w.Int(InputZeroPoint);
        foreach (long slope in Slopes) w.Long(slope);
        foreach (long intercept in Intercepts) w.Long(intercept);
        w.Int(Multiplier); w.Int(Shift); w.Int(OutputZeroPoint);
    }

    public static PairwiseProbabilityInt8 Read(PlanBinaryReader r, string source)
    {
        var input = r.Slice();
        var output = r.Slice();
        int rows = r.Int(), classes = r.Int(), zeroPoint = r.Int();
        if (classes < 2 || classes > PairwiseProbabilityFloat.MaxClasses) throw new System.IO.InvalidDataException($"{classes} classes for pairwise probabilities.");
        int pairs = classes * (classes - 1) / 2;
        var slopes = new long[pairs];
        var intercepts = new long[pairs];
        for (int i = 0; i < pairs; i++) slopes[i] = r.Long();
        for (int i = 0; i < pairs; i++) intercepts[i] = r.Long();
        return new PairwiseProbabilityInt8(source, input, output, rows, classes, zeroPoint, slopes, intercepts, r.Int(), r.Int(), r.Int());
    }

    private string Arguments(string name) =>
        $"rows: {Rows}, classes: {Classes}, zeroPoint: {InputZeroPoint}, {name}Slopes, {name}Intercepts, multiplier: {Multiplier}, shift: {Shift}, outputZeroPoint: {OutputZeroPoint}";

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"PairwiseProbability({Input.Expression(code)}, {Arguments(name)}, {Output.Expression(code)});");

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"PairwiseProbability({Input.NanoArguments(code)}, {Arguments(name)}, {Output.NanoArguments(code)}, " +
                  $"{name}Matrix, {name}Probabilities, {name}Products);");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Longs(code, $"{name}Slopes", Slopes, "Platt scaling slope A · decision-value scale of each class pair, in units of 2^-24");
        EmitArrays.Longs(code, $"{name}Intercepts", Intercepts, "Platt scaling intercept B of each class pair, in units of 2^-24");
        if (!code.Nano) return;
        code.Line($"/// <summary>The pairwise probabilities, then the coupling's matrix Q ({Classes} × {Classes}, Q24); allocated once, counted in ScratchBytes.</summary>")
            .Line($"private static readonly int[] {name}Matrix = new int[{Classes * Classes}];")
            .Line("/// <summary>The coupling's probabilities (Q30), allocated once, counted in ScratchBytes.</summary>")
            .Line($"private static readonly long[] {name}Probabilities = new long[{Classes}];")
            .Line("/// <summary>The coupling's products Q · p (Q24), allocated once, counted in ScratchBytes.</summary>")
            .Line($"private static readonly long[] {name}Products = new long[{Classes}];");
    }
}
