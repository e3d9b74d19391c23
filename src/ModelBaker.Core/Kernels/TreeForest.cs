using System;
using System.Collections.Generic;
using System.Linq;

namespace ModelBaker.Core.Kernels;

/// <summary>How a tree node decides: a comparison of one feature with its threshold, set membership, or a leaf.</summary>
public enum TreeNodeMode : byte { Leq = 0, Lt = 1, Gte = 2, Gt = 3, Eq = 4, Neq = 5, Member = 6, Leaf = 7 }

/// <summary>One node of a tree ensemble as the ONNX attributes give it, children by index into the forest's node list.</summary>
public sealed class TreeNode
{
    public TreeNode(string name, TreeNodeMode mode, int feature, float threshold, float[] members, bool missingGoesTrue)
    {
        Name = name;
        Mode = mode;
        Feature = feature;
        Threshold = threshold;
        Members = members;
        MissingGoesTrue = missingGoesTrue;
    }

    /// <summary>"tree 3 node 7", for comments and errors.</summary>
    public string Name { get; }
    public TreeNodeMode Mode { get; }
    public int Feature { get; }
    public float Threshold { get; }
    /// <summary>The set of a <see cref="TreeNodeMode.Member"/> node (opset 5's membership_values).</summary>
    public float[] Members { get; }
    /// <summary>nodes_missing_value_tracks_true: a NaN feature takes the true branch.</summary>
    public bool MissingGoesTrue { get; }
    public int True { get; set; } = -1;
    public int False { get; set; } = -1;
    /// <summary>A leaf's (target or class, weight) pairs, in attribute order.</summary>
    public List<(int Target, float Weight)> Weights { get; } = new();
    public bool IsLeaf => Mode == TreeNodeMode.Leaf;

    /// <summary>Whether the branch sends <paramref name="x"/> to its true child (ONNX Runtime: NaN goes true only where tracked).</summary>
    public bool GoesTrue(float x) =>
        Mode switch
        {
            TreeNodeMode.Leq => x <= Threshold,
            TreeNodeMode.Lt => x < Threshold,
            TreeNodeMode.Gte => x >= Threshold,
            TreeNodeMode.Gt => x > Threshold,
            TreeNodeMode.Eq => x == Threshold,
            TreeNodeMode.Neq => x != Threshold,
            _ => Array.IndexOf(Members, x) >= 0,
        } || (MissingGoesTrue && float.IsNaN(x));
}

/// <summary>
/// How the leaf weights a row reaches become its outputs (ONNX Runtime's tree aggregators): the aggregate function, base
/// values, the post transform, and for classifiers the class labels and ONNX Runtime's binary special cases.
/// </summary>
public sealed class TreeScoring
{
    public const int Average = 0, Sum = 1, Min = 2, Max = 3;
    public const int None = 0, Softmax = 1, Logistic = 2, SoftmaxZero = 3, Probit = 4;
    /// <summary>Bits of <see cref="Flags"/>.</summary>
    public const int ClassifierFlag = 1, BinaryCaseFlag = 2, AllPositiveFlag = 4;

    public TreeScoring(bool classifier, int targets, int aggregate, int postTransform, float[] baseValues, long[] classLabels,
        bool binaryCase, bool allPositive)
    {
        Classifier = classifier;
        Targets = targets;
        Aggregate = aggregate;
        PostTransform = postTransform;
        BaseValues = baseValues;
        ClassLabels = classLabels;
        BinaryCase = binaryCase;
        AllPositive = allPositive;
    }

    public bool Classifier { get; }
    /// <summary>Targets of a regressor, classes of a classifier: the width of the scores output.</summary>
    public int Targets { get; }
    public int Aggregate { get; }
    public int PostTransform { get; }
    public float[] BaseValues { get; }
    public long[] ClassLabels { get; }
    /// <summary>Two classes and every weight on one class id: one score column becomes two probabilities.</summary>
    public bool BinaryCase { get; }
    public bool AllPositive { get; }

    /// <summary>
    /// The most the scores add to a leaf sum: the base values, and 1 (the binary rules' 1 − s and 0.5); for an AVERAGE
    /// regressor, whose base values are added after the division, times the trees. It bounds the int8 form's fixed point.
    /// </summary>
    public float ScoreOffset(int trees)
    {
        double offset = 1;
        foreach (float b in BaseValues) offset += Math.Abs((double)b);
        return (float)(offset * (!Classifier && Aggregate == Average ? trees : 1));
    }

