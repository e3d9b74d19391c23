using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Codegen;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;
using ModelBaker.Core.Options;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// Every int8 kernel's nanoFramework block, through baked graphs: random CNNs (convolution, pooling, channel affine,
/// fully connected) and a chain of the element-wise, softmax-family, reduction and data-movement kernels. Each file
/// must compile clean against nanoFramework's mscorlib and, run on .NET, equal the int8 interpreter bit for bit.
/// </summary>
public sealed class NanoGraphTests
{
    /// <summary>Bakes <paramref name="graph"/> to int8 for nanoFramework (the ONNX file is deleted).</summary>
    internal static BakedPlan BakeNano(Graph graph, Precision precision = Precision.Int8, WeightStorage storage = WeightStorage.Auto)
    {
        string folder = Path.Combine(Path.GetTempPath(), "modelbaker-nano-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "net.onnx");
        try
        {
            OnnxModelWriter.Save(graph, path);
            return Baker.Bake(new BakeOptions(path, "Net", "Tests") { Precision = precision, Target = CodeTarget.NanoFramework, WeightStorage = storage }, new RecordingLog());
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    private static void AssertNanoMatchesTheInterpreter(BakedPlan plan, IEnumerable<float[]> inputs)
    {
        string source = ClassEmitter.Emit(plan);
        NanoCompiler.AssertNanoFrameworkClean(source);
        var nano = NanoCompiler.CompileForNet(source, "Tests.Net");
        foreach (var input in inputs)
        {
            var expected = PlanInterpreter.Run(plan, new[] { input })[0];
            Assert.Equal(expected, NanoCompiler.Predict(nano, input, expected.Length));
        }
    }

    public static IEnumerable<object[]> Seeds => Enumerable.Range(0, 12).Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_cnns_in_nanoFramework_code_match_the_interpreter_bit_for_bit(int seed)
    {
        var cnn = new RandomCnn(seed);
        var plan = BakeNano(cnn.Graph);
        var rng = new Random(seed);
        AssertNanoMatchesTheInterpreter(plan, Enumerable.Range(0, 4).Select(i => i == 0 ? cnn.Input.Floats! : OrtOracle.RandomTensor(rng, cnn.Input.Shape).Floats!));
    }

    /// <summary>
    /// The nanoFramework convolution's paths on maps large enough to reach each: four windows a step (strides 1 and 2,
    /// dilation 2, a pruned weight skipped), nine weights in locals, 1 × 1 four pixels a step, padded layers read
    /// framed (depthwise, a one-channel stem, grouped; batch 2 frames each item), asymmetric padding, and border windows
    /// where the frames would pass the workspace budget.
    /// </summary>
    [Theory]
    [InlineData(1, 3, 1, 3, 1, 1, 1, 1, true)]    // 3×3 over three channels, framed: four windows a step
    [InlineData(2, 4, 4, 3, 1, 1, 1, 1, true)]    // depthwise 3×3, batch 2: framed, nine weights in locals
    [InlineData(1, 4, 4, 3, 2, 1, 0, 2, true)]    // depthwise stride 2, asymmetric padding
    [InlineData(1, 1, 1, 5, 1, 1, 2, 2, true)]    // one-channel 5×5 stem: framed, four windows a step
    [InlineData(1, 6, 2, 3, 2, 2, 2, 1, true)]    // grouped, stride 2, dilation 2
    [InlineData(1, 24, 1, 3, 1, 1, 1, 1, false)]  // 24 channels' frames (7,296 bytes) over the budget: border windows
    [InlineData(1, 24, 1, 3, 2, 2, 0, 2, false)]  // the same with stride 2, dilation 2 and asymmetric padding
    [InlineData(2, 5, 1, 1, 1, 1, 0, 0, false)]   // 1×1: four pixels a step, batch 2
    [InlineData(1, 5, 1, 1, 2, 1, 1, 0, true)]    // 1×1 stride 2 with padding, framed
    public void Convolutions_take_every_nano_path_and_match_the_interpreter_bit_for_bit(int batch, int channels, int groups, int kernel,
        int stride, int dilation, int padBegin, int padEnd, bool framed)
    {
        var rng = new Random(channels * 31 + kernel * 7 + stride);
        int outputs = groups == channels ? channels : 4;
        var weights = OrtOracle.RandomTensor(rng, new[] { outputs, channels / groups, kernel, kernel });
        var pruned = weights.Floats!.Select((w, i) => i % 3 == 1 ? 0f : w).ToArray(); // a third pruned
        var builder = new GraphBuilder(13).Input("x", batch, channels, 17, 14)
            .Constant("w", T.F(new[] { outputs, channels / groups, kernel, kernel }, pruned))
            .Constant("b", OrtOracle.RandomTensor(rng, new[] { outputs }, 0.1f))
            .Node("Conv", new[] { "x", "w", "b" }, new[] { "y" }, Int("group", groups), Ints("strides", stride, stride),
                Ints("dilations", dilation, dilation), Ints("kernel_shape", kernel, kernel), Ints("pads", padBegin, padBegin, padEnd, padEnd))
            .Output("y");
        var plan = BakeNano(builder.Graph);
        var conv = Assert.Single(plan.Kernels.OfType<Core.Kernels.ConvInt8>());
        Assert.Equal(framed, conv.NanoWorkspaceBytes > 0);
        AssertNanoMatchesTheInterpreter(plan, Enumerable.Range(0, 3).Select(_ => OrtOracle.RandomTensor(rng, new[] { batch, channels, 17, 14 }).Floats!));
    }

    /// <summary>
    /// Sigmoid, Tanh, HardSwish (tables), Add with a broadcast constant, Mul and Max of two tensors, PRelu, Transpose,
    /// Concat, ReduceMean, Softmax and LogSoftmax: at least one int8 step of each kind.
    /// </summary>
    [Fact]
    public void Element_wise_softmax_reduction_and_data_movement_kernels_in_nanoFramework_code_match_the_interpreter()
    {
        var rng = new Random(5);
        var graph = new GraphBuilder(13).Input("x", 2, 3, 4)
            .Constant("c", OrtOracle.RandomTensor(rng, new[] { 4 }))
            .Constant("slope", OrtOracle.RandomTensor(rng, new[] { 4 }))
            .Node("Sigmoid", new[] { "x" }, new[] { "s" })
            .Node("Tanh", new[] { "x" }, new[] { "t" })
            .Node("Add", new[] { "s", "c" }, new[] { "a" })
            .Node("Mul", new[] { "a", "t" }, new[] { "m" })
            .Node("HardSwish", new[] { "m" }, new[] { "h" })
            .Node("Max", new[] { "h", "t" }, new[] { "mx" })
            .Node("PRelu", new[] { "mx", "slope" }, new[] { "p" })
            .Node("Transpose", new[] { "p" }, new[] { "tp" }, new Attribute { Name = "perm", Kind = AttributeKind.Ints, Ints = new long[] { 0, 2, 1 } })
            .Node("Transpose", new[] { "x" }, new[] { "tx" }, new Attribute { Name = "perm", Kind = AttributeKind.Ints, Ints = new long[] { 0, 2, 1 } })
            .Node("Concat", new[] { "tp", "tx" }, new[] { "cat" }, Int("axis", 2))
            .Node("Softmax", new[] { "cat" }, new[] { "sm" }, Int("axis", -1))
            .Node("LogSoftmax", new[] { "cat" }, new[] { "lsm" }, Int("axis", 1))
            .Node("Add", new[] { "sm", "lsm" }, new[] { "sum" })
            .Node("ReduceMean", new[] { "sum" }, new[] { "y" }, new Attribute { Name = "axes", Kind = AttributeKind.Ints, Ints = new long[] { 1 } })
            .Output("y").Graph;
        var plan = BakeNano(graph);
        var kinds = plan.Kernels.Select(k => k.Kind).ToHashSet();
        foreach (var kind in new[] { KernelKind.LookupInt8, KernelKind.BinaryInt8, KernelKind.Remap, KernelKind.ConcatInt8, KernelKind.SoftmaxInt8,
                     KernelKind.LogSoftmaxInt8, KernelKind.ReduceInt8 })
            Assert.Contains(kind, kinds);
        AssertNanoMatchesTheInterpreter(plan, Enumerable.Range(0, 20).Select(i => OrtOracle.RandomTensor(rng, new[] { 2, 3, 4 }).Floats!));
    }

    [Fact]
    public void ArgMax_writes_a_long_output_in_nanoFramework_code_as_the_interpreter_does()
    {
        var graph = new GraphBuilder(13).Input("x", 3, 5)
            .Node("Tanh", new[] { "x" }, new[] { "t" })
            .Node("ArgMax", new[] { "t" }, new[] { "y" }, Int("axis", 1), Int("keepdims", 0))
            .Output("y").Graph;
        var plan = BakeNano(graph);
        Assert.Contains(plan.Kernels, k => k.Kind == KernelKind.ArgMaxInt8);
        string source = ClassEmitter.Emit(plan);
        Assert.Contains("public static void Predict(float[] input, long[] output)", source);
        Assert.DoesNotContain("PredictQuantized", source); // the output is not a quantized tensor
        NanoCompiler.AssertNanoFrameworkClean(source);
        var nano = NanoCompiler.CompileForNet(source, "Tests.Net");
        var rng = new Random(3);
        for (int i = 0; i < 20; i++)
        {
            var input = OrtOracle.RandomTensor(rng, new[] { 3, 5 }).Floats!;
            var expected = (long[])PlanInterpreter.RunTensors(plan, new Array[] { input })[0];
            var output = new long[3];
            NanoCompiler.Call(nano, "Predict", input, output);
            Assert.Equal(expected, output);
        }
    }

    [Fact]
    public void A_float_plan_is_refused_for_nanoFramework()
    {
        var graph = new GraphBuilder(13).Input("x", 1, 4).Node("Sigmoid", new[] { "x" }, new[] { "y" }).Output("y").Graph;
        var e = Assert.Throws<BakeException>(() => BakeNano(graph, Precision.Float32));
        Assert.Equal(ErrorCodes.ConflictingMetadata, e.Code);
        Assert.Contains("integer-only", e.Message);
    }

    [Fact]
    public void A_step_without_integer_only_code_is_refused_naming_the_node()
    {
        // MaxPool's indices output: a max-pool-indices step, which has no nanoFramework flavour. (An int64 Transpose, this
        // test's earlier example, now runs there.)
        var graph = new GraphBuilder(13).Input("x", 1, 1, 2, 2)
            .Node("MaxPool", new[] { "x" }, new[] { "y", "indices" }, Ints("kernel_shape", 2, 2)).Output("y", "indices").Graph;
        var e = Assert.Throws<BakeException>(() => BakeNano(graph));
        Assert.True(e.Code == ErrorCodes.UnsupportedOnTarget, e.Message);
        Assert.Contains("MaxPool", e.Message);
        Assert.Contains("CodeTarget=\"Net\"", e.Message);
    }
}
