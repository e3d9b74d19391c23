using ModelBaker.Cli.Conformance;
using Xunit.Abstractions;

namespace ModelBaker.Tests.Conformance;

/// <summary>
/// The ONNX backend conformance cases (tests/data/onnx/node, onnx v1.22.0) through generated C#, as
/// `modelbaker conformance` runs them. A case may be skipped only for an operator or element type ModelBaker does
/// not support; every other case must pass.
/// </summary>
public sealed class OnnxConformanceTests
{
    private readonly ITestOutputHelper _output;
    public OnnxConformanceTests(ITestOutputHelper output) => _output = output;

    /// <summary>
    /// Cases of supported operators that do not pass yet, each for a known reason. Fixing one fails this test until
    /// the case is removed from the list, so the list only shrinks.
    /// </summary>
    private static readonly string[] KnownGaps =
    {
        "test_averagepool_2d_ceil_last_window_starts_on_pad", // expected output rounded to 4 decimals (0.1511 for 0.15105554), beyond rtol 1e-4
    };

    /// <summary>Cases skipped before double and float16 tensors were computed in float32 (issue 17): each must pass.</summary>
    private static readonly string[] DoubleAndFloat16Cases =
    {
        "test_ai_onnx_ml_tree_ensemble_single_tree", "test_mod_mixed_sign_float64", "test_max_float64", "test_max_float16",
        "test_min_float64", "test_min_float16", "test_cast_DOUBLE_to_FLOAT", "test_cast_FLOAT_to_DOUBLE", "test_cast_FLOAT16_to_FLOAT",
        "test_cast_FLOAT_to_FLOAT16", "test_cast_DOUBLE_to_FLOAT16", "test_cast_FLOAT16_to_DOUBLE", "test_qlinearmatmul_2D_int8_float16",
        "test_qlinearmatmul_2D_uint8_float16", "test_qlinearmatmul_3D_int8_float16", "test_range_float16_type_positive_delta",
    };

    [Fact]
    public void Every_case_of_supported_operators_passes()
    {
        var results = ConformanceCase.Find(TestData.Path("onnx", "node")).Select(ConformanceRunner.Run).ToList();
        foreach (var result in results) _output.WriteLine(result.ToString());
        int passed = results.Count(r => r.Outcome == Outcome.Pass);
        _output.WriteLine($"{passed} passed, {results.Count(r => r.Outcome == Outcome.Fail)} failed, {results.Count(r => r.Outcome == Outcome.Skip)} skipped");

        Assert.Equal(588, results.Count);
        Assert.All(DoubleAndFloat16Cases, name => Assert.Equal(Outcome.Pass, results.Single(r => r.Name == name).Outcome));
        Assert.All(results.Where(r => r.Outcome == Outcome.Skip), r => Assert.Matches("(^operator .* not supported$|element type|is not a tensor)", r.Reason!));
        Assert.Equal(KnownGaps.OrderBy(n => n, StringComparer.Ordinal),
            results.Where(r => r.Outcome == Outcome.Fail).Select(r => r.Name).OrderBy(n => n, StringComparer.Ordinal));
    }
}
