using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The end of a tree ensemble in integers: from <see cref="TreeEnsembleInt8"/>'s int32 leaf sums, ONNX Runtime's base
/// values, binary-classifier rules and label choice (<see cref="TreeScoresFloat.FinishTreeRow"/>, step for step) give
/// int64 labels or int8 scores. A score is a sum s in the walk's units; its int8 value is read from a 255-entry table of
/// the sums at which the output's quantized level steps up (bisection, 8 comparisons), built at bake time from the float
/// function — s × unit (÷ trees for AVERAGE), through LOGISTIC or PROBIT where the model has them — then quantized as
/// the output's parameters say. SOFTMAX mixes the targets of a row and has no such table: <see cref="HasIntegerForm"/>.
/// </summary>
public sealed class TreeScoresInt8 : Int8Kernel
{
    public const int Levels = 255;

    public TreeScoresInt8(string source, ArenaSlice input, ArenaSlice output, int rows, int trees, TreeScoring scoring, int[] offsets,
        int one, int half, int[] identity, int[] transformed) : base(source)
    {
        Input = input;
        Output = output;
        Rows = rows;
        Trees = trees;
        Scoring = scoring;
        Offsets = offsets;
        One = one;
        Half = half;
        Identity = identity;
        Transformed = transformed;
    }

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int Trees { get; }
    public TreeScoring Scoring { get; }
    /// <summary>The base values in the walk's units (times the trees for an AVERAGE regressor, whose table divides).</summary>
    public int[] Offsets { get; }
    /// <summary>1.0 and 0.5 in the walk's units (the binary rules).</summary>
    public int One { get; }
    public int Half { get; }
    /// <summary>Level tables (empty for labels): the score itself, and through the post transform (LOGISTIC, PROBIT; else empty).</summary>
    public int[] Identity { get; }
    public int[] Transformed { get; }
    public bool WritesLabels => Output.Type == ElementType.Int64;

    /// <summary>
    /// Whether a scores step has an integer form: labels always; scores unless the post transform is SOFTMAX or SOFTMAX_ZERO
    /// (a one-target regressor transforms with PROBIT only, so any other is no transform there).
    /// </summary>
    public static bool HasIntegerForm(TreeScoring s, bool labels) =>
        labels || (!s.Classifier && s.Targets == 1) || s.PostTransform is TreeScoring.None or TreeScoring.Logistic or TreeScoring.Probit;

    public static TreeScoresInt8 From(TreeScoresFloat scores, QuantizationContext context)
    {
        var s = scores.Scoring;
        double unit = context.Parameters(scores.Input).Scale;
        var input = context.Slice(scores.Input, ElementType.Int32);
        bool averaged = !s.Classifier && s.Aggregate == TreeScoring.Average;
        int[] offsets = s.BaseValues.Select(b => (int)Math.Round(b / unit) * (averaged ? scores.Trees : 1)).ToArray();
        int one = (int)Math.Round(1 / unit), half = (int)Math.Round(0.5 / unit);
        if (scores.WritesLabels)
            return new TreeScoresInt8(scores.Source, input, scores.Output, scores.Rows, scores.Trees, s, offsets, one, half,
                Array.Empty<int>(), Array.Empty<int>());
        var output = context.Parameters(scores.Output);
        double divisor = averaged ? scores.Trees : 1;
        int[] identity = LevelTable(v => (float)(v * unit / divisor), output);
        bool transforms = s.Classifier || s.Targets > 1 ? s.PostTransform is TreeScoring.Logistic or TreeScoring.Probit : s.PostTransform == TreeScoring.Probit;
        int[] transformed = !transforms ? Array.Empty<int>()
            : s.PostTransform == TreeScoring.Logistic ? LevelTable(v => TreeScoresFloat.TreeLogistic((float)(v * unit / divisor)), output)
            : LevelTable(v => TreeScoresFloat.TreeProbit((float)(v * unit / divisor)), output);
        return new TreeScoresInt8(scores.Source, input, context.Slice(scores.Output), scores.Rows, scores.Trees, s, offsets, one, half,
            identity, transformed);
    }

