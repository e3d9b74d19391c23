using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// A tree operator whose one output is its forest's [N, targets] scores (TreeEnsembleRegressor, TreeEnsemble): the
/// shape rule, reference and lowering they share; each says how it reads its forest from the node's attributes.
/// </summary>
public abstract class ForestScoresOperator : IOperator
{
    public abstract string OpType { get; }

    public abstract OperatorSupport Support { get; }

    /// <summary>What the three tree operators do in int8 plans (docs/classical-ml.md#int8).</summary>
    internal const string Int8Text =
        "a model input only tree ensembles read is quantized per feature (a scale and zero point each, from calibration); thresholds mapped onto each feature's " +
        "int8 grid (each branch decides on every quantized value as in float), 8-bit thresholds, node arrays in the narrowest types, leaf weights summed in int32 fixed point, " +
        "labels by integer comparison, scores through 255-entry level tables (NONE, LOGISTIC, PROBIT); SOFTMAX and SOFTMAX_ZERO scores as the integer softmax of the raw " +
        "scores (a binary classifier's single SOFTMAX column widened to two is finished in float, a one-step float island); int64 or int32 features by an integer cast; " +
        "a NaN feature of an input only trees read is coded −128 and goes where the node's missing-value tracking sends it";

    internal const string NanoText = "every post transform and feature type, but a binary classifier's single SOFTMAX score column widened to two (MB1135)";

    /// <summary>What the scoring tree operators share: a tree ensemble step walking compact node arrays, an integer walk in int8 plans.</summary>
    protected static OperatorSupport Forest(int since, string what) =>
        new(OperatorFamily.TreeEnsembles, since, what + "; every node mode, missing values tracked; float, int64 or int32 features; a tree ensemble step walking compact node arrays, then a scores step",
            Int8Form.Integer, Int8Text, Nano: true) { NanoDetails = NanoText };

    /// <summary>The forest the node's attributes describe; throws MB1116 when the trees do not resolve.</summary>
    protected abstract TreeForest ReadForest(Node node);

    public void InferShapes(Node node, Graph graph)
    {
        TreeEnsembleReading.RequireInput(node, graph);
        var (rows, _) = TreeEnsembleReading.Layout(node, InputShape(node, graph, 0));
        SetOutput(node, graph, 0, ElementType.Float32, new[] { rows, ReadForest(node).Scoring.Targets });
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var forest = ReadForest(node);
        var (scores, _, rows) = TreeEnsembleReading.Evaluate(node, forest, Required(node, inputs, 0));
        return new[] { Tensor.FromFloats(new[] { rows, forest.Scoring.Targets }, scores) };
    }

    public void Lower(Node node, LoweringContext context) =>
        TreeEnsembleReading.Lower(node, context, ReadForest(node), scoresOutput: 0, labelsOutput: -1);
}
