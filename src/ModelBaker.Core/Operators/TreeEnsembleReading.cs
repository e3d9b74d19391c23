using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;
using IrAttribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Operators;

/// <summary>
/// What the three ai.onnx.ml tree operators share: reading their attributes into a <see cref="TreeForest"/> (opsets 1
/// and 3 by tree and node ids, opset 5 by node index), the shape of X, evaluation and lowering to
/// <see cref="TreeEnsembleFloat"/> and <see cref="TreeScoresFloat"/> steps. Semantics are ONNX Runtime's where the spec is vague (see docs/operators.md).
/// </summary>
internal static class TreeEnsembleReading
{
    public static BakeException Invalid(Node node, string what) =>
        new(ErrorCodes.InvalidTreeEnsemble,
            $"Node {node.Describe()}: {what}. ONNX Runtime refuses the same trees; re-export the model (onnx.checker does not check tree attributes).");

    // The attribute readers Node lacks (floats and strings), with the same type check.
    private static IrAttribute? Get(Node node, string name, AttributeKind kind)
    {
        if (!node.Attributes.TryGetValue(name, out var a)) return null;
        if (a.Kind != kind && a.Kind != AttributeKind.Unspecified)
            throw new BakeException(ErrorCodes.AttributeTypeMismatch,
                $"Node {node.Describe()} has attribute '{Text.Printable(name)}' of type {a.Kind}, but {Text.Printable(node.OpType)} defines it as {kind}. Re-export the model or check it with onnx.checker.");
        return a;
    }

    public static float[]? Floats(Node node, string name) => Get(node, name, AttributeKind.Floats)?.Floats;
    public static string[]? Strings(Node node, string name) => Get(node, name, AttributeKind.Strings)?.Strings;
    public static long[] Ints(Node node, string name) => node.GetInts(name) ?? Array.Empty<long>();

    /// <summary>A float list given as floats or as a float tensor (the opset-3 *_as_tensor form); empty when neither.</summary>
    public static float[] FloatsOrTensor(Node node, string name, string tensorName)
    {
        var floats = Floats(node, name);
        var tensor = node.GetTensor(tensorName);
        if (floats != null && floats.Length > 0 && tensor != null)
            throw Invalid(node, $"it has both '{name}' and '{tensorName}'; give one");
        if (tensor != null) return TensorFloats(node, tensor, tensorName);
        return floats ?? Array.Empty<float>();
    }

    public static float[] TensorFloats(Node node, Tensor tensor, string name) =>
        tensor.Type == ElementType.Float32 ? tensor.Floats!
        : throw new BakeException(ErrorCodes.UnsupportedElementType,
            $"Node {node.Describe()}: attribute '{name}' is a {tensor.Type} tensor; ModelBaker reads tree thresholds and weights as float32. Export the model with float32 inputs.");

    /// <summary>Base values: none, one per target or class, or (two classes) one, as ONNX Runtime accepts them.</summary>
    public static float[] BaseValues(Node node, int targets, bool classifier)
    {
        var values = FloatsOrTensor(node, "base_values", "base_values_as_tensor");
        if (values.Length != 0 && values.Length != targets && !(classifier && targets == 2 && values.Length == 1))
            throw Invalid(node, $"it has {values.Length} base values for {targets} {(classifier ? "classes" : "targets")}; give none or one each");
        return values;
    }

    public static int PostTransform(Node node)
    {
        string value = node.GetString("post_transform") ?? "NONE";
        return value switch
        {
            "NONE" => TreeScoring.None,
            "SOFTMAX" => TreeScoring.Softmax,
            "LOGISTIC" => TreeScoring.Logistic,
            "SOFTMAX_ZERO" => TreeScoring.SoftmaxZero,
            "PROBIT" => TreeScoring.Probit,
            _ => throw UnsupportedUsage(node, $"post_transform '{Text.Printable(value)}' is not one of NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO, PROBIT.",
                "Fix the attribute in the model."),
        };
    }

    public static int Aggregate(Node node)
    {
        string value = node.GetString("aggregate_function") ?? "SUM";
        return value switch
        {
            "AVERAGE" => TreeScoring.Average,
            "SUM" => TreeScoring.Sum,
            "MIN" => TreeScoring.Min,
            "MAX" => TreeScoring.Max,
            _ => throw UnsupportedUsage(node, $"aggregate_function '{Text.Printable(value)}' is not one of AVERAGE, SUM, MIN, MAX.",
                "Fix the attribute in the model."),
        };
    }

