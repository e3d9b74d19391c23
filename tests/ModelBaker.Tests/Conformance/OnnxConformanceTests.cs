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

    /// <summary>
    /// Cases skipped before bfloat16, float8, float4e2m1 (computed in float32) and int4, uint4, int2, uint2 (computed in int8
    /// or uint8) tensors (issue 17, items 6 and 7): each must pass.
    /// </summary>
    private static readonly string[] NarrowTypeCases =
    {
        "test_cast_FLOAT16_to_FLOAT8E4M3FN", "test_cast_FLOAT16_to_FLOAT8E4M3FNUZ", "test_cast_FLOAT16_to_FLOAT8E5M2",
        "test_cast_FLOAT16_to_FLOAT8E5M2FNUZ", "test_cast_FLOAT16_to_INT2", "test_cast_FLOAT16_to_INT4", "test_cast_FLOAT16_to_UINT2",
        "test_cast_FLOAT4E2M1_to_FLOAT", "test_cast_FLOAT8E4M3FNUZ_to_FLOAT", "test_cast_FLOAT8E4M3FN_to_FLOAT",
        "test_cast_FLOAT8E4M3FN_to_FLOAT16", "test_cast_FLOAT8E5M2FNUZ_to_FLOAT16", "test_cast_FLOAT8E5M2_to_FLOAT16",
        "test_cast_FLOAT_to_BFLOAT16", "test_cast_FLOAT_to_FLOAT4E2M1", "test_cast_FLOAT_to_FLOAT8E4M3FN", "test_cast_FLOAT_to_FLOAT8E4M3FNUZ",
        "test_cast_FLOAT_to_FLOAT8E5M2FNUZ", "test_cast_FLOAT_to_INT2", "test_cast_FLOAT_to_INT4", "test_cast_FLOAT_to_UINT4",
        "test_cast_INT4_to_FLOAT", "test_cast_INT4_to_FLOAT16", "test_cast_INT4_to_INT8", "test_cast_UINT2_to_FLOAT", "test_cast_UINT2_to_FLOAT16",
        "test_cast_UINT4_to_FLOAT", "test_cast_UINT4_to_FLOAT16", "test_cast_no_saturate_FLOAT16_to_FLOAT8E4M3FN",
        "test_cast_no_saturate_FLOAT16_to_FLOAT8E5M2", "test_cast_no_saturate_FLOAT16_to_FLOAT8E5M2FNUZ",
        "test_cast_no_saturate_FLOAT_to_FLOAT8E4M3FN", "test_cast_no_saturate_FLOAT_to_FLOAT8E5M2", "test_cast_no_saturate_FLOAT_to_FLOAT8E5M2FNUZ",
        "test_dequantizelinear_e4m3fn", "test_dequantizelinear_e4m3fn_zero_point", "test_dequantizelinear_float4e2m1",
        "test_dequantizelinear_int2", "test_dequantizelinear_int4", "test_dequantizelinear_uint4", "test_quantizelinear_e4m3fn",
        "test_quantizelinear_int2", "test_quantizelinear_int4", "test_quantizelinear_uint2", "test_range_bfloat16_type_positive_delta",
        "test_cast_e8m0_FLOAT16_to_FLOAT8E8M0", "test_cast_e8m0_FLOAT8E8M0_to_FLOAT",
    };

    [Fact]
    public void Every_case_of_supported_operators_passes()
    {
        var results = ConformanceCase.Find(TestData.Path("onnx", "node")).Select(ConformanceRunner.Run).ToList();
        foreach (var result in results) _output.WriteLine(result.ToString());
        int passed = results.Count(r => r.Outcome == Outcome.Pass);
        _output.WriteLine($"{passed} passed, {results.Count(r => r.Outcome == Outcome.Fail)} failed, {results.Count(r => r.Outcome == Outcome.Skip)} skipped");

        Assert.Equal(589, results.Count);
        Assert.All(NarrowTypeCases, name => Assert.Equal(Outcome.Pass, results.Single(r => r.Name == name).Outcome));
        Assert.All(DoubleAndFloat16Cases, name => Assert.Equal(Outcome.Pass, results.Single(r => r.Name == name).Outcome));
        Assert.All(results.Where(r => r.Outcome == Outcome.Skip), r => Assert.Matches("(^operator .* not supported$|element type|is not a tensor)", r.Reason!));
        Assert.Equal(KnownGaps.OrderBy(n => n, StringComparer.Ordinal),
            results.Where(r => r.Outcome == Outcome.Fail).Select(r => r.Name).OrderBy(n => n, StringComparer.Ordinal));
    }
}