    /// <summary>The same scoring with another post transform (SOFTMAX lowered as its own step reads the raw scores).</summary>
    public TreeScoring WithPostTransform(int postTransform) =>
        new(Classifier, Targets, Aggregate, postTransform, BaseValues, ClassLabels, BinaryCase, AllPositive);

    public int Flags => (Classifier ? ClassifierFlag : 0) | (BinaryCase ? BinaryCaseFlag : 0) | (AllPositive ? AllPositiveFlag : 0);

    public static string AggregateName(int aggregate) => aggregate switch { Average => "AVERAGE", Sum => "SUM", Min => "MIN", _ => "MAX" };

    public static string TransformName(int transform) =>
        transform switch { None => "NONE", Softmax => "SOFTMAX", Logistic => "LOGISTIC", SoftmaxZero => "SOFTMAX_ZERO", _ => "PROBIT" };
}

/// <summary>
/// A tree ensemble read from any of its ONNX forms (TreeEnsembleClassifier/Regressor opsets 1 and 3, TreeEnsemble opset 5):
/// nodes with explicit children, the roots, and the scoring. <see cref="Predict"/> walks it node by node (the float
/// reference); <see cref="Compile"/> lays it out as the compact arrays the generated code walks.
/// </summary>
public sealed class TreeForest
{
    public TreeForest(IReadOnlyList<TreeNode> nodes, int[] roots, TreeScoring scoring)
    {
        Nodes = nodes;
        Roots = roots;
        Scoring = scoring;
    }

    public IReadOnlyList<TreeNode> Nodes { get; }
    public int[] Roots { get; }
    public TreeScoring Scoring { get; }

    /// <summary>
    /// Scores (rows × targets) and labels (rows) of <paramref name="input"/> (rows × features), walking each tree from
    /// its root by the nodes' own children and tests: the executable spec the compact walk must equal.
    /// </summary>
    public void Predict(float[] input, int rows, int features, float[] scores, long[] labels)
    {
        var s = Scoring;
        var sums = new float[s.Targets];
        var reached = new float[s.Targets];
        var has = new byte[s.Targets];
        var row = new float[s.Targets];
        bool single = !s.Classifier && s.Targets == 1;
        for (int r = 0; r < rows; r++)
        {
            Array.Clear(sums, 0, sums.Length);
            Array.Clear(reached, 0, reached.Length);
            foreach (int root in Roots)
            {
                var node = Nodes[root];
                while (!node.IsLeaf) node = Nodes[node.GoesTrue(input[r * features + node.Feature]) ? node.True : node.False];
                // One target: ONNX Runtime reads a leaf's first weight whatever its target id.
                foreach (var (target, weight) in single ? node.Weights.Take(1).Select(w => (0, w.Weight)) : node.Weights)
                    TreeEnsembleFloat.AddLeafWeight(sums, reached, single ? 0 : target, weight, s.Classifier ? TreeScoring.Sum : s.Aggregate);
            }
            for (int k = 0; k < s.Targets; k++) has[k] = reached[k] != 0f ? (byte)1 : (byte)0;
            labels[r] = TreeScoresFloat.FinishTreeRow(sums, has, s.Targets, Roots.Length, s.Aggregate, s.PostTransform, s.Flags,
                s.BaseValues, s.ClassLabels, row);
            Array.Copy(row, 0, scores, r * s.Targets, s.Targets);
        }
    }

