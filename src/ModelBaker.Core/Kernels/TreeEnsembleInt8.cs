using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// The walk of a tree ensemble on int8 features (docs/classical-ml.md#int8): <see cref="TreeEnsembleFloat"/>'s compact
/// node arrays with each float threshold mapped into its feature's int8 grid, so that every branch decides on a quantized
/// value q exactly as the float branch decides on q's real value; leaf weights in int32 fixed point of one power-of-two
/// unit. Writes per row the aggregated leaf weights, then per target <c>one</c> (the unit's 1.0) where a leaf reached it,
/// else 0 (rows × 2 · targets, int32); <see cref="TreeScoresInt8"/> turns those into int8 scores or labels.
/// </summary>
public sealed class TreeEnsembleInt8 : Int8Kernel
{
    /// <summary>
    /// Integer branch modes: the true child when q ≤ t, q &gt; t, q == t, q ≠ t; 7 is a leaf, as in the float arrays; plus
    /// <see cref="MissingGoesTrue"/> when the NaN code (<see cref="MissingCode"/>) takes the true child.
    /// </summary>
    public const byte Le = 0, Gt = 1, Eq = 2, Ne = 3, MissingGoesTrue = 8;

    /// <summary>What <see cref="MissingCode"/> is when the input codes no NaN: a value no sbyte feature equals.</summary>
    public const int NoMissingCode = 128;

    public TreeEnsembleInt8(string source, ArenaSlice input, ArenaSlice output, int rows, int features, int[] roots, byte[] modes,
        int[] featureIndices, sbyte[] thresholds, int[] links, int[] weightTargets, int[] weightValues, int targets, int aggregate,
        bool firstWeightOnly, int one, string[]? comments = null, int missingCode = NoMissingCode)
        : base(source)
    {
        MissingCode = missingCode;
        Input = input;
        Output = output;
        Rows = rows;
        FeatureCount = features;
        Roots = roots;
        Modes = modes;
        Features = featureIndices;
        Thresholds = thresholds;
        Links = links;
        WeightTargets = weightTargets;
        WeightValues = weightValues;
        Targets = targets;
        Aggregate = aggregate;
        FirstWeightOnly = firstWeightOnly;
        One = one;
        Comments = comments;
        IndexWidth = Width(featureIndices.Concat(weightTargets));
        LinkWidth = Width(links);
        _features = Narrow(featureIndices, IndexWidth);
        _links = Narrow(links, LinkWidth);
        _weightTargets = Narrow(weightTargets, IndexWidth);
    }

    private readonly byte[] _features, _links, _weightTargets;

    public ArenaSlice Input { get; }
    public override ArenaSlice Output { get; }
    public int Rows { get; }
    public int FeatureCount { get; }
    public int[] Roots { get; }
    public byte[] Modes { get; }
    /// <summary>A branch's feature index; a leaf's weight count.</summary>
    public int[] Features { get; }
    public sbyte[] Thresholds { get; }
    /// <summary>A branch's distance to its false child; a leaf's first weight.</summary>
    public int[] Links { get; }
    public int[] WeightTargets { get; }
    /// <summary>Leaf weights in units of the walk's fixed point (its output's scale).</summary>
    public int[] WeightValues { get; }
    public int Targets { get; }
    public int Aggregate { get; }
    public bool FirstWeightOnly { get; }
    /// <summary>1.0 in the fixed-point unit: what the walk writes for a target a leaf reached.</summary>
    public int One { get; }
    public string[]? Comments { get; }
    /// <summary>
    /// −128 where the input codes a missing (NaN) feature so (<see cref="PlanTensor.MissingCode"/>): such a feature takes each
    /// branch's missing-value direction, as in ONNX Runtime; else <see cref="NoMissingCode"/>.
    /// </summary>
    public int MissingCode { get; }
    /// <summary>Bytes per element of the stored feature indices and weight targets, and of the links: 1, 2 or 4.</summary>
    public int IndexWidth { get; }
    public int LinkWidth { get; }

