using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// <see cref="ClassLabelFloat"/> on int8 scores (one scale per tensor): quantization is monotonic, so the first largest
/// int8 score is the class ONNX Runtime picks among the dequantized scores (scores that quantize equal are a tie, and the
/// first wins, as there). A float comparison with a threshold becomes one integer test, q &gt; <see cref="Threshold"/>,
/// found by trying all 256 values: the integer rule decides on every int8 score exactly as the float rule decides on its
/// dequantized value.
/// </summary>
public sealed class ClassLabelInt8 : Int8Kernel, IClassLabels
{
    public ClassLabelInt8(string source, ArenaSlice input, ArenaSlice output, int rows, int columns, LabelRule rule, long[] labels,
        int threshold, int classes, string[]? stringClasses) : base(source)
    {
        Input = input;
        Output = output;
        Rows = rows;
        Columns = columns;
        Rule = rule;
        Labels = labels;
        Threshold = threshold;
        ClassCount = classes;
        StringClasses = stringClasses;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Columns { get; }
    public LabelRule Rule { get; }
    public long[] Labels { get; }
    /// <summary>The float rule's "score &gt; threshold" (or ≥, inclusive) is q &gt; Threshold, in −129…127.</summary>
    public int Threshold { get; }
    /// <summary>Classes voting (Votes only).</summary>
    public int ClassCount { get; }
    public string[]? StringClasses { get; }

    public Array Classes => StringClasses ?? (Array)Labels;

    public string Describe(string output, string array) => ClassLabelFloat.DescribeClasses(StringClasses != null, output, array);

    public static ClassLabelInt8 From(ClassLabelFloat label, QuantizationContext q)
    {
        var p = q.Parameters(label.Input);
        // Votes compare each one-vs-one score with 0; the other rules with the step's threshold.
        float threshold = label.Rule == LabelRule.Votes ? 0f : label.Threshold;
        return new ClassLabelInt8(label.Source, q.Slice(label.Input), label.Output, label.Rows, label.Columns, label.Rule, label.Labels,
            IntegerThreshold(threshold, label.Inclusive && label.Rule == LabelRule.ArgMaxOrSecond, p), label.ClassCount, label.StringClasses);
    }

    /// <summary>
    /// The largest q whose dequantized value fails "x &gt; threshold" (or "x ≥ threshold", inclusive), −129 when every
    /// q passes: then q &gt; it holds exactly where the float test holds, since dequantization is monotonic.
    /// </summary>
    public static int IntegerThreshold(float threshold, bool inclusive, QuantizationParameters p)
    {
        int t = -129;
        for (int q = -128; q <= 127; q++)
        {
            float x = FixedPoint.Dequantize((sbyte)q, p.Scale, p.ZeroPoint);
            if (!(inclusive ? x >= threshold : x > threshold)) t = q;
        }
        return t;
    }

    public override KernelKind Kind => KernelKind.ClassLabelInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 8 * Labels.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(ClassLabelInt8) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(ClassLabelInt8) + "#Nano" };

    public override void Run(PlanArena arena) =>
        ClassLabel(arena.Int8s(Input), Rows, Columns, (int)Rule, Labels, Threshold, ClassCount, arena.Of<long>(Output));

