using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The walk of a tree ensemble (ai.onnx.ml TreeEnsembleClassifier, TreeEnsembleRegressor, TreeEnsemble) on float rows:
/// every tree walked by one loop over compact node arrays, the leaf weights aggregated per target. Writes per row the
/// aggregated weights, then per target 1 or 0 for whether a leaf reached it (rows × 2 · targets); <see cref="TreeScoresFloat"/>
/// turns those into scores or class labels, so a classifier's two outputs share one walk and one copy of the trees.
/// Its int8 form is <see cref="TreeEnsembleInt8"/>.
/// </summary>
public sealed class TreeEnsembleFloat : FloatKernel, IFeatureWiseInput
{
    /// <param name="aggregate">How leaf weights combine: 0 AVERAGE and 1 SUM add (the average divides later), 2 MIN, 3 MAX.</param>
    /// <param name="firstWeightOnly">A one-target regressor: each leaf's first weight counts, whatever its target (ONNX Runtime).</param>
    /// <param name="scoreOffset">The most the scores steps add to a leaf sum (<see cref="TreeScoring.ScoreOffset"/>): the int8 form's range.</param>
    public TreeEnsembleFloat(string source, ArenaSlice input, ArenaSlice output, int rows, int features, CompiledForest forest,
        int targets, int aggregate, bool firstWeightOnly, float scoreOffset)
        : base(source)
    {
        ScoreOffset = scoreOffset;
        Input = input;
        Output = output;
        Rows = rows;
        FeatureCount = features;
        Forest = forest;
        Targets = targets;
        Aggregate = aggregate;
        FirstWeightOnly = firstWeightOnly;
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
    public int Targets { get; }
    public int Aggregate { get; }
    public bool FirstWeightOnly { get; }
    public float ScoreOffset { get; }
    public ArenaSlice FeatureInput => Input;
    /// <summary>A NaN feature takes each branch's missing-value direction (<see cref="TreeNode.MissingGoesTrue"/>, ≠ true).</summary>
    public bool TellsMissingApart => true;

    public override Kernel Quantize(Quantization.QuantizationContext context) => TreeEnsembleInt8.From(this, context);

    public override KernelKind Kind => KernelKind.TreeEnsembleFloat;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes =>
        Forest.Roots.Length * 4 + Forest.Modes.Length * (1 + 4 + Forest.IndexWidth + Forest.LinkWidth)
        + Forest.WeightValues.Length * (4 + Forest.IndexWidth);
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
        var output = arena.Floats(Output);
        switch (_indices)
        {
            case byte[] i: WithIndices(i, input, output); break;
            case ushort[] i: WithIndices(i, input, output); break;
            default: WithIndices((int[])_indices, input, output); break;
        }
    }

    private void WithIndices<TIndex>(TIndex[] indices, ReadOnlySpan<float> input, Span<float> output) where TIndex : struct
    {
        switch (_links)
        {
            case byte[] l: Walk(indices, l, input, output); break;
            case ushort[] l: Walk(indices, l, input, output); break;
            default: Walk(indices, (int[])_links, input, output); break;
        }
    }

    private void Walk<TIndex, TLink>(TIndex[] indices, TLink[] links, ReadOnlySpan<float> input, Span<float> output)
        where TIndex : struct where TLink : struct =>
        TreeEnsemble<TIndex, TLink>(input, Rows, FeatureCount, Forest.Roots, Forest.Modes, indices, Forest.Thresholds, links,
            (TIndex[])_weightTargets, Forest.WeightValues, Targets, Aggregate, FirstWeightOnly, output);

