using ModelBaker.Cli.Conformance;
using Xunit.Abstractions;

namespace ModelBaker.Tests.Conformance;

/// <summary>
/// The tree-ensemble real models of tests/data/realmodels (see its README for sources and licences) as `modelbaker
/// conformance` runs them: baked in float, generated, compiled and compared with ONNX Runtime's outputs.
/// </summary>
public sealed class TreeEnsembleRealModelsTests
{
    private readonly ITestOutputHelper _output;
    public TreeEnsembleRealModelsTests(ITestOutputHelper output) => _output = output;

    private static CaseResult Run(string name)
    {
        var testCase = ConformanceCase.Find(TestData.Path("realmodels")).Single(c => c.Name == name);
        return ConformanceRunner.Run(testCase);
    }

    [Theory]
    [InlineData("tract_xgboost_classifier_tree")] // XGBoost, 3 classes, BRANCH_LT with missing values tracked, SOFTMAX
    [InlineData("o2c_treeensembleclassifier")]    // scikit-learn random forest, 3 classes, 25 features
    public void Passes(string name)
    {
        var result = Run(name);
        _output.WriteLine(result.ToString());
        Assert.Equal(Outcome.Pass, result.Outcome);
    }

    /// <summary>
    /// scikit-learn's rf_iris ends in a ZipMap, whose sequence-of-maps output is not supported on this branch; the rest of
    /// it (Cast, TreeEnsembleClassifier) is checked against ONNX Runtime in TreeEnsembleTests as skl_rf_iris_without_zipmap.
    /// </summary>
    [Fact]
    public void Rf_iris_waits_only_for_ZipMap()
    {
        var result = Run("skl_rf_iris");
        _output.WriteLine(result.ToString());
        if (result.Outcome != Outcome.Pass)
        {
            Assert.Equal(Outcome.Skip, result.Outcome);
            Assert.Contains("'output_probability' is not a tensor", result.Reason);
        }
    }
}
