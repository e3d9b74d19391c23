using System;
using System.Collections.Generic;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>How a row of scores picks its class (ONNX Runtime's rules for ai.onnx.ml classifiers).</summary>
public enum LabelRule : byte
{
    /// <summary>The first largest score's class (LinearClassifier, SVMClassifier and tree ensembles with several columns).</summary>
    ArgMax = 0,
    /// <summary>One score column: labels[1] when the score is above the threshold, else labels[0] (binary LinearClassifier).</summary>
    Threshold = 1,
    /// <summary>Columns are one-vs-one scores of every class pair (i &lt; j): each votes i when positive, else j; most votes wins, the first on ties (SVC).</summary>
    Votes = 2,
    /// <summary>labels[1] when the largest score is above the threshold (or at it, when inclusive), else the first largest score's class (binary linear SVM).</summary>
    ArgMaxOrSecond = 3,
}

/// <summary>
/// The class-label helper of every ai.onnx.ml classifier: maps each row of scores, [rows, columns], to its label — an
/// int64 class label from <see cref="Labels"/>, by one of the <see cref="LabelRule"/>s. With string class labels
/// (classlabels_strings) the labels are the indices 0…n−1 and <see cref="StringClasses"/> holds the names: the label
/// output is then an index into the generated class's <c>&lt;Output&gt;Classes</c> array, since generated code computes
/// no strings. A tree-ensemble classifier uses it the same way: its scores in, <see cref="LabelRule.ArgMax"/> (or
/// <see cref="LabelRule.Threshold"/> for one column), its classlabels_int64s as <see cref="Labels"/>. Int8 plans run
/// <see cref="ClassLabelInt8"/>.
/// </summary>
public sealed class ClassLabelFloat : FloatKernel, IClassLabels
{
    public ClassLabelFloat(string source, ArenaSlice input, ArenaSlice output, int rows, int columns, LabelRule rule, long[] labels,
        float threshold = 0f, bool inclusive = false, int classes = 0, string[]? stringClasses = null) : base(source)
    {
        Input = input;
        Output = output;
        Rows = rows;
        Columns = columns;
        Rule = rule;
        Labels = labels;
        Threshold = threshold;
        Inclusive = inclusive;
        ClassCount = rule == LabelRule.Votes ? classes : 0;
        StringClasses = stringClasses;
        if (rule == LabelRule.Votes && classes * (classes - 1) / 2 != columns)
            throw new ArgumentException($"{columns} one-vs-one scores do not fit {classes} classes.", nameof(classes));
    }

    /// <summary>Most classes a vote counts (its tally lives on the stack).</summary>
    public const int MaxVotingClasses = 4096;

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Columns { get; }
    public LabelRule Rule { get; }
    /// <summary>The label of each class (ArgMax, Votes, ArgMaxOrSecond), or [negative, positive] (Threshold).</summary>
    public long[] Labels { get; }
    public float Threshold { get; }
    public bool Inclusive { get; }
    /// <summary>Classes voting (Votes only).</summary>
    public int ClassCount { get; }
    /// <summary>The class names when the model's labels are strings (the label output is then an index into them).</summary>
    public string[]? StringClasses { get; }

    public Array Classes => StringClasses ?? (Array)Labels;

    public string Describe(string output, string array) => DescribeClasses(StringClasses != null, output, array);

    /// <summary>The generated comment on a label output's classes array (<see cref="IClassLabels.Describe"/>), float and int8 alike.</summary>
    public static string DescribeClasses(bool strings, string output, string array) => strings
        ? $"The classes of output '{output}': the model's class labels are strings, so '{output}' holds each row's class as an index into {array}."
        : $"The classes of output '{output}', in the order of the model's scores: '{output}' holds each row's class label itself, one of {array}.";

    /// <summary>The int8 form: the same rule on int8 scores, thresholds as integers (<see cref="ClassLabelInt8"/>).</summary>
    public override Kernel Quantize(QuantizationContext context) => ClassLabelInt8.From(this, context);

    public override KernelKind Kind => KernelKind.ClassLabelFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 8 * Labels.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(ClassLabelFloat) };

    public override void Run(PlanArena arena) =>
        ClassLabel(arena.Floats(Input), Rows, Columns, (int)Rule, Labels, Threshold, Inclusive, ClassCount, arena.Of<long>(Output));

    // <emit>
    /// <summary>
    /// The label of each row of [rows, columns] scores. Rule 0: labels[first argmax]; 1: labels[score &gt; threshold ? 1 : 0];
    /// 2: one-vs-one votes of <paramref name="classes"/> classes, labels[most votes]; 3: labels[1] when the largest score is
    /// above the threshold (or at it, inclusive), else labels[first argmax].
    /// </summary>
    public static void ClassLabel(ReadOnlySpan<float> scores, int rows, int columns, int rule, ReadOnlySpan<long> labels, float threshold,
        bool inclusive, int classes, Span<long> output)
    {
        Span<int> votes = stackalloc int[rule == 2 ? classes : 0];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = scores.Slice(r * columns, columns);
            if (rule == 1)
            {
                output[r] = labels[row[0] > threshold ? 1 : 0];
                continue;
            }
            int best = 0;
            if (rule == 2)
            {
                votes.Clear();
                int pair = 0;
                for (int i = 0; i < classes - 1; i++)
                    for (int j = i + 1; j < classes; j++)
                        votes[row[pair++] > 0 ? i : j]++;
                for (int c = 1; c < classes; c++) if (votes[c] > votes[best]) best = c;
                output[r] = labels[best];
                continue;
            }
            for (int c = 1; c < columns; c++) if (row[c] > row[best]) best = c;
            bool second = rule == 3 && (inclusive ? row[best] >= threshold : row[best] > threshold);
            output[r] = labels[second ? 1 : best];
        }
    }
    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output); w.Int(Rows); w.Int(Columns); w.Byte((byte)Rule);
        ClassicalSteps.WriteClasses(w, Labels);
        w.Float(Threshold); w.Byte(Inclusive ? (byte)1 : (byte)0); w.Int(ClassCount);
        w.Byte(StringClasses != null ? (byte)1 : (byte)0);
        if (StringClasses != null) ClassicalSteps.WriteClasses(w, StringClasses);
    }

    public static ClassLabelFloat Read(PlanBinaryReader r, string source)
    {
        var input = r.Slice();
        var output = r.Slice();
        int rows = r.Int(), columns = r.Int();
        var rule = (LabelRule)r.Byte();
        var labels = (long[])ClassicalSteps.ReadClasses(r);
        float threshold = r.Float();
        bool inclusive = r.Byte() == 1;
        int classes = r.Int();
        var strings = r.Byte() == 1 ? (string[])ClassicalSteps.ReadClasses(r) : null;
        return new ClassLabelFloat(source, input, output, rows, columns, rule, labels, threshold, inclusive, classes, strings);
    }

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"ClassLabel({Input.Expression(code)}, rows: {Rows}, columns: {Columns}, rule: {(int)Rule} /* {Rule} */, {name}Labels, " +
                  $"threshold: {CodeWriter.Float(Threshold)}, inclusive: {(Inclusive ? "true" : "false")}, classes: {ClassCount}, {Output.Expression(code)});");

    public override void EmitData(CodeWriter code, string name) => EmitLabels(code, name, Labels, StringClasses != null, Rule);

    /// <summary>The labels array a label step reads (<c>{name}Labels</c>), float and int8 alike.</summary>
    public static void EmitLabels(CodeWriter code, string name, long[] labels, bool strings, LabelRule rule) =>
        EmitArrays.Longs(code, $"{name}Labels", labels, strings
            ? "the index of each class (the model's labels are strings)"
            : rule == LabelRule.Threshold ? "labels of the negative and positive class" : "class labels, by score column");
}