    private static int Width(IEnumerable<int> values)
    {
        int max = values.DefaultIfEmpty(0).Max();
        return max <= byte.MaxValue ? 1 : max <= ushort.MaxValue ? 2 : 4;
    }

    /// <summary>
    /// The integer walk of <paramref name="walk"/>: thresholds into the int8 grid of the feature they test (<see cref="IntegerBranch"/>;
    /// one grid per feature where the input is a model input quantized per feature, else the tensor's),
    /// leaf weights into int32 units of 2^e, the smallest power of two for which every leaf sum plus the scores' offsets
    /// (base values, the binary rules' 1) stays within ±2^30. The unit is fixed as the output's scale for the scores steps.
    /// </summary>
    public static TreeEnsembleInt8 From(TreeEnsembleFloat walk, QuantizationContext context)
    {
        var f = walk.Forest;
        var input = context.Parameters(walk.Input);
        var perFeature = context.FeatureParameters(walk.Input);
        bool codesMissing = context.CodesMissing(walk.Input);
        var modes = new byte[f.Modes.Length];
        var thresholds = new sbyte[f.Modes.Length];
        for (int i = 0; i < modes.Length; i++)
        {
            if (f.Modes[i] == CompiledForest.LeafMode) { modes[i] = CompiledForest.LeafMode; continue; }
            (modes[i], thresholds[i]) = IntegerBranch(f.Modes[i], f.Thresholds[i], perFeature?[f.Features[i]] ?? input, codesMissing);
        }
        double unit = Unit(f, walk.FirstWeightOnly, walk.ScoreOffset);
        context.Fix(walk.Output, new QuantizationParameters(unit, 0));
        int[] weights = f.WeightValues.Select(w => (int)Math.Round(w / unit)).ToArray();
        int one = (int)Math.Max(1, Math.Round(1 / unit));
        return new TreeEnsembleInt8(walk.Source, context.Slice(walk.Input), context.Slice(walk.Output, ElementType.Int32), walk.Rows,
            walk.FeatureCount, f.Roots, modes, f.Features, thresholds, f.Links, f.WeightTargets, weights, walk.Targets, walk.Aggregate,
            walk.FirstWeightOnly, one, f.Comments, codesMissing ? -128 : NoMissingCode);
    }

    /// <summary>
    /// The integer branch deciding on every int8 value q as the float branch (mode 0 ≤, 1 &lt;, 2 ≥, 3 &gt;, 4 ==, 5 ≠)
    /// decides on q's real value <see cref="FixedPoint.Dequantize"/>: found by trying all 256, so ties and thresholds
    /// between grid points land on the right side. A threshold below or above the whole grid becomes a branch that
    /// always or never goes true (q ≤ 127, q &gt; 127). With <paramref name="missingCoded"/> the reals lie on −127…127 and
    /// −128 is a missing feature: it decides nothing about the test, and takes the true child when a NaN does in
    /// ONNX Runtime — the node tracks missing values to true, or tests ≠ (NaN ≠ t is true) — which sets <see cref="MissingGoesTrue"/>.
    /// </summary>
    public static (byte Mode, sbyte Threshold) IntegerBranch(byte floatMode, float threshold, QuantizationParameters p, bool missingCoded = false)
    {
        var (mode, integerThreshold) = IntegerTest(floatMode, threshold, p, missingCoded ? -127 : -128);
        bool nanGoesTrue = (floatMode & CompiledForest.MissingGoesTrue) != 0 || (floatMode & 7) == 5;
        return (missingCoded && nanGoesTrue ? (byte)(mode | MissingGoesTrue) : mode, integerThreshold);
    }

