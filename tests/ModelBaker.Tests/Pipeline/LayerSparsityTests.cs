using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Pipeline;

/// <summary>
/// LayerSparsity="name=s;…" (docs/compression.md#layersparsity): the metadata that pins Sparsity="auto"'s per-layer
/// choice — parsing, what it prunes, and its coded errors (MB1126–MB1129, MB1211). The digits MLP's layers are the
/// Gemm nodes '/net/net.0/Gemm', '/net/net.2/Gemm' and '/net/net.4/Gemm', each with a Relu fused (but the last).
/// </summary>
public sealed class LayerSparsityTests
{
    private const string First = "/net/net.0/Gemm", Last = "/net/net.4/Gemm";

    private static LayerSparsity Layers(string text) => LayerSparsity.Parse(text).Value!;

    [Fact]
    public void Parse_reads_names_and_sparsities_and_writes_them_back_in_name_order()
    {
        var layers = Layers(" fc2 = 0.6 ; conv1=0.8;");
        Assert.Equal(new[] { "conv1", "fc2" }, layers.Layers.Keys);
        Assert.Equal(0.8f, layers.For("conv1"));
        Assert.Equal(0.6f, layers.For("fc2"));
        Assert.Null(layers.For("fc1"));
        Assert.Equal("conv1=0.8;fc2=0.6", layers.ToString());
        Assert.Equal(layers, Layers(layers.ToString()));
        Assert.Equal(layers.GetHashCode(), Layers("conv1=0.8;fc2=0.6").GetHashCode());
        Assert.NotEqual(layers, Layers("conv1=0.8;fc2=0.61"));
        // A name may hold '=' and '/', as exporters' node names do: the last '=' starts the value.
        Assert.Equal(0.25f, Layers("a=b/Gemm=0.25").For("a=b/Gemm"));
    }

    [Theory]
    [InlineData("fc1=1", "'fc1=1'")]
    [InlineData("fc1=-0.1", "'fc1=-0.1'")]
    [InlineData("fc1=0,5", "'fc1=0,5'")]
    [InlineData("fc1", "'fc1'")]
    [InlineData("=0.5", "'=0.5'")]
    [InlineData("fc1=NaN", "'fc1=NaN'")]
    [InlineData(" ; ", "no entry")]
    public void A_malformed_or_out_of_range_entry_is_MB1127(string text, string named)
    {
        var (value, problems) = LayerSparsity.Parse(text);
        Assert.Null(value);
        var problem = Assert.Single(problems);
        Assert.Equal(ErrorCodes.InvalidLayerSparsity, problem.Code);
        Assert.Contains(named, problem.Message);
    }

    [Fact]
    public void A_layer_named_twice_is_MB1129()
    {
        var (value, problems) = LayerSparsity.Parse("fc1=0.5;fc2=0.1;fc1=0.7");
        Assert.Null(value);
        var problem = Assert.Single(problems);
        Assert.Equal(ErrorCodes.LayerNamedTwice, problem.Code);
        Assert.Contains("'fc1' twice in LayerSparsity (=0.5 and =0.7)", problem.Message);
    }

    [Fact]
    public void Node_names_come_from_the_step_source_also_with_a_fused_activation()
    {
        Assert.Equal("fc1", LayerSparsity.NodeName("'fc1' (Gemm)"));
        Assert.Equal("/net/net.0/Gemm", LayerSparsity.NodeName("'/net/net.0/Gemm' (Gemm) + '/net/net.1/Relu' (Relu)"));
        Assert.Equal("test", LayerSparsity.NodeName("test"));
    }

    [Fact]
    public void The_item_metadata_and_the_CLI_option_take_LayerSparsity_and_refuse_what_contradicts_it()
    {
        string project = Directory.CreateTempSubdirectory("mb-layers-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(project, "net.onnx"), new byte[] { 0 });
            File.WriteAllBytes(Path.Combine(project, "calib.npy"), new byte[] { 0 });
            OptionsParser.Result Parse(params (string, string)[] m) =>
                OptionsParser.Parse("net.onnx", m.ToDictionary(p => p.Item1, p => p.Item2), project, "App");

            var options = Parse(("Sparsity", "0.5"), ("LayerSparsity", "fc1=0.9;conv1=0.2")).Options!;
            Assert.Equal(0.5f, options.Sparsity);
            Assert.Equal("conv1=0.2;fc1=0.9", options.LayerSparsity!.ToString());
            Assert.Null(Parse(("Sparsity", "0.5")).Options!.LayerSparsity);

            Assert.Equal(ErrorCodes.InvalidLayerSparsity, Assert.Single(Parse(("LayerSparsity", "fc1=1.5")).Problems).Code);
            Assert.Equal(ErrorCodes.LayerNamedTwice, Assert.Single(Parse(("LayerSparsity", "fc1=0.5;fc1=0.6")).Problems).Code);
            var auto = Assert.Single(Parse(("Sparsity", "auto"), ("MaxAccuracyDrop", "1"), ("Calibration", "calib.npy"), ("LayerSparsity", "fc1=0.5")).Problems);
            Assert.Equal(ErrorCodes.ConflictingMetadata, auto.Code);
            Assert.Contains("LayerSparsity with Sparsity=\"auto\"", auto.Message);
            Assert.Equal(ErrorCodes.ConflictingMetadata, Assert.Single(Parse(("LayerSparsity", "fc1=0.5"), ("PruningThreshold", "0.1")).Problems).Code);
            Assert.Equal(ErrorCodes.ConflictingMetadata, Assert.Single(Parse(("Sparsity", "0.5"), ("LayerSparsity", "fc1=0.5"), ("Pruning", "Structured")).Problems).Code);
        }
        finally { Directory.Delete(project, recursive: true); }
    }