    /// <summary>
    /// The compact layout: each tree in preorder, so a branch's true child is the next node and only the distance to its
    /// false child is stored; set membership unrolled into a chain of equality tests (as ONNX Runtime does); a leaf keeps
    /// its weight count in the feature slot and its first weight in the link slot.
    /// </summary>
    public CompiledForest Compile()
    {
        var modes = new List<byte>();
        var features = new List<int>();
        var thresholds = new List<float>();
        var links = new List<int>();
        var comments = new List<string>();
        var weightTargets = new List<int>();
        var weightValues = new List<float>();
        var roots = new int[Roots.Length];
        bool single = !Scoring.Classifier && Scoring.Targets == 1;
        int limit = Math.Max(1 << 20, 16 * Nodes.Count);

        int Add(byte mode, int feature, float threshold, string comment)
        {
            if (modes.Count >= limit)
                throw new InvalidOperationException($"the trees unfold to more than {limit} nodes (a node reached by many paths, or a cycle)");
            modes.Add(mode); features.Add(feature); thresholds.Add(threshold); links.Add(0); comments.Add(comment);
            return modes.Count - 1;
        }

        void Lay(int index, int depth)
        {
            if (depth > 4096) throw new InvalidOperationException($"{Nodes[index].Name} is more than 4096 levels deep (a cycle)");
            var node = Nodes[index];
            if (node.IsLeaf)
            {
                var weights = single ? node.Weights.Take(1).Select(w => (Target: 0, w.Weight)).ToList() : node.Weights;
                int at = Add(CompiledForest.LeafMode, weights.Count, 0f, node.Name + " (leaf)");
                links[at] = weightTargets.Count;
                foreach (var (target, weight) in weights) { weightTargets.Add(target); weightValues.Add(weight); }
                return;
            }
            byte nan = node.MissingGoesTrue ? CompiledForest.MissingGoesTrue : (byte)0;
            if (node.Mode != TreeNodeMode.Member)
            {
                int at = Add((byte)((byte)node.Mode | nan), node.Feature, node.Threshold, node.Name);
                Lay(node.True, depth + 1);
                links[at] = modes.Count - at;
                Lay(node.False, depth + 1);
                return;
            }
            // x ∈ {a, b, …}: x == a, else x == b, else … (the operator refuses empty sets, as ONNX Runtime does).
            var members = node.Members;
            var chain = new List<int>();
            foreach (float member in members)
            {
                if (chain.Count > 0) links[chain[chain.Count - 1]] = modes.Count - chain[chain.Count - 1];
                int at = Add((byte)((byte)TreeNodeMode.Eq | nan), node.Feature, member, $"{node.Name} (member {chain.Count + 1} of {members.Length})");
                chain.Add(at);
                Lay(node.True, depth + 1);
            }
            links[chain[chain.Count - 1]] = modes.Count - chain[chain.Count - 1];
            Lay(node.False, depth + 1);
        }

        for (int t = 0; t < Roots.Length; t++)
        {
            roots[t] = modes.Count;
            Lay(Roots[t], 0);
        }
        return new CompiledForest(roots, modes.ToArray(), features.ToArray(), thresholds.ToArray(), links.ToArray(),
            weightTargets.ToArray(), weightValues.ToArray(), comments.ToArray());
    }
}

/// <summary>The compact arrays of a forest (see <see cref="TreeForest.Compile"/>).</summary>
public sealed class CompiledForest
{
    /// <summary>Mode byte of a leaf; a branch's low three bits are its <see cref="TreeNodeMode"/>, plus this bit when NaN goes true.</summary>
    public const byte LeafMode = 7, MissingGoesTrue = 8;

    public CompiledForest(int[] roots, byte[] modes, int[] features, float[] thresholds, int[] links, int[] weightTargets,
        float[] weightValues, string[]? comments = null)
    {
        Roots = roots;
        Modes = modes;
        Features = features;
        Thresholds = thresholds;
        Links = links;
        WeightTargets = weightTargets;
        WeightValues = weightValues;
        Comments = comments;
    }

    public int[] Roots { get; }
    public byte[] Modes { get; }
    /// <summary>A branch's feature index; a leaf's weight count.</summary>
    public int[] Features { get; }
    public float[] Thresholds { get; }
    /// <summary>A branch's distance to its false child; a leaf's first weight.</summary>
    public int[] Links { get; }
    public int[] WeightTargets { get; }
    public float[] WeightValues { get; }
    /// <summary>The ONNX node each entry came from (null when read back from a plan).</summary>
    public string[]? Comments { get; }

    /// <summary>Bytes per element of the index arrays (features, weight targets) and of the links: 1, 2 or 4.</summary>
    public int IndexWidth => Width(Features.Concat(WeightTargets));
    public int LinkWidth => Width(Links);

    private static int Width(IEnumerable<int> values)
    {
        int max = values.DefaultIfEmpty(0).Max();
        return max <= byte.MaxValue ? 1 : max <= ushort.MaxValue ? 2 : 4;
    }
}
