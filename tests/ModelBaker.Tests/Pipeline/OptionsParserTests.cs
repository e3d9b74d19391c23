using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Pipeline;

public sealed class OptionsParserTests : IDisposable
{
    private readonly string _project = Directory.CreateTempSubdirectory("mb-options-").FullName;

    public OptionsParserTests()
    {
        Directory.CreateDirectory(Path.Combine(_project, "models"));
        File.WriteAllBytes(Path.Combine(_project, "models", "digits_cnn.onnx"), new byte[] { 0 });
        File.WriteAllBytes(Path.Combine(_project, "calib.npy"), new byte[] { 0 });
        Directory.CreateDirectory(Path.Combine(_project, "calib_pb"));
    }

    public void Dispose() => Directory.Delete(_project, recursive: true);

    private OptionsParser.Result Parse(params (string Name, string Value)[] metadata) =>
        OptionsParser.Parse("models/digits_cnn.onnx", metadata.ToDictionary(m => m.Name, m => m.Value), _project, "My.App");

    private static OptionsParser.Problem Single(OptionsParser.Result result)
    {
        Assert.Null(result.Options);
        return Assert.Single(result.Problems);
    }

    [Fact]
    public void Defaults_come_from_the_file_name_and_root_namespace()
    {
        var options = Parse().Options!;
        Assert.Equal(Path.Combine(_project, "models", "digits_cnn.onnx"), options.ModelPath);
        Assert.Equal("DigitsCnn", options.ClassName);
        Assert.Equal("My.App", options.Namespace);
        Assert.Equal(0f, options.Sparsity);
        Assert.Equal(Precision.Int8, options.Precision);
        Assert.Equal(PruningMode.Unstructured, options.Pruning);
        Assert.Equal(CodeTarget.Net, options.Target);
        Assert.Null(options.CalibrationPath);
    }

    [Fact]
    public void Every_metadata_is_read_case_insensitively()
    {
        var options = Parse(("Sparsity", "0.75"), ("pruning", "unstructured"), ("Precision", "float32"), ("Calibration", "calib.npy"),
            ("ClassName", "Digits"), ("Namespace", "Other.Models"), ("CodeTarget", "Net")).Options!;
        Assert.Equal(0.75f, options.Sparsity);
        Assert.Equal(Precision.Float32, options.Precision);
        Assert.Equal(Path.Combine(_project, "calib.npy"), options.CalibrationPath);
        Assert.Equal("Digits", options.ClassName);
        Assert.Equal("Other.Models", options.Namespace);
    }

    [Fact]
    public void Empty_values_mean_the_default() =>
        Assert.Equal(Parse().Options, Parse(("Sparsity", ""), ("Precision", ""), ("ClassName", ""), ("Namespace", "")).Options);

    [Fact]
    public void Calibration_may_be_a_folder() =>
        Assert.Equal(Path.Combine(_project, "calib_pb"), Parse(("Calibration", "calib_pb")).Options!.CalibrationPath);

    [Theory]
    [InlineData("1.5")]
    [InlineData("1")]
    [InlineData("-0.1")]
    [InlineData("0,5")]
    [InlineData("half")]
    [InlineData("NaN")]
    public void Bad_sparsity_is_MB1201_naming_item_and_value(string value)
    {
        var problem = Single(Parse(("Sparsity", value)));
        Assert.Equal(ErrorCodes.InvalidSparsity, problem.Code);
        Assert.Contains("models/digits_cnn.onnx", problem.Message);
        Assert.Contains($"\"{value}\"", problem.Message);
    }

    [Fact]
    public void Sparsity_parses_with_the_invariant_culture_whatever_the_current_one()
    {
        var saved = System.Globalization.CultureInfo.CurrentCulture;
        System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
        try { Assert.Equal(0.25f, Parse(("Sparsity", "0.25")).Options!.Sparsity); }
        finally { System.Globalization.CultureInfo.CurrentCulture = saved; }
    }