    /// <summary>The float plan after pruning alone (no reconstruction, no int8): each layer's zero count.</summary>
    private static int[] ZerosPerLayer(BakeOptions options) =>
        Baker.Bake(options with { Precision = Precision.Float32, Reconstruction = false, NoAccuracyBudget = true }, new RecordingLog())
            .Kernels.OfType<IWeightedKernel>().Select(l => l.Weights.Count(w => w == 0f)).ToArray();

    [Fact]
    public void A_named_layer_loses_its_own_share_and_the_others_keep_theirs_from_Sparsity()
    {
        var spread = ZerosPerLayer(SampleModels.DigitsOptions(0.5f));
        var named = ZerosPerLayer(SampleModels.DigitsOptions(0.5f) with { LayerSparsity = Layers($"{Last}=0.9;{First}=0.25") });
        var layers = Baker.Bake(SampleModels.DigitsOptions(0) with { Precision = Precision.Float32 }, new RecordingLog()).Kernels.OfType<IWeightedKernel>().ToList();
        int Count(float s, int l) => (int)Math.Round(s * (double)layers[l].Weights.Length, MidpointRounding.AwayFromZero);
        Assert.Equal(Count(0.25f, 0), named[0]);
        Assert.Equal(spread[1], named[1]);
        Assert.Equal(Count(0.9f, 2), named[2]);
        Assert.NotEqual(spread[0], named[0]);
        // Sparsity 0 with LayerSparsity prunes the named layer only.
        Assert.Equal(new[] { 0, 0, Count(0.5f, 2) }, ZerosPerLayer(SampleModels.DigitsOptions(0) with { LayerSparsity = Layers($"{Last}=0.5") }));
    }

    [Fact]
    public void A_node_the_model_does_not_have_is_MB1126_listing_the_layers_it_could_name()
    {
        var e = Assert.Throws<BakeException>(() => Baker.Bake(SampleModels.DigitsOptions(0.5f) with { LayerSparsity = Layers("fc9=0.5") }, new RecordingLog()));
        Assert.Equal(ErrorCodes.LayerSparsityUnknownLayer, e.Code);
        Assert.Contains("LayerSparsity names 'fc9', but the model has no such node", e.Message);
        Assert.Contains($"'{First}', '/net/net.2/Gemm', '{Last}'", e.Message);
    }

    [Fact]
    public void A_node_without_weights_of_its_own_is_MB1128()
    {
        var e = Assert.Throws<BakeException>(() => Baker.Bake(SampleModels.DigitsOptions(0.5f) with { LayerSparsity = Layers("/net/net.1/Relu=0.5") }, new RecordingLog()));
        Assert.Equal(ErrorCodes.LayerNotPrunable, e.Code);
        Assert.Contains($"'/net/net.1/Relu', which cannot be pruned: it has no weights of its own: it runs fused into the step of '{First}'", e.Message);
    }

    [Fact]
    public void A_step_that_is_not_a_weighted_layer_is_MB1128()
    {
        // The digits CNN's pooling and flattening are steps of their own, with nothing pruning could reach.
        var options = new BakeOptions(TestData.Path("sample", "models", "digits_cnn.onnx"), "DigitsCnn", "Samples")
        {
            Sparsity = 0.5f, Precision = Precision.Float32, NoAccuracyBudget = true,
        };
        var plan = Baker.Bake(options, new RecordingLog());
        var step = plan.Kernels.First(k => k is not IWeightedKernel && LayerSparsity.NodeName(k.Source) != k.Source);
        string name = LayerSparsity.NodeName(step.Source);
        var e = Assert.Throws<BakeException>(() => Baker.Bake(options with { LayerSparsity = Layers($"{name}=0.5") }, new RecordingLog()));
        Assert.Equal(ErrorCodes.LayerNotPrunable, e.Code);
        Assert.Contains($"'{name}', which cannot be pruned: it is a {step.Kind} step", e.Message);
    }

    [Fact]
    public void The_CLI_takes_layer_sparsity_and_reports_its_errors_with_their_codes()
    {
        using var folder = new TempFolder();
        var result = Cli.CliResult.Run("bake", SampleModels.DigitsModel, "--precision", "Float32", "--layer-sparsity", $"{Last}=0.5", "-o", folder.Root);
        Assert.True(result.ExitCode == 0, result.ToString());
        var plan = PlanFile.Read(File.ReadAllBytes(Path.Combine(folder.Root, "digits_mlp.mbake")));
        Assert.Equal(new[] { 0, 0, 320 }, plan.Kernels.Where(k => k.Parameters > 0).Select(k => k.ZeroParameters)); // round(0.5 × 640)

        var unknown = Cli.CliResult.Run("bake", SampleModels.DigitsModel, "--precision", "Float32", "--layer-sparsity", "fc9=0.5", "-o", folder.Root);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("error MB1126: ", unknown.Error);
        // A value the options cannot take is a usage error (exit code 2), with the metadata's code.
        var invalid = Cli.CliResult.Run("bake", SampleModels.DigitsModel, "--layer-sparsity", "fc9=2", "-o", folder.Root);
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("error MB1127: ", invalid.Error);
    }
}
