using System.Collections.Immutable;
using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.NanoFramework;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;
using static ModelBaker.Tests.Operators.RecurrentTests;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// The integer LSTM (<see cref="LstmInt8"/>): every attribute the float layer takes, baked int8, runs as one integer step
/// whose generated .NET code equals the interpreter bit for bit and stays within a stated distance of the float model;
/// the nanoFramework flavour compiles against nanoFramework's mscorlib, passes nanoCLR's limits and equals the .NET
/// flavour; its fixed-point sigmoid and tanh are checked against the real functions.
/// </summary>
public sealed class LstmInt8Tests
{
    private readonly ITestOutputHelper _output;

    public LstmInt8Tests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Layers => new Layer[]
    {
        new("LSTM"),
        new("LSTM", "reverse", Bias: false, Outputs: "Y_h"),
        new("LSTM", "bidirectional", Lengths: Given.Runtime, InitialState: Given.Runtime, Peepholes: true),
        new("LSTM", "bidirectional", Layout: 1, Lengths: Given.Constant, InitialState: Given.Constant, Outputs: "Y,Y_c"),
        new("LSTM", Peepholes: true, Clip: 0.7f, InputSize: 4, Hidden: 2),
        new("LSTM", "reverse", Layout: 1, InputForget: true, Lengths: Given.Runtime, Outputs: "Y,Y_h"),
        new("LSTM", "bidirectional", InputSize: 19, Hidden: 12, Batch: 2, Lengths: Given.Runtime, Peepholes: true, Sequence: 7),
        new("LSTM", Activations: new[] { "Sigmoid", "Tanh", "Tanh" }, Hidden: 40, InputSize: 33, Sequence: 6, Batch: 1),
    }.Select(l => new object[] { l });

    [Theory]
    [MemberData(nameof(Layers))]
    public void An_int8_LSTM_is_one_integer_step_whose_generated_code_equals_the_interpreter_and_stays_close_to_float(Layer layer)
    {
        var plan = BakeInt8(layer);
        Assert.Contains(plan.Kernels, k => k is LstmInt8);
        Assert.DoesNotContain(plan.Kernels, k => k is IFloatOnlyKernel || k is FloatIslandEntry);

        var feeds = Feeds(layer);
        var inputs = plan.Inputs.Select(t => Data(feeds[t.Name])).ToArray();
        var planned = PlanInterpreter.RunTensors(plan, inputs);
        var predict = InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan);
        var outputs = plan.Outputs.Select(t => (object)new float[t.Length]).ToArray();
        predict(inputs, outputs);
        for (int i = 0; i < plan.Outputs.Count; i++) Assert.Equal((float[])planned[i], (float[])outputs[i]);