    [Theory]
    [InlineData("Pruning", "Random", ErrorCodes.UnknownPruning)]
    [InlineData("Precision", "Int4", ErrorCodes.UnknownPrecision)]
    [InlineData("Calibration", "missing.npy", ErrorCodes.CalibrationNotFound)]
    [InlineData("ClassName", "class", ErrorCodes.InvalidClassName)]
    [InlineData("ClassName", "9Lives", ErrorCodes.InvalidClassName)]
    [InlineData("Namespace", "My..App", ErrorCodes.InvalidNamespace)]
    [InlineData("CodeTarget", "Arduino", ErrorCodes.UnknownTarget)]
    [InlineData("Sparsty", "0.5", ErrorCodes.UnknownMetadata)]
    [InlineData("BiasCorrection", "yes", ErrorCodes.InvalidBoolean)]
    [InlineData("Distillation", "maybe", ErrorCodes.UnknownDistillation)]
    [InlineData("DistillationTemperature", "0", ErrorCodes.InvalidNumber)]
    [InlineData("WeightStorage", "Flash", ErrorCodes.UnknownWeightStorage)]
    public void Bad_metadata_gets_its_code(string name, string value, string code)
    {
        var problem = Single(Parse((name, value)));
        Assert.Equal(code, problem.Code);
        Assert.Contains("models/digits_cnn.onnx", problem.Message);
    }

    [Fact]
    public void Pruning_modes_and_distillation_are_read()
    {
        var options = Parse(("Pruning", "structured"), ("Sparsity", "0.5"), ("Distillation", "true"), ("DistillationTemperature", "2.5")).Options!;
        Assert.Equal(PruningMode.Structured, options.Pruning);
        Assert.Equal(DistillationScope.Head, options.Distillation);
        Assert.Equal(2.5, options.DistillationTemperature);
        Assert.Equal(PruningMode.Uniform, Parse(("Pruning", "Uniform")).Options!.Pruning);
        Assert.Equal(DistillationScope.None, Parse().Options!.Distillation);
        Assert.Equal(DistillationScope.None, Parse(("Distillation", "false")).Options!.Distillation);
        Assert.Equal(DistillationScope.Head, Parse(("Distillation", "Head")).Options!.Distillation);
        Assert.Equal(DistillationScope.Network, Parse(("Distillation", "network")).Options!.Distillation);
        Assert.False(Parse().Options!.BiasCorrection);
    }

    [Fact]
    public void Weight_storage_is_read_for_either_target()
    {
        Assert.Equal(WeightStorage.Auto, Parse().Options!.WeightStorage);
        Assert.Equal(WeightStorage.Inline, Parse(("WeightStorage", "inline")).Options!.WeightStorage);
        Assert.Equal(WeightStorage.Resource, Parse(("WeightStorage", "Resource")).Options!.WeightStorage);
        Assert.Equal(WeightStorage.Auto, Parse(("WeightStorage", "Auto"), ("CodeTarget", "NanoFramework")).Options!.WeightStorage);
        Assert.Equal(WeightStorage.Resource, Parse(("WeightStorage", "Resource"), ("CodeTarget", "NanoFramework")).Options!.WeightStorage);
        Assert.Contains("Inline and Resource", Single(Parse(("WeightStorage", "Flash"))).Message);
    }

    [Fact]
    public void MaxAccuracyDrop_takes_points_or_none_and_needs_data_to_measure_on()
    {
        var none = Parse(("MaxAccuracyDrop", "None"), ("Calibration", "calib.npy")).Options!;
        Assert.True(none.NoAccuracyBudget);
        Assert.Null(none.MaxAccuracyDrop);
        Assert.True(Parse(("MaxAccuracyDrop", "none")).Options!.NoAccuracyBudget); // opting out needs no data
        var budget = Parse(("MaxAccuracyDrop", "0.5"), ("Calibration", "calib.npy")).Options!; // held-back calibration samples judge it
        Assert.Equal(0.5, budget.MaxAccuracyDrop);
        Assert.False(budget.NoAccuracyBudget);
        var bad = Single(Parse(("MaxAccuracyDrop", "some"), ("Calibration", "calib.npy")));
        Assert.Equal(ErrorCodes.InvalidNumber, bad.Code);
        Assert.Contains("≥ 0 (e.g. 1), or none", bad.Message);
        var nothing = Single(Parse(("MaxAccuracyDrop", "1")));
        Assert.Equal(ErrorCodes.ConflictingMetadata, nothing.Code);
        Assert.Contains("neither Validation nor Calibration", nothing.Message);
    }

