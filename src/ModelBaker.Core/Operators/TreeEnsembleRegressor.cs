using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;
using static ModelBaker.Core.Operators.TreeEnsembleReading;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml TreeEnsembleRegressor (opsets 1 and 3): Y (float, [N, n_targets]), the leaf weights of every tree
/// aggregated per target (SUM, AVERAGE, MIN, MAX), base values added, post-transformed. As in ONNX Runtime, a single
/// target takes each leaf's first weight and only PROBIT transforms it.
/// </summary>
public sealed class TreeEnsembleRegressor : ForestScoresOperator
{
    public override string OpType => "ai.onnx.ml:TreeEnsembleRegressor";

    public override OperatorSupport Support =>
        Forest(1, "opsets 1 and 3 (float and `*_as_tensor` attributes); n_targets, aggregate_function, post_transform, base values; a single target reads each leaf's first weight and only PROBIT transforms it, as ONNX Runtime") with
        {
            Refuses = new[] { "n_targets outside 1 to 4096", "node modes, aggregate functions and post transforms ONNX does not define", "trees that do not resolve (MB1116)" },
        };

    protected override TreeForest ReadForest(Node node)
    {
        long targets = node.GetInt("n_targets", 0);
        if (targets < 1 || targets > 4096)
            throw UnsupportedUsage(node, $"n_targets is {targets}; ModelBaker bakes regressors of 1 to 4096 targets.",
                "Set n_targets in the model to the number of outputs.");
        var (nodes, roots, _, _) = ReadV3(node, "target", (int)targets);
        var scoring = new TreeScoring(classifier: false, (int)targets, Aggregate(node), PostTransform(node),
            BaseValues(node, (int)targets, false), System.Array.Empty<long>(), binaryCase: false, allPositive: false);
        return new TreeForest(nodes, roots, scoring);
    }
}