    private static (byte Mode, sbyte Threshold) IntegerTest(byte floatMode, float threshold, QuantizationParameters p, int lowest)
    {
        var goesTrue = new bool[256];
        for (int q = lowest; q <= 127; q++)
        {
            float x = FixedPoint.Dequantize((sbyte)q, p.Scale, p.ZeroPoint);
            goesTrue[q + 128] = (floatMode & 7) switch
            {
                0 => x <= threshold,
                1 => x < threshold,
                2 => x >= threshold,
                3 => x > threshold,
                4 => x == threshold,
                _ => x != threshold,
            };
        }
        if (lowest > -128) goesTrue[0] = goesTrue[1]; // no real is −128: any answer there will do, so take its neighbour's
        int trues = goesTrue.Count(g => g);
        if (trues == 256) return (Le, 127);
        if (trues == 0) return (Gt, 127);
        int firstFalse = Array.IndexOf(goesTrue, false), firstTrue = Array.IndexOf(goesTrue, true);
        // True up to a point and false after (≤, <), or the reverse (≥, >).
        if (goesTrue.Skip(firstFalse).All(g => !g)) return (Le, (sbyte)(firstFalse - 1 - 128));
        if (goesTrue.Skip(firstTrue).All(g => g)) return (Gt, (sbyte)(firstTrue - 1 - 128));
        if (trues == 1) return (Eq, (sbyte)(firstTrue - 128));
        if (trues == 255) return (Ne, (sbyte)(firstFalse - 128));
        throw new InvalidOperationException($"a tree branch (mode {floatMode}, threshold {threshold}) has no integer form on the int8 grid ({p})");
    }

    /// <summary>
    /// 2^e for the smallest e that keeps Σ over trees of the largest |leaf weight| plus <paramref name="offset"/> within
    /// 2^30 units: sums cannot overflow, and 1.0 and 0.5 are exact whole numbers of units.
    /// </summary>
    public static double Unit(CompiledForest f, bool firstWeightOnly, float offset)
    {
        double bound = Math.Abs((double)offset);
        for (int t = 0; t < f.Roots.Length; t++)
        {
            int end = t + 1 < f.Roots.Length ? f.Roots[t + 1] : f.Modes.Length;
            double largest = 0;
            for (int node = f.Roots[t]; node < end; node++)
            {
                if (f.Modes[node] != CompiledForest.LeafMode) continue;
                int count = firstWeightOnly ? 1 : f.Features[node];
                for (int w = f.Links[node]; w < f.Links[node] + count; w++) largest = Math.Max(largest, Math.Abs((double)f.WeightValues[w]));
            }
            bound += largest;
        }
        if (!(bound > 0) || double.IsInfinity(bound)) bound = 1;
        int e = (int)Math.Ceiling(Math.Log(bound, 2)) - 30;
        while (bound / Math.Pow(2, e) > (1 << 30)) e++;
        while (e > -1000 && bound / Math.Pow(2, e - 1) <= (1 << 30)) e--;
        return Math.Pow(2, e);
    }

    public override KernelKind Kind => KernelKind.TreeEnsembleInt8;
    public override IEnumerable<ArenaSlice> Reads => new[] { Input };
    public override int WeightBytes =>
        Roots.Length * 4 + Modes.Length * (1 + 1 + IndexWidth + LinkWidth) + WeightValues.Length * (4 + IndexWidth);
    public override int Parameters => Modes.Length + WeightValues.Length;
    public override IEnumerable<string> Helpers => new[] { nameof(TreeEnsembleInt8) };
    public override IEnumerable<string> NanoHelpers => new[] { nameof(TreeEnsembleInt8) + "#Nano" };

    /// <summary>Values as little-endian entries of <paramref name="width"/> bytes (how the narrow arrays are stored).</summary>
    public static byte[] Narrow(int[] values, int width)
    {
        var bytes = new byte[values.Length * width];
        for (int i = 0; i < values.Length; i++)
            for (int b = 0; b < width; b++) bytes[i * width + b] = (byte)(values[i] >> (8 * b));
        return bytes;
    }

