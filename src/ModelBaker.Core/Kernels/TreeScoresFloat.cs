using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The end of a tree ensemble: from <see cref="TreeEnsembleFloat"/>'s aggregated leaf weights (rows × 2 · targets), ONNX
/// Runtime's base values, average, binary-classifier rules and post transform give the scores (float, rows × targets) or
/// the class labels (int64, rows). Its int8 form is <see cref="TreeScoresInt8"/>, or <see cref="TreeScoresDequantized"/> for
/// the post transforms with no integer form.
/// </summary>
public sealed class TreeScoresFloat : FloatKernel
{
    public TreeScoresFloat(string source, ArenaSlice input, ArenaSlice output, int rows, int trees, TreeScoring scoring) : base(source)
    {
        Input = input;
        Output = output;
        Rows = rows;
        Trees = trees;
        Scoring = scoring;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    /// <summary>Trees in the forest (AVERAGE divides by it).</summary>
    public int Trees { get; }
    public TreeScoring Scoring { get; }
    public bool WritesLabels => Output.Type == ElementType.Int64;

    public override Kernel Quantize(Quantization.QuantizationContext context) =>
        TreeScoresInt8.HasIntegerForm(Scoring, WritesLabels) ? TreeScoresInt8.From(this, context) : TreeScoresDequantized.From(this, context);

    public override KernelKind Kind => KernelKind.TreeScoresFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => Scoring.BaseValues.Length * 4 + Scoring.ClassLabels.Length * 8;
    public override IEnumerable<string> Helpers => new[] { nameof(TreeScoresFloat) };

    public override void Run(PlanArena arena)
    {
        var s = Scoring;
        FinishTreeScores(arena.Floats(Input), Rows, s.Targets, Trees, s.Aggregate, s.PostTransform, s.Flags, s.BaseValues, s.ClassLabels,
            WritesLabels ? Span<float>.Empty : arena.Floats(Output), WritesLabels ? arena.Of<long>(Output) : Span<long>.Empty);
    }

    // <emit>
    /// <summary>
    /// Scores (rows × targets) or, when <paramref name="scores"/> is empty, class labels of every row of a tree ensemble's
    /// aggregated leaf weights (<paramref name="walked"/>: per row the weights, then 1 or 0 per target for reached).
    /// </summary>
    public static void FinishTreeScores(ReadOnlySpan<float> walked, int rows, int targets, int trees, int aggregate, int postTransform,
        int flags, ReadOnlySpan<float> baseValues, ReadOnlySpan<long> classLabels, Span<float> scores, Span<long> labels)
    {
        Span<float> sums = stackalloc float[targets];
        Span<byte> has = stackalloc byte[targets];
        Span<float> scratch = scores.Length == 0 ? stackalloc float[targets] : default;
        for (int r = 0; r < rows; r++)
        {
            walked.Slice(r * 2 * targets, targets).CopyTo(sums);
            for (int k = 0; k < targets; k++) has[k] = walked[r * 2 * targets + targets + k] != 0f ? (byte)1 : (byte)0;
            Span<float> row = scores.Length == 0 ? scratch : scores.Slice(r * targets, targets);
            long label = FinishTreeRow(sums, has, targets, trees, aggregate, postTransform, flags, baseValues, classLabels, row);
            if (scores.Length == 0) labels[r] = label;
        }
    }

    /// <summary>
    /// A row's aggregated leaf weights to its outputs, as ONNX Runtime finishes them: base values, the average, the
    /// classifier's label and binary rules (flags: 1 classifier, 2 all weights on one class, 4 no negative weight), then
    /// the post transform (0 NONE, 1 SOFTMAX, 2 LOGISTIC, 3 SOFTMAX_ZERO, 4 PROBIT). A target no leaf reached scores 0.
    /// Returns the class label (0 for a regressor).
    /// </summary>
    public static long FinishTreeRow(Span<float> sums, Span<byte> has, int targets, int trees, int aggregate, int postTransform, int flags,
        ReadOnlySpan<float> baseValues, ReadOnlySpan<long> classLabels, Span<float> output)
    {
        if ((flags & 1) == 0)
        {
            if (targets == 1)
            {
                // One target: only PROBIT transforms it.
                float origin = baseValues.Length == 1 ? baseValues[0] : 0f, score = sums[0];
                score = aggregate == 0 ? score / trees + origin : aggregate == 1 || has[0] != 0 ? score + origin : origin;
                output[0] = postTransform == 4 ? TreeProbit(score) : score;
                return 0;
            }
            bool useBase = baseValues.Length == targets;
            for (int k = 0; k < targets; k++)
            {
                float score = aggregate == 0 ? sums[k] / trees : sums[k];
                output[k] = has[k] == 0 ? 0f : useBase ? score + baseValues[k] : score;
            }
            TreeTransform(output, postTransform);
            return 0;
        }
        if (targets > 2)
        {
            int best = -1;
            for (int k = 0; k < targets; k++)
            {
                if (k < baseValues.Length) { sums[k] += baseValues[k]; has[k] = 1; }
                output[k] = has[k] != 0 ? sums[k] : 0f;
                if (has[k] != 0 && (best < 0 || sums[k] > sums[best])) best = k;
            }
            TreeTransform(output, postTransform);
            return classLabels[best < 0 ? 0 : best];
        }
        // Two classes (ONNX Runtime's TreeAggregatorClassifier): a missing class-1 score leaves one column, which the
        // binary rules below turn into two.
        float s0 = sums[0], s1 = sums[1];
        bool h0 = has[0] != 0, h1 = has[1] != 0;
        int columns = 2, second = -1;
        if (baseValues.Length == 2)
        {
            if (h1) { s1 = baseValues[1] + s0; s0 = -s1; }
            else { s1 += baseValues[1]; s0 += baseValues[0]; }
        }
        else if (baseValues.Length == 1) { s0 += baseValues[0]; if (!h1) columns = 1; }
        else if (baseValues.Length == 0) { second = 3; if (!h1) columns = 1; }
        float positive = columns == 2 && h1 ? s1 : h0 ? s0 : 0f;
        long label;
        if ((flags & 2) != 0)
        {
            bool allPositive = (flags & 4) != 0;
            bool isPositive = allPositive ? positive > 0.5f : positive > 0f;
            second = (allPositive ? 0 : 2) + (isPositive ? 0 : 1);
            label = classLabels[isPositive ? 1 : 0];
        }
        else label = positive > 0f ? 1 : 0;
        float v0 = h0 ? s0 : 0f;
        if (columns == 2)
        {
            output[0] = v0;
            output[1] = h1 ? s1 : 0f;
            TreeTransform(output.Slice(0, 2), postTransform);
        }
        else if (postTransform == 4) { output[0] = TreeProbit(v0); output[1] = 0f; }
        else if (second == 0 || second == 1) { output[0] = 1f - v0; output[1] = v0; }
        else if (second >= 2 && postTransform == 2) { output[0] = TreeLogistic(-v0); output[1] = TreeLogistic(v0); }
        else if (second >= 2) { output[0] = -v0; output[1] = v0; }
        else { output[0] = v0; output[1] = 0f; }
        return label;
    }

    /// <summary>The post transform of two or more scores, in place.</summary>
    public static void TreeTransform(Span<float> values, int postTransform)
    {
        if (postTransform == 4) { for (int k = 0; k < values.Length; k++) values[k] = TreeProbit(values[k]); return; }
        if (postTransform == 2) { for (int k = 0; k < values.Length; k++) values[k] = TreeLogistic(values[k]); return; }
        if (postTransform != 1 && postTransform != 3) return;
        float max = -float.MaxValue, sum = 0f;
        for (int k = 0; k < values.Length; k++) if (values[k] > max) max = values[k];
        float zeroScale = (float)Math.Exp(-max);
        for (int k = 0; k < values.Length; k++)
        {
            // SOFTMAX_ZERO keeps zero scores (nearly) zero instead of giving them exp(0 - max).
            if (postTransform == 3 && values[k] <= 0.0000001f && values[k] >= -0.0000001f) { values[k] *= zeroScale; continue; }
            values[k] = (float)Math.Exp(values[k] - max);
            sum += values[k];
        }
        for (int k = 0; k < values.Length; k++) values[k] /= sum;
    }

    /// <summary>1 / (1 + e^−x), computed on |x| for accuracy as ONNX Runtime does.</summary>
    public static float TreeLogistic(float x)
    {
        float v = 1f / (1f + (float)Math.Exp(-Math.Abs(x)));
        return x < 0f ? 1f - v : v;
    }

    /// <summary>√2 · erfinv(2p − 1) with ONNX Runtime's closed-form erfinv approximation (a = 0.147).</summary>
    public static float TreeProbit(float p)
    {
        float x = 2f * p - 1f;
        float sign = x < 0f ? -1f : 1f;
        x = (1f - x) * (1f + x);
        float log = (float)Math.Log(x);
        float v = 2f / (3.14159265f * 0.147f) + 0.5f * log;
        float v2 = 1f / 0.147f * log;
        float v3 = -v + (float)Math.Sqrt(v * v - v2);
        return 1.41421356f * sign * (float)Math.Sqrt(v3);
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Rows); w.Int(Trees);
        var s = Scoring;
        w.Int(s.Flags); w.Int(s.Targets); w.Int(s.Aggregate); w.Int(s.PostTransform); w.Floats(s.BaseValues);
        w.Int(s.ClassLabels.Length);
        foreach (long label in s.ClassLabels) w.Long(label);
    }