    [Fact]
    public void A_threshold_cannot_prune_structurally()
    {
        var problem = Single(Parse(("Pruning", "Structured"), ("PruningThreshold", "0.1")));
        Assert.Equal(ErrorCodes.ConflictingMetadata, problem.Code);
        Assert.Contains("Give Structured a Sparsity", problem.Message);
    }

    [Fact]
    public void Unknown_metadata_message_lists_the_allowed_names()
    {
        var message = Single(Parse(("Sparsty", "0.5"))).Message;
        Assert.Contains("'Sparsty'", message);
        foreach (var name in OptionsParser.MetadataNames) Assert.Contains(name, message);
    }

    [Fact]
    public void Metadata_that_msbuild_and_ides_add_is_not_unknown() =>
        Assert.True(Parse(("Link", "x"), ("Visible", "false"), ("CopyToOutputDirectory", "Never")).Succeeded);

    [Fact]
    public void Missing_model_is_MB1001()
    {
        var result = OptionsParser.Parse("nope.onnx", new Dictionary<string, string>(), _project, "App");
        Assert.Equal(ErrorCodes.ModelNotFound, Single(result).Code);
    }

    [Fact]
    public void Invalid_root_namespace_says_to_set_Namespace()
    {
        var result = OptionsParser.Parse("models/digits_cnn.onnx", new Dictionary<string, string>(), _project, "my-app");
        var problem = Single(result);
        Assert.Equal(ErrorCodes.InvalidNamespace, problem.Code);
        Assert.Contains("Namespace=", problem.Message);
    }

    [Fact]
    public void All_problems_are_reported_at_once() =>
        Assert.Equal(new[] { ErrorCodes.InvalidSparsity, ErrorCodes.UnknownPrecision },
            Parse(("Sparsity", "2"), ("Precision", "Int4")).Problems.Select(p => p.Code));

    [Fact]
    public void Two_items_with_one_class_are_MB1210_naming_both()
    {
        var a = new BakeOptions("/a/net.onnx", "Net", "App");
        var b = new BakeOptions("/b/net.onnx", "Net", "App");
        var c = new BakeOptions("/c/net.onnx", "Net", "Other");
        var problem = Assert.Single(OptionsParser.FindDuplicateClasses(new[] { ("a/net.onnx", a), ("b/net.onnx", b), ("c/net.onnx", c) }));
        Assert.Equal(ErrorCodes.DuplicateClassName, problem.Code);
        Assert.Contains("'a/net.onnx'", problem.Message);
        Assert.Contains("'b/net.onnx'", problem.Message);
        Assert.Contains("App.Net", problem.Message);
    }

    [Fact]
    public void A_class_name_that_is_a_kernel_method_is_refused_and_a_default_one_gets_a_suffix()
    {
        Assert.Equal("PoolModel", OptionsParser.DefaultClassName("models/pool.onnx"));
        Assert.Equal("DigitsCnn", OptionsParser.DefaultClassName("models/digits_cnn.onnx"));
        var problem = Assert.Single(Parse(("ClassName", "Conv")).Problems);
        Assert.Equal("MB1206", problem.Code);
        Assert.Contains("kernel method", problem.Message);
        // Also the methods copied in from outside the kernels: float16's conversions, a weight encoding's reader.
        Assert.Equal("HalfToFloatModel", OptionsParser.DefaultClassName("half_to_float.onnx"));
        Assert.Contains("HalfToFloat", Names.ReservedClassNames);
        Assert.Contains(nameof(Core.Encodings.BitmaskWeights.DecodeBitmask), Names.ReservedClassNames);
        // And their constants and static tables: a model named ieee.onnx would meet SmallFloats' Ieee (CS0542).
        Assert.Equal("IeeeModel", OptionsParser.DefaultClassName("ieee.onnx"));
        Assert.Contains(nameof(Core.Kernels.BinaryInt8.PowersOfTwoRoots), Names.ReservedClassNames);
    }
}
