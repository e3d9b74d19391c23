using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// The int8 plans of the classical fixtures whose steps all have integer forms (Scaler, Binarizer, Imputer, Normalizer,
/// FeatureVectorizer, OneHotEncoder, LabelEncoder, ZipMap) against their float plans, on rows drawn like the bake's
/// calibration (float features uniform in [−1, 1], int64 codes in [0, 10)): integer outputs equal; float outputs within 2
/// output steps, but a Normalizer's, whose input rounding (half an input step per element) is divided by the row's norm —
/// rows of small norm amplify it — within 10 steps and 1 step on average (MAX on rows whose maximum is at least 0.1 in
/// magnitude: nearer 0 the quotient is unbounded, and a maximum on the level of 0 copies the row); thresholded outputs (Binarizer) equal but where
/// the float value lies within 0.05 of the threshold; an Imputer of a value (0 here) replaces every input that quantizes to
/// that value's level, so elements within half an input step of it are counted apart. The numbers are written to the test
/// output (docs/classical-ml.md#int8 quotes them).
/// </summary>
public sealed class ClassicalMapsInt8Tests
{
    private readonly ITestOutputHelper _output;

    public ClassicalMapsInt8Tests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Fixtures => new()
    {
        "preprocessing_chain", "encoders", "maps_scaler_binarizer", "maps_imputer", "maps_normalizer", "maps_feature_vectorizer",
        "maps_one_hot_encoder", "maps_label_encoder", "maps_zipmap",
    };

    private static BakedPlan Bake(string name, Precision precision) => Baker.Bake(
        new BakeOptions(TestData.Path("classical", name + ".onnx"), "Model", "ClassicalTests") { Precision = precision }, new RecordingLog());

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Int8_agrees_with_the_float_model(string name)
    {
        var float32 = Bake(name, Precision.Float32);
        var int8 = Bake(name, Precision.Int8);
        Assert.DoesNotContain(int8.Kernels, k => k is IFloatOnlyKernel && !k.Source.Contains("ArrayFeatureExtractor", StringComparison.Ordinal)
            && !k.Source.Contains("ArgMax", StringComparison.Ordinal) && !k.Source.Contains("FeatureVectorizer", StringComparison.Ordinal));
        var rng = new Random(17);
        const int rows = 200;
        var worst = new double[float32.Outputs.Count];
        var sum = new double[float32.Outputs.Count];
        int onReplacedLevel = 0, smallMaximum = 0;
        var equal = new int[float32.Outputs.Count];
        var total = new int[float32.Outputs.Count];
        for (int n = 0; n < rows; n++)
        {
            var inputs = float32.Inputs.Select(t => t.Type == ElementType.Int64
                ? (Array)Enumerable.Range(0, t.Length).Select(_ => (long)rng.Next(0, 10)).ToArray()
                : Enumerable.Range(0, t.Length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
            var expected = PlanInterpreter.RunTensors(float32, inputs);
            var actual = PlanInterpreter.RunTensors(int8, inputs);
            for (int o = 0; o < expected.Length; o++)
            {
                var output = int8.Outputs[o];
                if (expected[o] is float[] want)
                {
                    var got = (float[])actual[o];
                    bool binary = output.Name is "binary" or "positive";
                    double threshold = name == "preprocessing_chain" ? 0.1 : 0.25;
                    for (int i = 0; i < want.Length; i++)
                    {
                        if (name == "maps_imputer" && OnLevelOfZero(int8.Inputs[0], ((float[])inputs[0])[i])) { onReplacedLevel++; continue; }
                        if (name == "maps_normalizer" && output.Name == "max" && Math.Abs(((float[])inputs[0]).Skip(i / 4 * 4).Take(4).Max()) < 0.1)
                        {
                            smallMaximum++;
                            continue;
                        }
                        total[o]++;
                        if (got[i] == want[i]) equal[o]++;
                        if (binary) continue;
                        worst[o] = Math.Max(worst[o], Math.Abs(got[i] - want[i]) / output.Scale);
                        sum[o] += Math.Abs(got[i] - want[i]) / output.Scale;
                    }
                    if (binary)
                    {
                        // A flipped element must be one whose float input to the Binarizer lies near the threshold.
                        var before = (float[])expected[0]; // in both fixtures the Binarizer reads output 0
                        for (int i = 0; i < want.Length; i++)
                            if (got[i] != want[i]) Assert.InRange(Math.Abs(before[i] - threshold), 0, 0.05);
                    }
                }
                else
                {
                    Assert.Equal(expected[o].Cast<object>(), actual[o].Cast<object>()); // integers, exactly
                    total[o] += expected[o].Length;
                    equal[o] += expected[o].Length;
                }
            }
        }
        if (name == "maps_normalizer") _output.WriteLine($"{name}: {smallMaximum} elements in rows whose maximum is under 0.1 in magnitude, left out of 'max'");
        if (name == "maps_imputer") _output.WriteLine($"{name}: {onReplacedLevel} elements on the level of the replaced value 0, replaced in int8 only");
        for (int o = 0; o < worst.Length; o++)
        {
            string output = int8.Outputs[o].Name;
            double mean = sum[o] / total[o];
            _output.WriteLine($"{name} '{output}': {equal[o]} / {total[o]} equal, largest difference {worst[o]:0.00} output steps, " +
                $"mean {mean:0.00} (step {int8.Outputs[o].Scale:G3})");
            bool normalized = output is "normalized" or "by_max" or "l1" or "l2" or "max";
            Assert.True(worst[o] <= (normalized ? 10 : 2) && (!normalized || mean <= 1), $"{name} '{output}': {worst[o]:0.00} output steps from the float model");
        }
    }

    /// <summary>Whether the int8 input holds <paramref name="x"/> on the level of 0 (what an Imputer of the value 0 replaces).</summary>
    private static bool OnLevelOfZero(PlanTensor input, float x) =>
        Core.Kernels.FixedPoint.Quantize(x, input.Scale, input.ZeroPoint) == Core.Kernels.FixedPoint.Quantize(0f, input.Scale, input.ZeroPoint);
}
