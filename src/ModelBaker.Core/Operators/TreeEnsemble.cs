using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;
using static ModelBaker.Core.Operators.TreeEnsembleReading;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml TreeEnsemble (opset 5): Y (float, [N, n_targets]) from trees given by node index — tree_roots, children
/// that are nodes or leaves (nodes_trueleafs / nodes_falseleafs), one (target, weight) per leaf — with set membership
/// (mode 6, membership_values separated by NaN), aggregated (0 AVERAGE, 1 SUM, 2 MIN, 3 MAX) and post-transformed
/// (0 NONE, 1 SOFTMAX, 2 LOGISTIC, 3 SOFTMAX_ZERO, 4 PROBIT).
/// </summary>
public sealed class TreeEnsemble : ForestScoresOperator
{
    public override string OpType => "ai.onnx.ml:TreeEnsemble";

    public override OperatorSupport Support =>
        Forest(5, "opset 5: nodes by index, leaves apart, set membership (a chain of equality tests); aggregate_function 0–3, post_transform 0–4 (1 SOFTMAX, 2 LOGISTIC, as the spec says)") with
        {
            Refuses = new[] { "n_targets outside 1 to 4096", "node modes, aggregate functions and post transforms ONNX does not define", "trees that do not resolve (MB1116)" },
        };

    private static float[] TensorAttribute(Node node, string name, bool required)
    {
        var tensor = node.GetTensor(name);
        if (tensor == null)
            return required ? throw Invalid(node, $"it has no '{name}' attribute") : Array.Empty<float>();
        return TensorFloats(node, tensor, name);
    }

    protected override TreeForest ReadForest(Node node)
    {
        long targets = node.GetInt("n_targets", 0);
        if (targets < 1 || targets > 4096)
            throw UnsupportedUsage(node, $"n_targets is {targets}; ModelBaker bakes tree ensembles of 1 to 4096 targets.",
                "Set n_targets in the model to the number of outputs.");
        long aggregate = node.GetInt("aggregate_function", 1), transform = node.GetInt("post_transform", 0);
        if (aggregate is < 0 or > 3)
            throw UnsupportedUsage(node, $"aggregate_function is {aggregate}; it is 0 (AVERAGE), 1 (SUM), 2 (MIN) or 3 (MAX).", "Fix the attribute in the model.");
        if (transform is < 0 or > 4)
            throw UnsupportedUsage(node, $"post_transform is {transform}; it is 0 (NONE), 1 (SOFTMAX), 2 (LOGISTIC), 3 (SOFTMAX_ZERO) or 4 (PROBIT).",
                "Fix the attribute in the model.");

        long[] features = Ints(node, "nodes_featureids"), trueIds = Ints(node, "nodes_truenodeids"), falseIds = Ints(node, "nodes_falsenodeids");
        long[] trueLeafs = Ints(node, "nodes_trueleafs"), falseLeafs = Ints(node, "nodes_falseleafs");
        long[] missing = Ints(node, "nodes_missing_value_tracks_true"), roots = Ints(node, "tree_roots"), leafTargets = Ints(node, "leaf_targetids");
        var modesTensor = node.GetTensor("nodes_modes") ?? throw Invalid(node, "it has no 'nodes_modes' attribute");
        long[] modes = modesTensor.Int64s ?? throw Invalid(node, "nodes_modes is not a uint8 tensor");
        float[] splits = TensorAttribute(node, "nodes_splits", required: true);
        float[] leafWeights = TensorAttribute(node, "leaf_weights", required: true);
        float[] membership = TensorAttribute(node, "membership_values", required: false);
        int count = features.Length;
        foreach (var (name, length) in new[] { ("nodes_truenodeids", trueIds.Length), ("nodes_falsenodeids", falseIds.Length),
                     ("nodes_trueleafs", trueLeafs.Length), ("nodes_falseleafs", falseLeafs.Length), ("nodes_modes", modes.Length),
                     ("nodes_splits", splits.Length) })
            if (length != count) throw Invalid(node, $"{name} has {length} entries, nodes_featureids {count}");
        if (missing.Length != 0 && missing.Length != count) throw Invalid(node, $"nodes_missing_value_tracks_true has {missing.Length} entries for {count} nodes");
        if (leafTargets.Length != leafWeights.Length) throw Invalid(node, $"leaf_targetids has {leafTargets.Length} entries, leaf_weights {leafWeights.Length}");
        if (roots.Length == 0) throw Invalid(node, "it has no trees (tree_roots is empty)");

        // Each MEMBER node takes the next run of membership_values up to a NaN.
        var members = new float[count][];
        int next = 0;
        for (int i = 0; i < count; i++)
        {
            if (modes[i] is < 0 or > 6) throw UnsupportedUsage(node, $"node {i} has mode {modes[i]}; modes are 0 to 6.", "Fix nodes_modes in the model.");
            if (modes[i] != (int)TreeNodeMode.Member) { members[i] = Array.Empty<float>(); continue; }
            var set = new List<float>();
            while (next < membership.Length && !float.IsNaN(membership[next])) set.Add(membership[next++]);
            next++;
            if (set.Count == 0) throw Invalid(node, $"membership node {i} has no membership values (membership_values gives each MEMBER node its set, sets separated by NaN)");
            members[i] = set.ToArray();
        }

        // Branches first, then one node per leaf.
        var nodes = new List<TreeNode>(count + leafWeights.Length);
        for (int i = 0; i < count; i++)
        {
            if (features[i] < 0 || features[i] > int.MaxValue) throw Invalid(node, $"node {i} reads feature {features[i]}");
            nodes.Add(new TreeNode($"node {i}", (TreeNodeMode)modes[i], (int)features[i], splits[i], members[i], missing.Length > 0 && missing[i] == 1));
        }
        for (int l = 0; l < leafWeights.Length; l++)
        {
            if (leafTargets[l] < 0 || leafTargets[l] >= targets) throw Invalid(node, $"leaf {l} is for target {leafTargets[l]}, outside 0 to {targets - 1}");
            var leaf = new TreeNode($"leaf {l}", TreeNodeMode.Leaf, 0, 0f, Array.Empty<float>(), false);
            leaf.Weights.Add(((int)leafTargets[l], leafWeights[l]));
            nodes.Add(leaf);
        }
        int Child(long id, bool isLeaf, int parent, string which)
        {
            long limit = isLeaf ? leafWeights.Length : count;
            if (id < 0 || id >= limit) throw Invalid(node, $"the {which} child of node {parent} is {(isLeaf ? "leaf" : "node")} {id}, which does not exist");
            if (!isLeaf && id == parent) throw Invalid(node, $"node {parent} is its own {which} child");
            return isLeaf ? count + (int)id : (int)id;
        }
        for (int i = 0; i < count; i++)
        {
            nodes[i].True = Child(trueIds[i], trueLeafs[i] != 0, i, "true");
            nodes[i].False = Child(falseIds[i], falseLeafs[i] != 0, i, "false");
        }
        var rootIndices = roots.Select(r => r >= 0 && r < count ? (int)r : throw Invalid(node, $"tree root {r} is not a node")).ToArray();
        var scoring = new TreeScoring(classifier: false, (int)targets, (int)aggregate, (int)transform, Array.Empty<float>(),
            Array.Empty<long>(), binaryCase: false, allPositive: false);
        return new TreeForest(nodes, rootIndices, scoring);
    }
}
