using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// A tree ensemble (ai.onnx.ml TreeEnsembleClassifier, TreeEnsembleRegressor, TreeEnsemble) on float rows: every tree
/// walked by one loop over compact node arrays, the leaf weights aggregated per target, then ONNX Runtime's base values,
/// binary-classifier rules and post transform. Writes either the scores (float, rows × targets) or the class labels
/// (int64, rows): a classifier with both outputs is two steps.
/// </summary>
public sealed class TreeEnsembleFloat : FloatKernel, IFloatOnlyKernel
{
    public TreeEnsembleFloat(string source, ArenaSlice input, ArenaSlice output, int rows, int features, CompiledForest forest, TreeScoring scoring)
        : base(source)
    {
        Input = input;
        Output = output;
        Rows = rows;
        FeatureCount = features;
        Forest = forest;
        Scoring = scoring;
        _indices = Narrow(forest.Features, forest.IndexWidth);
        _weightTargets = Narrow(forest.WeightTargets, forest.IndexWidth);
        _links = Narrow(forest.Links, forest.LinkWidth);
    }

    private readonly Array _indices, _weightTargets, _links;

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int FeatureCount { get; }
    public CompiledForest Forest { get; }
    public TreeScoring Scoring { get; }
    public bool WritesLabels => Output.Type == ElementType.Int64;

    public BakeException Int8Refusal() =>
        new(ErrorCodes.UnsupportedOperatorUsage,
            $"Node {Source}: tree ensembles have no int8 kernel yet (their thresholds compare float features). " +
            "Set Precision=\"Float32\" on the CompressedModel item (--precision Float32 on the command line) to bake this model in float.");

    public override Kernel Quantize(Quantization.QuantizationContext context) => throw Int8Refusal();