        var graph = Build(layer);
        ShapeInference.Run(graph);
        var reference = FloatInterpreter.Run(graph, feeds);
        for (int i = 0; i < plan.Outputs.Count; i++)
        {
            double snr = Snr(reference[plan.Outputs[i].Name].AsFloats(), (float[])planned[i]);
            _output.WriteLine($"{layer}, output '{plan.Outputs[i].Name}': SNR {snr:0.0} dB against float");
            Assert.True(snr > 25, $"{layer}, output '{plan.Outputs[i].Name}': SNR {snr:0.0} dB against float");
        }
    }

    [Fact]
    public void Other_activations_stay_a_float_island_and_the_nanoFramework_flavour_refuses_them()
    {
        var layer = new Layer("LSTM", Activations: new[] { "HardSigmoid", "Tanh", "Tanh" }, Outputs: "Y_h");
        var plan = BakeInt8(layer);
        Assert.Contains(plan.Kernels, k => k is RecurrentFloatIsland);
        Assert.DoesNotContain(plan.Kernels, k => k is LstmInt8);
        var e = Assert.Throws<BakeException>(() => NanoGraphTests.BakeNano(Build(layer)));
        Assert.Equal(ErrorCodes.FloatIslandOnTarget, e.Code);
        Assert.Contains("Sigmoid, Tanh, Tanh", e.Message);
    }

    public static IEnumerable<object[]> NanoLayers => new Layer[]
    {
        new("LSTM", Outputs: "Y"),
        new("LSTM", "bidirectional", Layout: 1, Lengths: Given.Constant, InitialState: Given.Constant, Peepholes: true, Clip: 0.9f, Outputs: "Y_h"),
        new("LSTM", "reverse", InputForget: true, InputSize: 9, Hidden: 10, Outputs: "Y_c"),
    }.Select(l => new object[] { l });

    /// <summary>The nanoFramework flavour compiles against nanoFramework's mscorlib, passes nanoCLR's limits and equals the .NET flavour.</summary>
    [Theory]
    [MemberData(nameof(NanoLayers))]
    public void The_nanoFramework_flavour_compiles_within_nanoCLR_limits_and_equals_the_NET_flavour(Layer layer)
    {
        var nanoPlan = BakeInt8(layer, CodeTarget.NanoFramework);
        Assert.Contains(nanoPlan.Kernels, k => k is LstmInt8);
        string source = ClassEmitter.Emit(nanoPlan);
        NanoCompiler.AssertNanoFrameworkClean(source);
        Assert.Empty(NanoAssemblyChecker.Check(ImmutableArray.Create(NanoCompiler.CompileAgainstNanoMscorlib(source))));
        var nano = NanoCompiler.CompileForNet(source, "Tests.Net");

        var netPlan = BakeInt8(layer);
        var net = GeneratedAssembly.Compile(ClassEmitter.Emit(netPlan), $"{netPlan.Header.Namespace}.{netPlan.Header.ClassName}");
        var rng = new Random(3);
        for (int sample = 0; sample < 4; sample++)
        {
            var input = sample == 0 ? Feeds(layer)["x"].AsFloats() : OrtOracle.RandomTensor(rng, Feeds(layer)["x"].Shape, 2f).AsFloats();
            var expected = net.Predict(input, netPlan.Outputs[0].Length);
            Assert.Equal(PlanInterpreter.Run(nanoPlan, new[] { input })[0], expected);
            Assert.Equal(expected, NanoCompiler.Predict(nano, input, expected.Length));
        }
    }

    [Fact]
    public void Predict_allocates_nothing()
    {
        var layer = new Layer("LSTM", "bidirectional", Lengths: Given.Constant, InitialState: Given.Constant, Peepholes: true, Outputs: "Y_h");
        var plan = BakeInt8(layer);
        Assert.Contains(plan.Kernels, k => k is LstmInt8);
        var assembly = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), $"{plan.Header.Namespace}.{plan.Header.ClassName}");
        var input = Feeds(layer)["x"].AsFloats();
        var output = new float[plan.Outputs[0].Length];
        Assert.Equal(0, assembly.AllocatedBytes(input, output, 100));
        Assert.Equal(PlanInterpreter.Run(plan, new[] { input })[0], assembly.Predict(input, output.Length));
    }

    [Fact]
    public void Fixed_point_tanh_and_sigmoid_stay_within_four_steps_of_Q15_of_the_real_functions()
    {
        for (int bits = 5; bits <= 15; bits++)
            for (int value = -32768; value <= 32767; value += bits < 10 ? 1 : 7)
            {
                double real = value / Math.Pow(2, bits);
                Assert.InRange(RecurrentInt8.RecurrentTanh(value, bits) - Math.Tanh(real) * 32768, -4, 4);
            }
        for (int x = -32768; x <= 32767; x++)
            Assert.InRange(RecurrentInt8.RecurrentSigmoid(x) - 32768 / (1 + Math.Exp(-x / 4096.0)), -3, 3);
        for (int k = 0; k <= 256; k++)
            Assert.Equal(Math.Min(32767, (int)Math.Floor(Math.Tanh(k / 32.0) * 32768 + 0.5)), RecurrentInt8.RecurrentTanhTable[k]);
    }

    [Fact]
    public void The_plan_round_trips_through_its_file()
    {
        var plan = BakeInt8(new Layer("LSTM", "bidirectional", Lengths: Given.Constant, InitialState: Given.Constant, Peepholes: true, Outputs: "Y_h"));
        var step = Assert.Single(plan.Kernels.OfType<LstmInt8>());
        using var stream = new MemoryStream();
        using (var writer = new PlanBinaryWriter(stream)) step.WritePayload(writer);
        stream.Position = 0;
        using var reader = new PlanBinaryReader(stream);
        var read = LstmInt8.Read(reader, step.Source);
        Assert.Equal(step.Weights, read.Weights);
        Assert.Equal(step.InputBias, read.InputBias);
        Assert.Equal(step.Rescales, read.Rescales);
        Assert.Equal(step.Peepholes, read.Peepholes);
        Assert.Equal(step.InitialC!.Constant, read.InitialC!.Constant);
        Assert.Equal((step.CellBits, step.ZeroPoint, step.Clip), (read.CellBits, read.ZeroPoint, read.Clip));
    }

    internal static double Snr(float[] reference, float[] actual)
    {
        double signal = 0, noise = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            signal += (double)reference[i] * reference[i];
            noise += (double)(reference[i] - actual[i]) * (reference[i] - actual[i]);
        }
        return noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise);
    }

    /// <summary>
    /// Bakes the layer int8 for <paramref name="target"/>, calibrated on 32 samples drawn as the test's inputs are (X in
    /// ±2, states in ±1, the same sequence lengths), written as a folder of ONNX test-data sets.
    /// </summary>
    internal static BakedPlan BakeInt8(Layer layer, CodeTarget target = CodeTarget.Net)
    {
        var graph = Build(layer);
        using var folder = new TempFolder();
        var rng = new Random(11);
        var feeds = Feeds(layer);
        for (int sample = 0; sample < 32; sample++)
        {
            Directory.CreateDirectory(folder.Path($"set_{sample:00}"));
            for (int i = 0; i < graph.Inputs.Count; i++)
            {
                var given = feeds[graph.Inputs[i]];
                var tensor = given.Type == ElementType.Int32 ? given : OrtOracle.RandomTensor(rng, given.Shape, graph.Inputs[i] == "x" ? 2f : 1f);
                TensorConverter.WriteTensorFile(tensor, folder.Path($"set_{sample:00}", $"input_{i}.pb"), graph.Inputs[i]);
            }
        }
        return Baker.Bake(graph, "test", new BakeOptions("lstm.onnx", "Net", "Tests")
            { Precision = Precision.Int8, Target = target, CalibrationPath = folder.Root }, new RecordingLog());
    }
}