    /// <summary>
    /// Entry j: the smallest int32 sum whose score quantizes to level −128 + j + 1 or above (found by bisection; kept
    /// ascending where rounding of the float function is not monotone, and int.MaxValue past the largest score). A NaN
    /// score (PROBIT outside (0, 1)) counts as the lowest level below sum 0 and the highest above, where float gives NaN.
    /// </summary>
    public static int[] LevelTable(Func<long, float> score, QuantizationParameters output)
    {
        var table = new int[Levels];
        int Level(long v)
        {
            float value = score(v);
            return float.IsNaN(value) ? (v < 0 ? -128 : 127) : FixedPoint.Quantize(value, output.Scale, output.ZeroPoint);
        }
        for (int j = 0; j < Levels; j++)
        {
            int wanted = -128 + j + 1;
            long lo = int.MinValue, hi = int.MaxValue;
            if (Level(hi) < wanted) { table[j] = int.MaxValue; continue; }
            while (lo < hi)
            {
                long mid = lo + (hi - lo) / 2;
                if (Level(mid) >= wanted) hi = mid; else lo = mid + 1;
            }
            table[j] = (int)Math.Max(lo, j > 0 ? table[j - 1] : int.MinValue);
        }
        return table;
    }

    public override KernelKind Kind => KernelKind.TreeScoresInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes => 4 * (Offsets.Length + Identity.Length + Transformed.Length) + 8 * Scoring.ClassLabels.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(TreeScoresInt8) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(TreeScoresInt8) + "#Nano" };

    public override void Run(PlanArena arena)
    {
        var s = Scoring;
        FinishTreeScoresInt8(arena.Of<int>(Input), Rows, s.Targets, s.PostTransform, s.Flags, Offsets, One, Half, s.ClassLabels, Identity,
            Transformed, WritesLabels ? Span<sbyte>.Empty : arena.Int8s(Output), WritesLabels ? arena.Of<long>(Output) : Span<long>.Empty);
    }

    // <emit>
    /// <summary>
    /// Int8 scores or (when there are no level tables) labels of every row of a tree ensemble's int32 leaf sums
    /// (<paramref name="walked"/>: per row the sums, then non-zero per target a leaf reached), as ONNX Runtime finishes
    /// them (flags: 1 classifier, 2 all weights on one class, 4 no negative weight; post transform 2 LOGISTIC, 4 PROBIT
    /// read from <paramref name="transformed"/>, others from <paramref name="identity"/>).
    /// </summary>
    public static void FinishTreeScoresInt8(ReadOnlySpan<int> walked, int rows, int targets, int postTransform, int flags,
        ReadOnlySpan<int> offsets, int one, int half, ReadOnlySpan<long> classLabels, ReadOnlySpan<int> identity,
        ReadOnlySpan<int> transformed, Span<sbyte> scores, Span<long> labels)
    {
        bool writesLabels = identity.Length == 0;
        ReadOnlySpan<int> table = transformed.Length > 0 ? transformed : identity;
        for (int r = 0; r < rows; r++)
        {
            int w = r * 2 * targets, o = r * targets;
            if ((flags & 1) == 0)
            {
                // A regressor: one target adds its single base value whether a leaf reached it or not; several score 0 unreached.
                bool useBase = offsets.Length == targets;
                for (int k = 0; k < targets; k++)
                {
                    int value = targets == 1 ? walked[w] + (offsets.Length == 1 ? offsets[0] : 0)
                        : walked[w + targets + k] == 0 ? 0 : useBase ? walked[w + k] + offsets[k] : walked[w + k];
                    scores[o + k] = TreeLevel(table, value);
                }
                continue;
            }
            if (targets > 2)
            {
                int best = -1, bestValue = 0;
                for (int k = 0; k < targets; k++)
                {
                    int value = walked[w + k];
                    bool has = walked[w + targets + k] != 0;
                    if (k < offsets.Length) { value += offsets[k]; has = true; }
                    if (!writesLabels) scores[o + k] = TreeLevel(table, has ? value : 0);
                    if (has && (best < 0 || value > bestValue)) { best = k; bestValue = value; }
                }
                if (writesLabels) labels[r] = classLabels[best < 0 ? 0 : best];
                continue;
            }
            // Two classes (ONNX Runtime's TreeAggregatorClassifier), as TreeScoresFloat.FinishTreeRow.
            int s0 = walked[w], s1 = walked[w + 1];
            bool h0 = walked[w + 2] != 0, h1 = walked[w + 3] != 0;
            int columns = 2, second = -1;
            if (offsets.Length == 2)
            {
                if (h1) { s1 = offsets[1] + s0; s0 = -s1; }
                else { s1 += offsets[1]; s0 += offsets[0]; }
            }
            else if (offsets.Length == 1) { s0 += offsets[0]; if (!h1) columns = 1; }
            else { second = 3; if (!h1) columns = 1; }
            int positive = columns == 2 && h1 ? s1 : h0 ? s0 : 0;
            long label;
            if ((flags & 2) != 0)
            {
                bool allPositive = (flags & 4) != 0;
                bool isPositive = allPositive ? positive > half : positive > 0;
                second = (allPositive ? 0 : 2) + (isPositive ? 0 : 1);
                label = classLabels[isPositive ? 1 : 0];
            }
            else label = positive > 0 ? 1 : 0;
            if (writesLabels) { labels[r] = label; continue; }
            int v0 = h0 ? s0 : 0;
            if (columns == 2) { scores[o] = TreeLevel(table, v0); scores[o + 1] = TreeLevel(table, h1 ? s1 : 0); }
            else if (postTransform == 4) { scores[o] = TreeLevel(transformed, v0); scores[o + 1] = TreeLevel(identity, 0); }
            else if (second == 0 || second == 1) { scores[o] = TreeLevel(identity, one - v0); scores[o + 1] = TreeLevel(identity, v0); }
            else if (second >= 2 && postTransform == 2) { scores[o] = TreeLevel(transformed, -v0); scores[o + 1] = TreeLevel(transformed, v0); }
            else if (second >= 2) { scores[o] = TreeLevel(identity, -v0); scores[o + 1] = TreeLevel(identity, v0); }
            else { scores[o] = TreeLevel(identity, v0); scores[o + 1] = TreeLevel(identity, 0); }
        }
    }

    /// <summary>The int8 level of a sum: −128 plus how many of the ascending table's entries it reaches.</summary>
    public static sbyte TreeLevel(ReadOnlySpan<int> table, int value)
    {
        int lo = 0, hi = table.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (value >= table[mid]) lo = mid + 1;
            else hi = mid;
        }
        return (sbyte)(lo - 128);
    }
    // </emit>

    // <emit Nano>
    /// <summary>The same on arrays (scores when there is an identity table, else labels; the other array may be null).</summary>
    public static void FinishTreeScoresInt8(int[] walked, int walkedOffset, int rows, int targets, int postTransform, int flags,
        int[] offsets, int one, int half, long[] classLabels, int[] identity, int[] transformed, sbyte[] scores, int scoresOffset,
        long[] labels, int labelsOffset)
    {
        bool writesLabels = identity.Length == 0;
        int[] table = transformed.Length > 0 ? transformed : identity;
        for (int r = 0; r < rows; r++)
        {
            int w = walkedOffset + r * 2 * targets, o = scoresOffset + r * targets;
            if ((flags & 1) == 0)
            {
                bool useBase = offsets.Length == targets;
                for (int k = 0; k < targets; k++)
                {
                    int value = targets == 1 ? walked[w] + (offsets.Length == 1 ? offsets[0] : 0)
                        : walked[w + targets + k] == 0 ? 0 : useBase ? walked[w + k] + offsets[k] : walked[w + k];
                    scores[o + k] = TreeLevel(table, value);
                }
                continue;
            }
            if (targets > 2)
            {
                int best = -1, bestValue = 0;
                for (int k = 0; k < targets; k++)
                {
                    int value = walked[w + k];
                    bool has = walked[w + targets + k] != 0;
                    if (k < offsets.Length) { value += offsets[k]; has = true; }
                    if (!writesLabels) scores[o + k] = TreeLevel(table, has ? value : 0);
                    if (has && (best < 0 || value > bestValue)) { best = k; bestValue = value; }
                }
                if (writesLabels) labels[labelsOffset + r] = classLabels[best < 0 ? 0 : best];
                continue;
            }
            int s0 = walked[w], s1 = walked[w + 1];
            bool h0 = walked[w + 2] != 0, h1 = walked[w + 3] != 0;
            int columns = 2, second = -1;
            if (offsets.Length == 2)
            {
                if (h1) { s1 = offsets[1] + s0; s0 = -s1; }
                else { s1 += offsets[1]; s0 += offsets[0]; }
            }
            else if (offsets.Length == 1) { s0 += offsets[0]; if (!h1) columns = 1; }
            else { second = 3; if (!h1) columns = 1; }
            int positive = columns == 2 && h1 ? s1 : h0 ? s0 : 0;
            long label;
            if ((flags & 2) != 0)
            {
                bool allPositive = (flags & 4) != 0;
                bool isPositive = allPositive ? positive > half : positive > 0;
                second = (allPositive ? 0 : 2) + (isPositive ? 0 : 1);
                label = classLabels[isPositive ? 1 : 0];
            }
            else label = positive > 0 ? 1 : 0;
            if (writesLabels) { labels[labelsOffset + r] = label; continue; }
            int v0 = h0 ? s0 : 0;
            if (columns == 2) { scores[o] = TreeLevel(table, v0); scores[o + 1] = TreeLevel(table, h1 ? s1 : 0); }
            else if (postTransform == 4) { scores[o] = TreeLevel(transformed, v0); scores[o + 1] = TreeLevel(identity, 0); }
            else if (second == 0 || second == 1) { scores[o] = TreeLevel(identity, one - v0); scores[o + 1] = TreeLevel(identity, v0); }
            else if (second >= 2 && postTransform == 2) { scores[o] = TreeLevel(transformed, -v0); scores[o + 1] = TreeLevel(transformed, v0); }
            else if (second >= 2) { scores[o] = TreeLevel(identity, -v0); scores[o + 1] = TreeLevel(identity, v0); }
            else { scores[o] = TreeLevel(identity, v0); scores[o + 1] = TreeLevel(identity, 0); }
        }
    }

    /// <summary>The int8 level of a sum: −128 plus how many of the ascending table's entries it reaches.</summary>
    public static sbyte TreeLevel(int[] table, int value)
    {
        int lo = 0, hi = table.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (value >= table[mid]) lo = mid + 1;
            else hi = mid;
        }
        return (sbyte)(lo - 128);
    }
    // </emit>

    private string Arguments(string name)
    {
        var s = Scoring;
        return $"rows: {Rows}, targets: {s.Targets}, postTransform: {s.PostTransform} /* {TreeScoring.TransformName(s.PostTransform)} */, " +
               $"flags: {s.Flags}, {name}Offsets, one: {One}, half: {Half}, {name}ClassLabels, {name}Identity, {name}Transformed";
    }

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"FinishTreeScoresInt8({Input.Expression(code)}, {Arguments(name)}, " +
                  (WritesLabels ? $"scores: default, labels: {Output.Expression(code)});" : $"scores: {Output.Expression(code)}, labels: default);"));

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"FinishTreeScoresInt8({Input.NanoArguments(code)}, {Arguments(name)}, " +
                  (WritesLabels ? $"null, 0, {Output.NanoArguments(code)});" : $"{Output.NanoArguments(code)}, null, 0);"));

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Offsets", Offsets, "base values in the walk's units");
        EmitArrays.Longs(code, $"{name}ClassLabels", Scoring.ClassLabels, "class labels (classlabels_int64s)");
        EmitArrays.Ints(code, $"{name}Identity", Identity, "per int8 level above -128: the least leaf sum reaching it");
        EmitArrays.Ints(code, $"{name}Transformed", Transformed, "the same through the post transform");
    }

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Rows); w.Int(Trees);
        var s = Scoring;
        w.Int(s.Flags); w.Int(s.Targets); w.Int(s.Aggregate); w.Int(s.PostTransform); w.Floats(s.BaseValues);
        w.Int(s.ClassLabels.Length);
        foreach (long label in s.ClassLabels) w.Long(label);
        w.Ints(Offsets); w.Int(One); w.Int(Half); w.Ints(Identity); w.Ints(Transformed);
    }

    public static TreeScoresInt8 Read(PlanBinaryReader r, string source)
    {
        var input = r.Slice();
        var output = r.Slice();
        int rows = r.Int(), trees = r.Int();
        var scoring = TreeScoresFloat.ReadScoring(r);
        int[] offsets = r.Ints();
        int one = r.Int(), half = r.Int();
        int[] identity = r.Ints(), transformed = r.Ints();
        if ((identity.Length != 0 && identity.Length != Levels) || (transformed.Length != 0 && transformed.Length != Levels))
            throw new System.IO.InvalidDataException($"Tree scores step {source}: level tables of {identity.Length} and {transformed.Length} entries.");
        return new TreeScoresInt8(source, input, output, rows, trees, scoring, offsets, one, half, identity, transformed);
    }
}