    public override KernelKind Kind => KernelKind.TreeEnsembleFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes =>
        Forest.Roots.Length * 4 + Forest.Modes.Length * (1 + 4 + Forest.IndexWidth + Forest.LinkWidth)
        + Forest.WeightValues.Length * (4 + Forest.IndexWidth) + Scoring.BaseValues.Length * 4 + Scoring.ClassLabels.Length * 8;
    public override int Parameters => Forest.Modes.Length + Forest.WeightValues.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(TreeEnsembleFloat) };

    private static Array Narrow(int[] values, int width) => width switch
    {
        1 => values.Select(v => (byte)v).ToArray(),
        2 => values.Select(v => (ushort)v).ToArray(),
        _ => values,
    };

    public override void Run(PlanArena arena)
    {
        var input = arena.Floats(Input);
        var scores = WritesLabels ? Span<float>.Empty : arena.Floats(Output);
        var labels = WritesLabels ? arena.Of<long>(Output) : Span<long>.Empty;
        switch (_indices)
        {
            case byte[] i: WithIndices(i, input, scores, labels); break;
            case ushort[] i: WithIndices(i, input, scores, labels); break;
            default: WithIndices((int[])_indices, input, scores, labels); break;
        }
    }

    private void WithIndices<TIndex>(TIndex[] indices, ReadOnlySpan<float> input, Span<float> scores, Span<long> labels) where TIndex : struct
    {
        switch (_links)
        {
            case byte[] l: Walk(indices, l, input, scores, labels); break;
            case ushort[] l: Walk(indices, l, input, scores, labels); break;
            default: Walk(indices, (int[])_links, input, scores, labels); break;
        }
    }

    private void Walk<TIndex, TLink>(TIndex[] indices, TLink[] links, ReadOnlySpan<float> input, Span<float> scores, Span<long> labels)
        where TIndex : struct where TLink : struct =>
        TreeEnsemble<TIndex, TLink>(input, Rows, FeatureCount, Forest.Roots, Forest.Modes, indices, Forest.Thresholds, links,
            (TIndex[])_weightTargets, Forest.WeightValues, Scoring.Targets, Scoring.Aggregate, Scoring.PostTransform, Scoring.Flags,
            Scoring.BaseValues, Scoring.ClassLabels, scores, labels);

    // <emit>
    /// <summary>
    /// Walks every tree of a forest for each row of <paramref name="input"/> (rows × featureCount) and writes the scores
    /// (rows × targets) or, when <paramref name="scores"/> is empty, the class labels. Nodes are in preorder: a branch
    /// (modes: 0 ≤, 1 &lt;, 2 ≥, 3 &gt;, 4 ==, 5 ≠; +8 when NaN goes true) tests input[features[node]] against
    /// thresholds[node] and goes to node + 1 when true, node + links[node] when false; a leaf (mode 7) adds its
    /// features[node] weights from weightValues[links[node]] to their targets.
    /// </summary>
    public static void TreeEnsemble<TIndex, TLink>(ReadOnlySpan<float> input, int rows, int featureCount, ReadOnlySpan<int> roots,
        ReadOnlySpan<byte> modes, ReadOnlySpan<TIndex> features, ReadOnlySpan<float> thresholds, ReadOnlySpan<TLink> links,
        ReadOnlySpan<TIndex> weightTargets, ReadOnlySpan<float> weightValues, int targets, int aggregate, int postTransform, int flags,
        ReadOnlySpan<float> baseValues, ReadOnlySpan<long> classLabels, Span<float> scores, Span<long> labels)
        where TIndex : struct where TLink : struct
    {
        Span<float> sums = stackalloc float[targets];
        Span<byte> has = stackalloc byte[targets];
        Span<float> scratch = scores.Length == 0 ? stackalloc float[targets] : default;
        // The classifier sums its leaves whatever the aggregate; a one-target regressor reads each leaf's first weight.
        int combine = (flags & 1) != 0 ? 1 : aggregate;
        bool single = (flags & 1) == 0 && targets == 1;
        for (int r = 0; r < rows; r++)
        {
            sums.Clear();
            has.Clear();
            ReadOnlySpan<float> x = input.Slice(r * featureCount, featureCount);
            for (int t = 0; t < roots.Length; t++)
            {
                int node = roots[t];
                int mode = modes[node];
                while (mode != 7)
                {
                    float value = x[TreeIndex(features, node)], threshold = thresholds[node];
                    bool goesTrue;
                    switch (mode & 7)
                    {
                        case 0: goesTrue = value <= threshold; break;
                        case 1: goesTrue = value < threshold; break;
                        case 2: goesTrue = value >= threshold; break;
                        case 3: goesTrue = value > threshold; break;
                        case 4: goesTrue = value == threshold; break;
                        default: goesTrue = value != threshold; break;
                    }
                    if (!goesTrue && mode >= 8 && float.IsNaN(value)) goesTrue = true;
                    node += goesTrue ? 1 : TreeIndex(links, node);
                    mode = modes[node];
                }
                int first = TreeIndex(links, node), count = single ? 1 : TreeIndex(features, node);
                for (int w = first; w < first + count; w++)
                    AddLeafWeight(sums, has, single ? 0 : TreeIndex(weightTargets, w), weightValues[w], combine);
            }
            Span<float> row = scores.Length == 0 ? scratch : scores.Slice(r * targets, targets);
            long label = FinishTreeRow(sums, has, targets, roots.Length, aggregate, postTransform, flags, baseValues, classLabels, row);
            if (scores.Length == 0) labels[r] = label;
        }
    }

    /// <summary>Element <paramref name="i"/> of a byte, ushort or int array as an int (the JIT keeps only the branch of T).</summary>
    public static int TreeIndex<T>(ReadOnlySpan<T> values, int i) where T : struct =>
        typeof(T) == typeof(byte) ? System.Runtime.InteropServices.MemoryMarshal.Cast<T, byte>(values)[i]
        : typeof(T) == typeof(ushort) ? System.Runtime.InteropServices.MemoryMarshal.Cast<T, ushort>(values)[i]
        : System.Runtime.InteropServices.MemoryMarshal.Cast<T, int>(values)[i];

    /// <summary>One leaf weight into its target: 0 AVERAGE and 1 SUM add, 2 MIN and 3 MAX keep the extreme.</summary>
    public static void AddLeafWeight(Span<float> sums, Span<byte> has, int target, float weight, int aggregate)
    {
        if (aggregate <= 1) sums[target] += weight;
        else if (has[target] == 0 || (aggregate == 2 ? weight < sums[target] : weight > sums[target])) sums[target] = weight;
        has[target] = 1;
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
        w.Int(Rows); w.Int(FeatureCount);
        var f = Forest;
        w.Ints(f.Roots); w.Bytes(f.Modes); w.Ints(f.Features); w.Floats(f.Thresholds); w.Ints(f.Links);
        w.Ints(f.WeightTargets); w.Floats(f.WeightValues);
        var s = Scoring;
        w.Int(s.Flags); w.Int(s.Targets); w.Int(s.Aggregate); w.Int(s.PostTransform); w.Floats(s.BaseValues);
        w.Int(s.ClassLabels.Length);
        foreach (long label in s.ClassLabels) w.Long(label);
    }

    public static TreeEnsembleFloat Read(PlanBinaryReader r, string source)
    {
        var input = r.Slice();
        var output = r.Slice();
        int rows = r.Int(), features = r.Int();
        var forest = new CompiledForest(r.Ints(), r.Bytes(), r.Ints(), r.Floats(), r.Ints(), r.Ints(), r.Floats());
        int flags = r.Int(), targets = r.Int(), aggregate = r.Int(), transform = r.Int();
        var baseValues = r.Floats();
        var labels = new long[r.Int()];
        for (int i = 0; i < labels.Length; i++) labels[i] = r.Long();
        var scoring = new TreeScoring((flags & TreeScoring.ClassifierFlag) != 0, targets, aggregate, transform, baseValues, labels,
            (flags & TreeScoring.BinaryCaseFlag) != 0, (flags & TreeScoring.AllPositiveFlag) != 0);
        return new TreeEnsembleFloat(source, input, output, rows, features, forest, scoring);
    }

    private static string IndexType(int width) => width == 1 ? "byte" : width == 2 ? "ushort" : "int";

    public override void EmitCall(CodeWriter code, string name)
    {
        var s = Scoring;
        string index = IndexType(Forest.IndexWidth), link = IndexType(Forest.LinkWidth);
        code.Line($"TreeEnsemble<{index}, {link}>({Input.Expression(code)}, rows: {Rows}, featureCount: {FeatureCount}, {name}Roots, {name}Modes, {name}Features, {name}Thresholds, {name}Links,")
            .Line($"    {name}WeightTargets, {name}WeightValues, targets: {s.Targets}, aggregate: {s.Aggregate} /* {TreeScoring.AggregateName(s.Aggregate)} */, " +
                  $"postTransform: {s.PostTransform} /* {TreeScoring.TransformName(s.PostTransform)} */, flags: {s.Flags},")
            .Line(WritesLabels
                ? $"    {name}BaseValues, {name}ClassLabels, scores: default, labels: {Output.Expression(code)});"
                : $"    {name}BaseValues, {name}ClassLabels, scores: {Output.Expression(code)}, labels: default);");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        var f = Forest;
        EmitArrays.Ints(code, $"{name}Roots", f.Roots, $"first node of each of the {f.Roots.Length} trees");
        EmitNodes(code, name, f);
        EmitIndices(code, $"{name}Features", f.Features, f.IndexWidth, "per node: the feature a branch tests, the number of weights of a leaf");
        EmitArrays.Floats(code, $"{name}Thresholds", f.Thresholds, "per node: the threshold a branch compares with (0 for a leaf)");
        EmitIndices(code, $"{name}Links", f.Links, f.LinkWidth, "per node: how far ahead a branch's false child is, a leaf's first weight");
        EmitIndices(code, $"{name}WeightTargets", f.WeightTargets, f.IndexWidth, "per leaf weight: the target (class) it adds to");
        EmitArrays.Floats(code, $"{name}WeightValues", f.WeightValues, "per leaf weight: its value");
        EmitArrays.Floats(code, $"{name}BaseValues", Scoring.BaseValues, "base values added to the scores");
        EmitArrays.Longs(code, $"{name}ClassLabels", Scoring.ClassLabels, "class labels (classlabels_int64s)");
    }

    /// <summary>The mode bytes, one line per tree node naming the ONNX node it came from.</summary>
    private static void EmitNodes(CodeWriter code, string name, CompiledForest f)
    {
        code.Line("/// <summary>per node: 0 ≤, 1 &lt;, 2 ≥, 3 &gt;, 4 ==, 5 ≠ (+8: NaN goes true), 7 leaf; trees in preorder, a branch's true child next.</summary>");
        if (f.Modes.Length == 0) { code.Line($"private static ReadOnlySpan<byte> {name}Modes => default;"); return; }
        code.Open($"private static ReadOnlySpan<byte> {name}Modes => new byte[]");
        for (int i = 0; i < f.Modes.Length; i++)
            code.Line(f.Comments == null
                ? $"{f.Modes[i].ToString(CultureInfo.InvariantCulture)},"
                : $"{f.Modes[i].ToString(CultureInfo.InvariantCulture)}, // {i}: {CodeWriter.Comment(f.Comments[i])}");
        code.Close(";");
    }

    private static void EmitIndices(CodeWriter code, string name, int[] values, int width, string comment)
    {
        if (width == 1) EmitArrays.Bytes(code, name, values.Select(v => (byte)v).ToArray(), comment);
        else if (width == 2) EmitArrays.UShorts(code, name, values.Select(v => (ushort)v).ToArray(), comment);
        else EmitArrays.Ints(code, name, values, comment);
    }
}