    private static TreeNodeMode Mode(Node node, string mode) => mode switch
    {
        "BRANCH_LEQ" => TreeNodeMode.Leq,
        "BRANCH_LT" => TreeNodeMode.Lt,
        "BRANCH_GTE" => TreeNodeMode.Gte,
        "BRANCH_GT" => TreeNodeMode.Gt,
        "BRANCH_EQ" => TreeNodeMode.Eq,
        "BRANCH_NEQ" => TreeNodeMode.Neq,
        "LEAF" => TreeNodeMode.Leaf,
        _ => throw UnsupportedUsage(node, $"node mode '{Text.Printable(mode)}' is not one of BRANCH_LEQ, BRANCH_LT, BRANCH_GTE, BRANCH_GT, BRANCH_EQ, BRANCH_NEQ, LEAF.",
            "Fix nodes_modes in the model."),
    };

    /// <summary>
    /// The nodes of a TreeEnsembleClassifier/Regressor (opsets 1 and 3): found by (tree id, node id), each run of one tree
    /// id starting a tree at its first node, weights (prefix "class" or "target") attached to leaves in attribute order.
    /// </summary>
    public static (List<TreeNode> Nodes, int[] Roots, HashSet<long> WeightIds, bool AllPositive) ReadV3(Node node, string prefix, int targets)
    {
        long[] treeIds = Ints(node, "nodes_treeids"), nodeIds = Ints(node, "nodes_nodeids"), featureIds = Ints(node, "nodes_featureids");
        long[] trueIds = Ints(node, "nodes_truenodeids"), falseIds = Ints(node, "nodes_falsenodeids");
        long[] missing = Ints(node, "nodes_missing_value_tracks_true");
        string[] modes = Strings(node, "nodes_modes") ?? Array.Empty<string>();
        float[] values = FloatsOrTensor(node, "nodes_values", "nodes_values_as_tensor");
        int count = treeIds.Length;
        if (count == 0) throw Invalid(node, "it has no tree nodes (nodes_treeids is empty)");
        foreach (var (name, length) in new[] { ("nodes_nodeids", nodeIds.Length), ("nodes_featureids", featureIds.Length),
                     ("nodes_modes", modes.Length), ("nodes_truenodeids", trueIds.Length), ("nodes_falsenodeids", falseIds.Length),
                     ("nodes_values", values.Length) })
            if (length != count) throw Invalid(node, $"{name} has {length} entries, nodes_treeids {count}");
        if (missing.Length > count) throw Invalid(node, $"nodes_missing_value_tracks_true has {missing.Length} entries for {count} nodes");

        var nodes = new List<TreeNode>(count);
        var byId = new Dictionary<(long Tree, long Node), int>();
        for (int i = 0; i < count; i++)
        {
            if (featureIds[i] < 0 || featureIds[i] > int.MaxValue) throw Invalid(node, $"node {nodeIds[i]} of tree {treeIds[i]} reads feature {featureIds[i]}");
            nodes.Add(new TreeNode($"tree {treeIds[i]} node {nodeIds[i]}", Mode(node, modes[i]), (int)featureIds[i], values[i],
                Array.Empty<float>(), i < missing.Length && missing[i] == 1));
            if (byId.ContainsKey((treeIds[i], nodeIds[i]))) throw Invalid(node, $"node {nodeIds[i]} of tree {treeIds[i]} is listed twice");
            byId[(treeIds[i], nodeIds[i])] = i;
        }
        for (int i = 0; i < count; i++)
        {
            if (nodes[i].IsLeaf) continue;
            nodes[i].True = Child(node, byId, treeIds[i], nodeIds[i], trueIds[i], "true");
            nodes[i].False = Child(node, byId, treeIds[i], nodeIds[i], falseIds[i], "false");
        }
        var roots = Enumerable.Range(0, count).Where(i => i == 0 || treeIds[i] != treeIds[i - 1]).ToArray();

        long[] weightTrees = Ints(node, prefix + "_treeids"), weightNodes = Ints(node, prefix + "_nodeids"), weightIds = Ints(node, prefix + "_ids");
        float[] weights = FloatsOrTensor(node, prefix + "_weights", prefix + "_weights_as_tensor");
        if (weightNodes.Length != weightTrees.Length || weightIds.Length != weightTrees.Length || weights.Length != weightTrees.Length)
            throw Invalid(node, $"{prefix}_treeids, {prefix}_nodeids, {prefix}_ids and {prefix}_weights have {weightTrees.Length}, {weightNodes.Length}, {weightIds.Length} and {weights.Length} entries");
        for (int w = 0; w < weightTrees.Length; w++)
        {
            if (!byId.TryGetValue((weightTrees[w], weightNodes[w]), out int leaf))
                throw Invalid(node, $"weight {w} is on node {weightNodes[w]} of tree {weightTrees[w]}, which does not exist");
            if (weightIds[w] < 0 || weightIds[w] >= targets)
                throw Invalid(node, $"weight {w} is for {prefix} {weightIds[w]}, outside 0 to {targets - 1}");
            if (nodes[leaf].IsLeaf) nodes[leaf].Weights.Add(((int)weightIds[w], weights[w])); // ONNX Runtime ignores weights on branches
        }
        foreach (var leaf in nodes.Where(n => n.IsLeaf && n.Weights.Count == 0))
            throw Invalid(node, $"leaf {leaf.Name} has no weight");
        return (nodes, roots, new HashSet<long>(weightIds), weights.All(w => !(w < 0)));
    }