    public override void Run(PlanArena arena) =>
        TreeEnsembleInt8Walk(arena.Int8s(Input), Rows, FeatureCount, Roots, Modes, _features, Thresholds, _links,
            _weightTargets, IndexWidth, LinkWidth, WeightValues, Targets, Aggregate, FirstWeightOnly, One, MissingCode, arena.Of<int>(Output));

    // <emit>
    /// <summary>
    /// Walks every tree for each row of int8 features (rows × featureCount) and writes per row the int32 leaf weights
    /// aggregated per target (0 AVERAGE and 1 SUM add, 2 MIN, 3 MAX), then per target <paramref name="one"/> where a leaf
    /// reached it, else 0. Nodes in preorder: a branch (modes 0 q ≤ t, 1 q &gt; t, 2 q == t, 3 q ≠ t) goes to node + 1
    /// when true, node + link when false; a leaf (7) has its weight count in the feature slot and its first weight in the
    /// link slot. Feature indices, weight targets and links are little-endian entries of indexWidth and linkWidth bytes.
    /// A feature equal to missingCode (−128 where the input codes NaN so, else 128, which none equals) takes the true child
    /// when the branch's mode has 8 set, the false child otherwise.
    /// </summary>
    public static void TreeEnsembleInt8Walk(ReadOnlySpan<sbyte> input, int rows, int featureCount, ReadOnlySpan<int> roots,
        ReadOnlySpan<byte> modes, ReadOnlySpan<byte> features, ReadOnlySpan<sbyte> thresholds, ReadOnlySpan<byte> links,
        ReadOnlySpan<byte> weightTargets, int indexWidth, int linkWidth, ReadOnlySpan<int> weightValues, int targets, int aggregate,
        bool firstWeightOnly, int one, int missingCode, Span<int> output)
    {
        for (int r = 0; r < rows; r++)
        {
            int x = r * featureCount, o = r * 2 * targets;
            for (int k = 0; k < 2 * targets; k++) output[o + k] = 0;
            for (int t = 0; t < roots.Length; t++)
            {
                int node = roots[t];
                int mode = modes[node];
                while (mode != 7)
                {
                    int value = input[x + TreeEntry(features, node, indexWidth)], threshold = thresholds[node];
                    int test = mode & 7;
                    bool goesTrue = value == missingCode ? mode >= 8
                        : test == 0 ? value <= threshold : test == 1 ? value > threshold : test == 2 ? value == threshold : value != threshold;
                    node += goesTrue ? 1 : TreeEntry(links, node, linkWidth);
                    mode = modes[node];
                }
                int first = TreeEntry(links, node, linkWidth), count = firstWeightOnly ? 1 : TreeEntry(features, node, indexWidth);
                for (int w = first; w < first + count; w++)
                {
                    int target = o + (firstWeightOnly ? 0 : TreeEntry(weightTargets, w, indexWidth)), weight = weightValues[w];
                    if (aggregate <= 1) output[target] += weight;
                    else if (output[target + targets] == 0 || (aggregate == 2 ? weight < output[target] : weight > output[target])) output[target] = weight;
                    output[target + targets] = one;
                }
            }
        }
    }

    /// <summary>Entry <paramref name="i"/> of an array of little-endian entries of 1, 2 or 4 bytes.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static int TreeEntry(ReadOnlySpan<byte> values, int i, int width) =>
        width == 1 ? values[i]
        : width == 2 ? values[2 * i] | values[2 * i + 1] << 8
        : values[4 * i] | values[4 * i + 1] << 8 | values[4 * i + 2] << 16 | values[4 * i + 3] << 24;
    // </emit>