    // <emit>
    /// <summary>
    /// Walks every tree of a forest for each row of <paramref name="input"/> (rows × featureCount) and writes per row the
    /// leaf weights aggregated per target, then per target 1 where a leaf gave it a weight, else 0 (rows × 2 · targets).
    /// Nodes are in preorder: a branch (modes: 0 ≤, 1 &lt;, 2 ≥, 3 &gt;, 4 ==, 5 ≠; +8 when NaN goes true) tests
    /// input[features[node]] against thresholds[node] and goes to node + 1 when true, node + links[node] when false; a leaf
    /// (mode 7) has features[node] weights from weightValues[links[node]] on.
    /// </summary>
    public static void TreeEnsemble<TIndex, TLink>(ReadOnlySpan<float> input, int rows, int featureCount, ReadOnlySpan<int> roots,
        ReadOnlySpan<byte> modes, ReadOnlySpan<TIndex> features, ReadOnlySpan<float> thresholds, ReadOnlySpan<TLink> links,
        ReadOnlySpan<TIndex> weightTargets, ReadOnlySpan<float> weightValues, int targets, int aggregate, bool firstWeightOnly,
        Span<float> output)
        where TIndex : struct where TLink : struct
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = input.Slice(r * featureCount, featureCount);
            Span<float> sums = output.Slice(r * 2 * targets, targets), reached = output.Slice(r * 2 * targets + targets, targets);
            sums.Clear();
            reached.Clear();
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
                int first = TreeIndex(links, node), count = firstWeightOnly ? 1 : TreeIndex(features, node);
                for (int w = first; w < first + count; w++)
                    AddLeafWeight(sums, reached, firstWeightOnly ? 0 : TreeIndex(weightTargets, w), weightValues[w], aggregate);
            }
        }
    }

    /// <summary>Element <paramref name="i"/> of a byte, ushort or int array as an int (the JIT keeps only the branch of T).</summary>
    public static int TreeIndex<T>(ReadOnlySpan<T> values, int i) where T : struct =>
        typeof(T) == typeof(byte) ? System.Runtime.InteropServices.MemoryMarshal.Cast<T, byte>(values)[i]
        : typeof(T) == typeof(ushort) ? System.Runtime.InteropServices.MemoryMarshal.Cast<T, ushort>(values)[i]
        : System.Runtime.InteropServices.MemoryMarshal.Cast<T, int>(values)[i];

    /// <summary>One leaf weight into its target: 0 AVERAGE and 1 SUM add, 2 MIN and 3 MAX keep the extreme.</summary>
    public static void AddLeafWeight(Span<float> sums, Span<float> reached, int target, float weight, int aggregate)
    {
        if (aggregate <= 1) sums[target] += weight;
        else if (reached[target] == 0f || (aggregate == 2 ? weight < sums[target] : weight > sums[target])) sums[target] = weight;
        reached[target] = 1f;
    }

    // </emit>

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Rows); w.Int(FeatureCount);
        var f = Forest;
        w.Ints(f.Roots); w.Bytes(f.Modes); w.Ints(f.Features); w.Floats(f.Thresholds); w.Ints(f.Links);
        w.Ints(f.WeightTargets); w.Floats(f.WeightValues);
        w.Int(Targets); w.Int(Aggregate); w.Byte(FirstWeightOnly ? (byte)1 : (byte)0); w.Float(ScoreOffset);
        // The ONNX node of each entry, for the generated comments.
        w.Byte(f.Comments != null ? (byte)1 : (byte)0);
        if (f.Comments != null) foreach (string comment in f.Comments) w.String(comment);
    }

    public static TreeEnsembleFloat Read(PlanBinaryReader r, string source)
    {
        var input = r.Slice();
        var output = r.Slice();
        int rows = r.Int(), features = r.Int();
        int[] roots = r.Ints();
        byte[] modes = r.Bytes();
        int[] indices = r.Ints();
        float[] thresholds = r.Floats();
        int[] links = r.Ints(), weightTargets = r.Ints();
        float[] weightValues = r.Floats();
        int targets = r.Int(), aggregate = r.Int();
        bool firstWeightOnly = r.Byte() == 1;
        float scoreOffset = r.Float();
        string[]? comments = r.Byte() == 1 ? modes.Select(_ => r.String()).ToArray() : null;
        var forest = new CompiledForest(roots, modes, indices, thresholds, links, weightTargets, weightValues, comments);
        if (indices.Length != modes.Length || thresholds.Length != modes.Length || links.Length != modes.Length || weightTargets.Length != weightValues.Length)
            throw new System.IO.InvalidDataException($"Tree ensemble step {source}: node arrays of different lengths.");
        return new TreeEnsembleFloat(source, input, output, rows, features, forest, targets, aggregate, firstWeightOnly, scoreOffset);
    }

    private static string IndexType(int width) => width == 1 ? "byte" : width == 2 ? "ushort" : "int";

    public override void EmitCall(CodeWriter code, string name)
    {
        string index = IndexType(Forest.IndexWidth), link = IndexType(Forest.LinkWidth);
        code.Line($"TreeEnsemble<{index}, {link}>({Input.Expression(code)}, rows: {Rows}, featureCount: {FeatureCount}, {name}Roots, {name}Modes, {name}Features, {name}Thresholds, {name}Links,")
            .Line($"    {name}WeightTargets, {name}WeightValues, targets: {Targets}, aggregate: {Aggregate} /* {TreeScoring.AggregateName(Aggregate)} */, " +
                  $"firstWeightOnly: {(FirstWeightOnly ? "true" : "false")}, {Output.Expression(code)});");
    }

    public override void EmitData(CodeWriter code, string name)
    {
        var f = Forest;
        EmitArrays.Ints(code, $"{name}Roots", f.Roots, $"first node of each of the {f.Roots.Length} trees");
        EmitNodes(code, $"{name}Modes", f.Modes, f.Comments,
            "per node: 0 ≤, 1 &lt;, 2 ≥, 3 &gt;, 4 ==, 5 ≠ (+8: NaN goes true), 7 leaf; trees in preorder, a branch's true child next");
        EmitIndices(code, $"{name}Features", f.Features, f.IndexWidth, "per node: the feature a branch tests, the number of weights of a leaf");
        EmitArrays.Floats(code, $"{name}Thresholds", f.Thresholds, "per node: the threshold a branch compares with (0 for a leaf)");
        EmitIndices(code, $"{name}Links", f.Links, f.LinkWidth, "per node: how far ahead a branch's false child is, a leaf's first weight");
        EmitIndices(code, $"{name}WeightTargets", f.WeightTargets, f.IndexWidth, "per leaf weight: the target (class) it adds to");
        EmitArrays.Floats(code, $"{name}WeightValues", f.WeightValues, "per leaf weight: its value");
    }

    /// <summary>The mode bytes (.NET flavour), one line per tree node naming the ONNX node it came from.</summary>
    public static void EmitNodes(CodeWriter code, string name, byte[] modes, string[]? comments, string summary)
    {
        code.Line($"/// <summary>{summary}.</summary>");
        if (modes.Length == 0) { code.Line($"private static ReadOnlySpan<byte> {name} => default;"); return; }
        code.Open($"private static ReadOnlySpan<byte> {name} => new byte[]");
        for (int i = 0; i < modes.Length; i++)
            code.Line(comments == null
                ? $"{modes[i].ToString(CultureInfo.InvariantCulture)},"
                : $"{modes[i].ToString(CultureInfo.InvariantCulture)}, // {i}: {CodeWriter.Comment(comments[i])}");
        code.Close(";");
    }

    private static void EmitIndices(CodeWriter code, string name, int[] values, int width, string comment)
    {
        if (width == 1) EmitArrays.Bytes(code, name, values.Select(v => (byte)v).ToArray(), comment);
        else if (width == 2) EmitArrays.UShorts(code, name, values.Select(v => (ushort)v).ToArray(), comment);
        else EmitArrays.Ints(code, name, values, comment);
    }
}
