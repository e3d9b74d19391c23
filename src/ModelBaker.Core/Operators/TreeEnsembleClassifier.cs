using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;
using static ModelBaker.Core.Operators.TreeEnsembleReading;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml TreeEnsembleClassifier (opsets 1 and 3): label Y (int64, [N]) and class scores Z (float, [N, classes]) of
/// a forest whose leaves carry weights per class id; scores summed over the trees, base values added, post-transformed.
/// Two classes with every weight on one class id give one score that becomes two probabilities, as in ONNX Runtime.
/// String class labels are refused (MB1115) for now.
/// </summary>
public sealed class TreeEnsembleClassifier : IOperator
{
    public string OpType => "ai.onnx.ml:TreeEnsembleClassifier";

    public OperatorSupport Support { get; } = new(OperatorFamily.TreeEnsembles, 1, "opsets 1 and 3 (float and `*_as_tensor` attributes); every node mode, missing values tracked, post transform, base values; int64 class labels; float, int64 or int32 features; a tree ensemble step walking compact node arrays, then label and score steps", Int8Form.Integer, ForestScoresOperator.Int8Text, Nano: true)
    {
        NanoDetails = ForestScoresOperator.NanoText,
        Refuses = new[] { "string class labels (MB1115)", "fewer than 2 or more than 4096 classes", "node modes and post transforms ONNX does not define", "trees that do not resolve (MB1116)" },
    };

    public static TreeForest Forest(Node node)
    {
        if (Strings(node, "classlabels_strings") is { Length: > 0 })
            throw new BakeException(ErrorCodes.StringClassLabels,
                $"Node {node.Describe()}: the classifier has string class labels (classlabels_strings), which ModelBaker cannot output yet. " +
                "Re-export it with integer labels (in scikit-learn, fit on label-encoded classes: LabelEncoder().fit_transform(y)) " +
                "and map the label index to its name in your code.");
        long[] labels = Ints(node, "classlabels_int64s");
        if (labels.Length < 2 || labels.Length > 4096)
            throw UnsupportedUsage(node, $"it has {labels.Length} class label(s) in classlabels_int64s; ModelBaker bakes classifiers of 2 to 4096 classes.",
                "Re-export the model with its classes listed.");
        var (nodes, roots, weightIds, allPositive) = ReadV3(node, "class", labels.Length);
        var scoring = new TreeScoring(classifier: true, labels.Length, TreeScoring.Sum, PostTransform(node),
            BaseValues(node, labels.Length, true), labels,
            binaryCase: labels.Length == 2 && weightIds.Count == 1, allPositive);
        return new TreeForest(nodes, roots, scoring);
    }

    public void InferShapes(Node node, Graph graph)
    {
        RequireInput(node, graph);
        var (rows, _) = Layout(node, InputShape(node, graph, 0));
        int classes = Forest(node).Scoring.Targets;
        SetOutput(node, graph, 0, ElementType.Int64, new[] { rows });
        SetOutput(node, graph, 1, ElementType.Float32, new[] { rows, classes });
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var forest = Forest(node);
        var (scores, labels, rows) = TreeEnsembleReading.Evaluate(node, forest, Required(node, inputs, 0));
        return new[] { Tensor.FromInt64s(new[] { rows }, labels), Tensor.FromFloats(new[] { rows, forest.Scoring.Targets }, scores) };
    }

    public void Lower(Node node, LoweringContext context) => TreeEnsembleReading.Lower(node, context, Forest(node), scoresOutput: 1, labelsOutput: 0);
}