    // <emit Nano>
    /// <summary>The walk on arrays (see the .NET flavour); one- and two-byte entries read inline, with no call in the loop.</summary>
    public static void TreeEnsembleInt8Walk(sbyte[] input, int inputOffset, int rows, int featureCount, int[] roots, byte[] modes,
        byte[] features, sbyte[] thresholds, byte[] links, byte[] weightTargets, int indexWidth, int linkWidth, int[] weightValues,
        int targets, int aggregate, bool firstWeightOnly, int one, int missingCode, int[] output, int outputOffset)
    {
        for (int r = 0; r < rows; r++)
        {
            int x = inputOffset + r * featureCount, o = outputOffset + r * 2 * targets;
            for (int k = 0; k < 2 * targets; k++) output[o + k] = 0;
            for (int t = 0; t < roots.Length; t++)
            {
                int node = roots[t];
                int mode = modes[node];
                while (mode != 7)
                {
                    int feature = indexWidth == 1 ? features[node] : indexWidth == 2 ? features[2 * node] | features[2 * node + 1] << 8
                        : features[4 * node] | features[4 * node + 1] << 8 | features[4 * node + 2] << 16 | features[4 * node + 3] << 24;
                    int value = input[x + feature], threshold = thresholds[node];
                    int test = mode & 7;
                    bool goesTrue = value == missingCode ? mode >= 8
                        : test == 0 ? value <= threshold : test == 1 ? value > threshold : test == 2 ? value == threshold : value != threshold;
                    if (goesTrue) node++;
                    else node += linkWidth == 1 ? links[node] : linkWidth == 2 ? links[2 * node] | links[2 * node + 1] << 8
                        : links[4 * node] | links[4 * node + 1] << 8 | links[4 * node + 2] << 16 | links[4 * node + 3] << 24;
                    mode = modes[node];
                }
                int first = linkWidth == 1 ? links[node] : linkWidth == 2 ? links[2 * node] | links[2 * node + 1] << 8
                    : links[4 * node] | links[4 * node + 1] << 8 | links[4 * node + 2] << 16 | links[4 * node + 3] << 24;
                int count = firstWeightOnly ? 1 : indexWidth == 1 ? features[node] : indexWidth == 2 ? features[2 * node] | features[2 * node + 1] << 8
                    : features[4 * node] | features[4 * node + 1] << 8 | features[4 * node + 2] << 16 | features[4 * node + 3] << 24;
                for (int w = first; w < first + count; w++)
                {
                    int target = o;
                    if (!firstWeightOnly)
                        target += indexWidth == 1 ? weightTargets[w] : indexWidth == 2 ? weightTargets[2 * w] | weightTargets[2 * w + 1] << 8
                            : weightTargets[4 * w] | weightTargets[4 * w + 1] << 8 | weightTargets[4 * w + 2] << 16 | weightTargets[4 * w + 3] << 24;
                    int weight = weightValues[w];
                    if (aggregate <= 1) output[target] += weight;
                    else if (output[target + targets] == 0 || (aggregate == 2 ? weight < output[target] : weight > output[target])) output[target] = weight;
                    output[target + targets] = one;
                }
            }
        }
    }
    // </emit>

    private string Arguments(string name) =>
        $"rows: {Rows}, featureCount: {FeatureCount}, {name}Roots, {name}Modes, {name}Features, {name}Thresholds, {name}Links, {name}WeightTargets, " +
        $"indexWidth: {IndexWidth}, linkWidth: {LinkWidth}, {name}WeightValues, targets: {Targets}, aggregate: {Aggregate} /* {TreeScoring.AggregateName(Aggregate)} */, " +
        $"firstWeightOnly: {(FirstWeightOnly ? "true" : "false")}, one: {One}, missingCode: {MissingCode}{(MissingCode == NoMissingCode ? " /* none */" : " /* NaN */")}";

    public override void EmitCall(CodeWriter code, string name) =>
        code.Line($"TreeEnsembleInt8Walk({Input.Expression(code)}, {Arguments(name)}, {Output.Expression(code)});");

