using System.Globalization;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Options;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Pipeline;

/// <summary>
/// The model zoo of tests/data/zoo (build/make_zoo.py, measured by build/measure_zoo.sh): its README and its files
/// must agree — every model bakes int8 from its calibration file, and the float model's top-1 on its test data and its
/// weight count are the README's figures, recomputed here from model.onnx — and the split into halves follows the
/// README's fixed rule. No accuracy threshold of the compressed models: those are measurements (docs/compression.md).
/// </summary>
public sealed class ZooTests
{
    /// <summary>One row of the README table.</summary>
    public sealed record ZooModel(string Name, string Family, long Weights, string FloatTop1, string Data, string Half)
    {
        public string Onnx => TestData.Path("zoo", Name, "model.onnx");

        /// <summary>The data set's files: digits are the sample app's (the same split), kws the zoo's own.</summary>
        public string DataFile(string suffix) => Data switch
        {
            "digits" => TestData.Path("sample", "data", "digits_" + suffix),
            "kws" => TestData.Path("zoo", "data", "kws_" + suffix),
            _ => throw new InvalidOperationException($"unknown data set '{Data}' in the zoo README"),
        };
    }

    /// <summary>"| `name` | family | architecture | weights | float top-1 | data | seed | half |" rows, in order.</summary>
    public static IReadOnlyList<ZooModel> Models() =>
        File.ReadAllLines(TestData.Path("zoo", "README.md"))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Trim('|').Split('|').Select(c => c.Trim()).ToArray())
            .Select(c => new ZooModel(c[0].Trim('`'), c[1], long.Parse(c[3], NumberStyles.AllowThousands, CultureInfo.InvariantCulture), c[4], c[5], c[7]))
            .ToList();

    public static IEnumerable<object[]> Names() => Models().Select(m => new object[] { m.Name });

    [Fact]
    public void The_zoo_has_eight_models_or_more_of_four_families_split_by_alternating_rows()
    {
        var models = Models();

        Assert.True(models.Count >= 8, $"{models.Count} models");
        Assert.True(models.Select(m => m.Family).Distinct().Count() >= 4);
        // The rule the README states: sorted by family, rows alternate tuning, held-out, tuning, …
        var runs = models.Select(m => m.Family).Where((f, i) => i == 0 || f != models[i - 1].Family).ToList();
        Assert.True(runs.Count == runs.Distinct().Count(), "the table is not grouped by family: " + string.Join(", ", runs));
        Assert.All(models.Select((m, i) => (m, i)), x => Assert.Equal(x.i % 2 == 0 ? "tuning" : "held-out", x.m.Half));
        Assert.All(models.GroupBy(m => m.Family), family => Assert.Equal(2, family.Select(m => m.Half).Distinct().Count()));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_zoo_model_bakes_int8_and_its_float_figures_are_the_readmes(string name)
    {
        var model = Models().Single(m => m.Name == name);
        var options = new BakeOptions(model.Onnx, "Zoo", "Zoo")
        {
            CalibrationPath = model.DataFile("calibration.npy"),
            ValidationPath = model.DataFile("test_x.npy"),
            ValidationLabelsPath = model.DataFile("test_y.npy"),
        };

        var (plan, report) = Baker.BakeWithReport(options, new RecordingLog());

        Assert.Equal(Precision.Int8, plan.Header.Precision);
        Assert.Equal(NpyReader.Read(options.ValidationLabelsPath).Shape[0], report.Validation!.Samples);
        Assert.Equal(model.FloatTop1, report.Validation.FloatTop1!.Value.ToString("0.00", CultureInfo.InvariantCulture));
        // The README counts parameters (weights and biases): the float initializers of rank 1 and more. The report's float
        // bytes also count the scalars the graph reads (ReLU6's bounds), so they are at least that.
        var parameters = OnnxModelReader.Load(model.Onnx).Initializers
            .Where(v => v.Type == ElementType.Float32 && v.Shape!.Length >= 1).Sum(v => (long)v.Constant!.Length);
        Assert.Equal(model.Weights, parameters);
        Assert.InRange(report.FloatWeightBytes, 4 * model.Weights, 4 * model.Weights + 4 * 64);
        Assert.True(report.BakedWeightBytes < report.FloatWeightBytes, $"{report.FloatWeightBytes} -> {report.BakedWeightBytes} bytes");
    }
}
