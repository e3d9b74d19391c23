using ModelBaker.Cli.Conformance;
using Xunit.Abstractions;

namespace ModelBaker.Tests.Conformance;

/// <summary>
/// Models written by others (tests/data/realmodels, sources and licences in its README) through generated C#, as
/// `modelbaker conformance` runs them: every case there must pass.
/// </summary>
public sealed class RealModelsTests
{
    private readonly ITestOutputHelper _output;
    public RealModelsTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData("skl_LinearRegression")]
    [InlineData("skl_StandardScalerFloat32")]
    [InlineData("skl_LogitisticRegressionMulti")] // LinearClassifier, Normalizer and a ZipMap output with no reference file
    [InlineData("tract_linear_classifier")]
    public void Case_passes(string name)
    {
        var testCase = ConformanceCase.Find(TestData.Path("realmodels")).Single(c => c.Name == name);
        var result = ConformanceRunner.Run(testCase);
        _output.WriteLine(result.ToString());
        Assert.True(result.Outcome == Outcome.Pass, result.ToString());
    }
}