    public static TreeScoresFloat Read(PlanBinaryReader r, string source)
    {
        var input = r.Slice();
        var output = r.Slice();
        int rows = r.Int(), trees = r.Int();
        return new TreeScoresFloat(source, input, output, rows, trees, ReadScoring(r));
    }

    /// <summary>The scoring as <see cref="WritePayload"/> writes it after the slices, rows and trees (the int8 forms share it).</summary>
    public static TreeScoring ReadScoring(PlanBinaryReader r)
    {
        int flags = r.Int(), targets = r.Int(), aggregate = r.Int(), transform = r.Int();
        var baseValues = r.Floats();
        int count = r.Int();
        if (count < 0 || count > 1 << 20) throw new System.IO.InvalidDataException($"{count} class labels.");
        var labels = new long[count];
        for (int i = 0; i < labels.Length; i++) labels[i] = r.Long();
        return new TreeScoring((flags & TreeScoring.ClassifierFlag) != 0, targets, aggregate, transform, baseValues, labels,
            (flags & TreeScoring.BinaryCaseFlag) != 0, (flags & TreeScoring.AllPositiveFlag) != 0);
    }

    public override void EmitCall(CodeWriter code, string name)
    {
        var s = Scoring;
        code.Line($"FinishTreeScores({Input.Expression(code)}, rows: {Rows}, targets: {s.Targets}, trees: {Trees}, aggregate: {s.Aggregate} /* {TreeScoring.AggregateName(s.Aggregate)} */, " +
                  $"postTransform: {s.PostTransform} /* {TreeScoring.TransformName(s.PostTransform)} */,")
            .Line($"    flags: {s.Flags} /* {FlagsText(s)} */, {name}BaseValues, {name}ClassLabels, " +
                  (WritesLabels ? $"scores: default, labels: {Output.Expression(code)});" : $"scores: {Output.Expression(code)}, labels: default);"));
    }

    private static string FlagsText(TreeScoring s) =>
        !s.Classifier ? "regressor" : s.BinaryCase ? (s.AllPositive ? "binary classifier, weights ≥ 0" : "binary classifier, mixed weights") : "classifier";

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Floats(code, $"{name}BaseValues", Scoring.BaseValues, "base values added to the scores");
        EmitArrays.Longs(code, $"{name}ClassLabels", Scoring.ClassLabels, "class labels (classlabels_int64s)");
    }
}