    public override void EmitNanoCall(CodeWriter code, string name) =>
        code.Line($"TreeEnsembleInt8Walk({Input.NanoArguments(code)}, {Arguments(name)}, {Output.NanoArguments(code)});");

    public override void EmitData(CodeWriter code, string name)
    {
        EmitArrays.Ints(code, $"{name}Roots", Roots, $"first node of each of the {Roots.Length} trees");
        string modes = "per node: 0 q ≤ t, 1 q &gt; t, 2 q == t, 3 q ≠ t (q the int8 feature, t the threshold on its grid), plus 8 when a missing feature goes true, 7 leaf; trees in preorder, a branch's true child next";
        if (Comments == null || code.Nano) EmitArrays.Bytes(code, $"{name}Modes", Modes, modes);
        else TreeEnsembleFloat.EmitNodes(code, $"{name}Modes", Modes, Comments, modes);
        EmitArrays.Bytes(code, $"{name}Features", _features, $"per node, {IndexWidth}-byte little-endian: the feature a branch tests, the number of weights of a leaf");
        EmitArrays.SBytes(code, $"{name}Thresholds", Thresholds, "per node: the threshold on the feature's int8 grid (0 for a leaf)");
        EmitArrays.Bytes(code, $"{name}Links", _links, $"per node, {LinkWidth}-byte little-endian: how far ahead a branch's false child is, a leaf's first weight");
        EmitArrays.Bytes(code, $"{name}WeightTargets", _weightTargets, $"per leaf weight, {IndexWidth}-byte little-endian: the target (class) it adds to");
        EmitArrays.Ints(code, $"{name}WeightValues", WeightValues, $"per leaf weight: its value in units of 1/{One}");
    }

    public override void WritePayload(PlanBinaryWriter w)
    {
        w.Slice(Input); w.Slice(Output);
        w.Int(Rows); w.Int(FeatureCount);
        w.Ints(Roots); w.Bytes(Modes); w.Ints(Features); w.Bytes(Thresholds.Select(t => (byte)t).ToArray()); w.Ints(Links);
        w.Ints(WeightTargets); w.Ints(WeightValues);
        w.Int(Targets); w.Int(Aggregate); w.Byte(FirstWeightOnly ? (byte)1 : (byte)0); w.Int(One);
        w.Byte(Comments != null ? (byte)1 : (byte)0);
        if (Comments != null) foreach (string comment in Comments) w.String(comment);
        w.Int(MissingCode);
    }

    public static TreeEnsembleInt8 Read(PlanBinaryReader r, string source)
    {
        var input = r.Slice();
        var output = r.Slice();
        int rows = r.Int(), features = r.Int();
        int[] roots = r.Ints();
        byte[] modes = r.Bytes();
        int[] indices = r.Ints();
        sbyte[] thresholds = r.Bytes().Select(b => (sbyte)b).ToArray();
        int[] links = r.Ints(), weightTargets = r.Ints(), weightValues = r.Ints();
        int targets = r.Int(), aggregate = r.Int();
        bool firstWeightOnly = r.Byte() == 1;
        int one = r.Int();
        string[]? comments = r.Byte() == 1 ? modes.Select(_ => r.String()).ToArray() : null;
        int missingCode = r.Int();
        if (missingCode is not (-128 or NoMissingCode)) throw new System.IO.InvalidDataException($"Tree ensemble step {source}: missing-value code {missingCode}.");
        if (indices.Length != modes.Length || thresholds.Length != modes.Length || links.Length != modes.Length || weightTargets.Length != weightValues.Length)
            throw new System.IO.InvalidDataException($"Tree ensemble step {source}: node arrays of different lengths.");
        return new TreeEnsembleInt8(source, input, output, rows, features, roots, modes, indices, thresholds, links, weightTargets, weightValues,
            targets, aggregate, firstWeightOnly, one, comments, missingCode);
    }
}