    // <emit>
    /// <summary>
    /// The label of each row of [rows, columns] int8 scores. Rule 0: labels[first argmax]; 1: labels[q &gt; threshold ? 1 : 0];
    /// 2: one-vs-one votes of <paramref name="classes"/> classes (pair (i, j) votes i when its score is above the threshold,
    /// else j), labels[first with most votes]; 3: labels[1] when the largest score is above the threshold, else labels[first argmax].
    /// </summary>
    public static void ClassLabel(ReadOnlySpan<sbyte> scores, int rows, int columns, int rule, ReadOnlySpan<long> labels, int threshold,
        int classes, Span<long> output)
    {
        for (int r = 0; r < rows; r++)
        {
            int start = r * columns, best = 0;
            if (rule == 1)
            {
                output[r] = labels[scores[start] > threshold ? 1 : 0];
                continue;
            }
            if (rule == 2)
            {
                // Class c's votes: pairs (i, c), i < c, at or below the threshold, and pairs (c, j), j > c, above it; pair
                // (i, j) is column i(2·classes − i − 1)/2 + j − i − 1.
                int most = -1;
                for (int c = 0; c < classes; c++)
                {
                    int votes = 0;
                    for (int i = 0; i < c; i++) if (scores[start + i * (2 * classes - i - 1) / 2 + c - i - 1] <= threshold) votes++;
                    int first = start + c * (2 * classes - c - 1) / 2 - c - 1;
                    for (int j = c + 1; j < classes; j++) if (scores[first + j] > threshold) votes++;
                    if (votes > most) { most = votes; best = c; }
                }
                output[r] = labels[best];
                continue;
            }
            for (int c = 1; c < columns; c++) if (scores[start + c] > scores[start + best]) best = c;
            output[r] = labels[rule == 3 && scores[start + best] > threshold ? 1 : best];
        }
    }
    // </emit>

    // <emit Nano>
    /// <summary>The label of each row of [rows, columns] int8 scores, on arrays (rules as the .NET flavour's).</summary>
    public static void ClassLabel(sbyte[] scores, int scoresOffset, int rows, int columns, int rule, long[] labels, int threshold,
        int classes, long[] output, int outputOffset)
    {
        for (int r = 0; r < rows; r++)
        {
            int start = scoresOffset + r * columns, best = 0;
            if (rule == 1)
            {
                output[outputOffset + r] = labels[scores[start] > threshold ? 1 : 0];
                continue;
            }
            if (rule == 2)
            {
                int most = -1;
                for (int c = 0; c < classes; c++)
                {
                    int votes = 0;
                    for (int i = 0; i < c; i++) if (scores[start + i * (2 * classes - i - 1) / 2 + c - i - 1] <= threshold) votes++;
                    int first = start + c * (2 * classes - c - 1) / 2 - c - 1;
                    for (int j = c + 1; j < classes; j++) if (scores[first + j] > threshold) votes++;
                    if (votes > most) { most = votes; best = c; }
                }
                output[outputOffset + r] = labels[best];
                continue;
            }
            for (int c = 1; c < columns; c++) if (scores[start + c] > scores[start + best]) best = c;
            output[outputOffset + r] = labels[rule == 3 && scores[start + best] > threshold ? 1 : best];
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Rows); w.Int(Columns); w.Byte((byte)Rule);
        ClassicalSteps.WriteClasses(w, Labels);
        w.Int(Threshold); w.Int(ClassCount);
        w.Byte(StringClasses != null ? (byte)1 : (byte)0);
        if (StringClasses != null) ClassicalSteps.WriteClasses(w, StringClasses);
    }

    public static ClassLabelInt8 Read(PlanBinaryReader r, string source)
    {
        var input = r.Slice();
        var output = r.Slice();
        int rows = r.Int(), columns = r.Int();
        var rule = (LabelRule)r.Byte();
        var labels = (long[])ClassicalSteps.ReadClasses(r);
        int threshold = r.Int(), classes = r.Int();
        var strings = r.Byte() == 1 ? (string[])ClassicalSteps.ReadClasses(r) : null;
        return new ClassLabelInt8(source, input, output, rows, columns, rule, labels, threshold, classes, strings);
    }

    private string Arguments => $"rows: {Rows}, columns: {Columns}, rule: {(int)Rule} /* {Rule} */";

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ClassLabel({Input.Expression(code)}, {Arguments}, {name}Labels, threshold: {Threshold}, classes: {ClassCount}, {Output.Expression(code)});");

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"ClassLabel({Input.NanoArguments(code)}, {Arguments}, {name}Labels, threshold: {Threshold}, classes: {ClassCount}, {Output.NanoArguments(code)});");

    public override void EmitData(CodeWriter code, string name) => ClassLabelFloat.EmitLabels(code, name, Labels, StringClasses != null, Rule);
}