    private static int Child(Node node, Dictionary<(long, long), int> byId, long tree, long parent, long child, string which)
    {
        if (!byId.TryGetValue((tree, child), out int index))
            throw Invalid(node, $"the {which} child of node {parent} in tree {tree} is node {child}, which does not exist");
        if (child == parent) throw Invalid(node, $"node {parent} of tree {tree} is its own {which} child");
        return index;
    }

    /// <summary>Rows and features of X: [N, F], or [F] as one row.</summary>
    public static (int Rows, int Features) Layout(Node node, int[] shape) => shape.Length switch
    {
        1 => (1, shape[0]),
        2 => (shape[0], shape[1]),
        _ => throw ShapeError(node, $"X has shape {ShapeMath.Format(shape)}; tree ensembles take [N, features] or [features]."),
    };

    public static void RequireInput(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        var type = Input(node, graph, 0).Type;
        if (type is not (ElementType.Float32 or ElementType.Int64 or ElementType.Int32))
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: input '{node.Inputs[0]}' is {type}; tree ensembles take float32, int64 or int32 features.");
    }

    public static void CheckFeatures(Node node, TreeForest forest, int features)
    {
        var bad = forest.Nodes.FirstOrDefault(n => !n.IsLeaf && n.Feature >= features);
        if (bad != null) throw ShapeError(node, $"{bad.Name} reads feature {bad.Feature}, but X has {features} features.");
    }

    /// <summary>The float reference: scores and labels of every row.</summary>
    public static (float[] Scores, long[] Labels, int Rows) Evaluate(Node node, TreeForest forest, Tensor x)
    {
        var (rows, features) = Layout(node, x.Shape);
        CheckFeatures(node, forest, features);
        var scores = new float[rows * forest.Scoring.Targets];
        var labels = new long[rows];
        forest.Predict(x.AsFloats(), rows, features, scores, labels);
        return (scores, labels, rows);
    }

    /// <summary>One walk of the compact forest, then one finishing step per output used (labels, scores).</summary>
    public static void Lower(Node node, LoweringContext context, TreeForest forest, int scoresOutput, int labelsOutput)
    {
        var (rows, features) = Layout(node, context.Shape(node.Inputs[0]));
        CheckFeatures(node, forest, features);
        var input = context.Slice(node.Inputs[0]);
        if (input.Type != ElementType.Float32)
        {
            var floats = new ArenaSlice(node.Inputs[0] + " (as float)", ElementType.Float32, rows * features);
            context.Add(Conversion.Of(node.Describe(), input, floats));
            input = floats;
        }
        CompiledForest compiled;
        try { compiled = forest.Compile(); }
        catch (InvalidOperationException e) { throw Invalid(node, e.Message); }
        var s = forest.Scoring;
        var outputs = new[] { labelsOutput, scoresOutput }
            .Where(o => o >= 0 && o < node.Outputs.Count && node.Outputs[o].Length > 0 && context.IsUsed(node.Outputs[o])).ToList();
        if (outputs.Count == 0) return;
        var walked = new ArenaSlice(node.Outputs[outputs[0]] + " (leaf weights)", ElementType.Float32, rows * 2 * s.Targets, shape: new[] { rows, 2 * s.Targets });
        context.Add(new TreeEnsembleFloat(node.Describe(), input, walked, rows, features, compiled, s.Targets,
            s.Classifier ? TreeScoring.Sum : s.Aggregate, firstWeightOnly: !s.Classifier && s.Targets == 1, s.ScoreOffset(forest.Roots.Length)));
        foreach (int output in outputs)
        {
            var target = context.Slice(node.Outputs[output]);
            if (output == scoresOutput && !s.BinaryCase && s.PostTransform is TreeScoring.Softmax or TreeScoring.SoftmaxZero)
            {
                // SOFTMAX mixes a row's scores: the raw scores, then the classical models' score transform, whose int8 form
                // is the integer softmax — so the integer-only flavour runs it (XGBoost's and LightGBM's multiclass models).
                var raw = new ArenaSlice(node.Outputs[output] + " (raw scores)", ElementType.Float32, rows * s.Targets, shape: new[] { rows, s.Targets });
                context.Add(new TreeScoresFloat(node.Describe(), walked, raw, rows, forest.Roots.Length, s.WithPostTransform(TreeScoring.None)));
                context.Add(new ScoreTransformFloat(node.Describe(), raw, target, rows, s.Targets,
                    s.PostTransform == TreeScoring.Softmax ? Kernels.PostTransform.Softmax : Kernels.PostTransform.SoftmaxZero, SecondClass.None));
            }
            else
                context.Add(new TreeScoresFloat(node.Describe(), walked, target, rows, forest.Roots.Length, s));
        }
    }
}
