using System.Collections.Immutable;
using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.NanoFramework;
using ModelBaker.Core.Options;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.NanoFramework;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;
using static ModelBaker.Tests.Operators.LstmInt8Tests;
using static ModelBaker.Tests.Operators.RecurrentTests;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// The integer GRU and RNN (<see cref="GruInt8"/>, <see cref="RnnInt8"/>, variations of <see cref="RecurrentInt8"/>'s scheme):
/// every attribute the float layer takes, baked int8, runs as one integer step whose generated .NET code equals the
/// interpreter bit for bit and stays within a stated distance of the float model; the nanoFramework flavour compiles
/// against nanoFramework's mscorlib, passes nanoCLR's limits and equals the .NET flavour.
/// </summary>
public sealed class GruRnnInt8Tests
{
    private readonly ITestOutputHelper _output;

    public GruRnnInt8Tests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Layers => new Layer[]
    {
        new("GRU"),
        new("GRU", Layout: 1, InputSize: 16, Hidden: 9, Batch: 2, LinearBeforeReset: true, Outputs: "Y"),
        new("GRU", LinearBeforeReset: true, Lengths: Given.Runtime, InitialState: Given.Runtime),
        new("GRU", "bidirectional", Layout: 1, LinearBeforeReset: true, Clip: 0.5f, InitialState: Given.Constant),
        new("GRU", "reverse", Lengths: Given.Constant, Outputs: "Y"),
        new("GRU", "bidirectional", InputSize: 19, Hidden: 12, Batch: 2, Lengths: Given.Runtime, InitialState: Given.Runtime, Sequence: 7, Bias: false),
        new("GRU", Activations: new[] { "Sigmoid", "Tanh" }, Hidden: 40, InputSize: 33, Sequence: 6, Batch: 1, Outputs: "Y_h"),
        new("RNN"),
        new("RNN", "bidirectional", Lengths: Given.Runtime, InitialState: Given.Runtime, Clip: 0.6f),
        new("RNN", "reverse", Layout: 1, Lengths: Given.Constant, InitialState: Given.Constant, Outputs: "Y_h"),
        new("RNN", "bidirectional", InputSize: 19, Hidden: 12, Batch: 2, Sequence: 7, Bias: false, Outputs: "Y"),
    }.Select(l => new object[] { l });

    private static Type KernelOf(Layer layer) => layer.Op == "GRU" ? typeof(GruInt8) : typeof(RnnInt8);

    [Theory]
    [MemberData(nameof(Layers))]
    public void An_int8_layer_is_one_integer_step_whose_generated_code_equals_the_interpreter_and_stays_close_to_float(Layer layer)
    {
        var plan = BakeInt8(layer);
        Assert.Contains(plan.Kernels, k => k.GetType() == KernelOf(layer));
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

    [Theory]
    [InlineData("GRU", "HardSigmoid,Tanh")]
    [InlineData("RNN", "Relu")]
    public void Other_activations_stay_a_float_island_and_the_nanoFramework_flavour_refuses_them(string op, string activations)
    {
        var layer = new Layer(op, Activations: activations.Split(','), Outputs: "Y_h");
        var plan = BakeInt8(layer);
        Assert.Contains(plan.Kernels, k => k is RecurrentFloatIsland);
        Assert.DoesNotContain(plan.Kernels, k => k is RecurrentInt8);
        var e = Assert.Throws<BakeException>(() => NanoGraphTests.BakeNano(Build(layer)));
        Assert.Equal(ErrorCodes.FloatIslandOnTarget, e.Code);
        Assert.Contains(op == "GRU" ? "Sigmoid, Tanh" : "are not Tanh", e.Message);
    }

    public static IEnumerable<object[]> NanoLayers => new Layer[]
    {
        new("GRU", Outputs: "Y"),
        new("GRU", "bidirectional", Layout: 1, Lengths: Given.Constant, InitialState: Given.Constant, Clip: 0.9f, Outputs: "Y_h"),
        new("GRU", "reverse", LinearBeforeReset: true, InputSize: 9, Hidden: 10, Outputs: "Y"),
        new("RNN", "bidirectional", Lengths: Given.Constant, InitialState: Given.Constant, Clip: 0.8f, Outputs: "Y"),
    }.Select(l => new object[] { l });

    /// <summary>The nanoFramework flavour compiles against nanoFramework's mscorlib, passes nanoCLR's limits and equals the .NET flavour.</summary>
    [Theory]
    [MemberData(nameof(NanoLayers))]
    public void The_nanoFramework_flavour_compiles_within_nanoCLR_limits_and_equals_the_NET_flavour(Layer layer)
    {
        var nanoPlan = BakeInt8(layer, CodeTarget.NanoFramework);
        Assert.Contains(nanoPlan.Kernels, k => k.GetType() == KernelOf(layer));
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

    [Theory]
    [InlineData("GRU")]
    [InlineData("RNN")]
    public void Predict_allocates_nothing(string op)
    {
        var layer = new Layer(op, "bidirectional", Lengths: Given.Constant, InitialState: Given.Constant, Outputs: "Y_h");
        var plan = BakeInt8(layer);
        Assert.Contains(plan.Kernels, k => k is RecurrentInt8);
        var assembly = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), $"{plan.Header.Namespace}.{plan.Header.ClassName}");
        var input = Feeds(layer)["x"].AsFloats();
        var output = new float[plan.Outputs[0].Length];
        Assert.Equal(0, assembly.AllocatedBytes(input, output, 100));
        Assert.Equal(PlanInterpreter.Run(plan, new[] { input })[0], assembly.Predict(input, output.Length));
    }

    [Fact]
    public void The_plans_round_trip_through_their_file()
    {
        var gru = Assert.Single(BakeInt8(new Layer("GRU", "bidirectional", LinearBeforeReset: true, Lengths: Given.Constant, InitialState: Given.Constant,
            Outputs: "Y_h")).Kernels.OfType<GruInt8>());
        var read = (GruInt8)RoundTrip(gru, GruInt8.Read);
        Assert.Equal(gru.Weights, read.Weights);
        Assert.Equal(gru.Gates.RecurrentBias, read.Gates.RecurrentBias);
        Assert.Equal(gru.Rescales, read.Rescales);
        Assert.Equal(gru.InitialH!.Constant, read.InitialH!.Constant);
        Assert.Equal((gru.StateBits, gru.ZeroPoint, gru.Clip, gru.LinearBeforeReset), (read.StateBits, read.ZeroPoint, read.Clip, read.LinearBeforeReset));

        var rnn = Assert.Single(BakeInt8(new Layer("RNN", "reverse", Lengths: Given.Constant, Clip: 0.6f, Outputs: "Y")).Kernels.OfType<RnnInt8>());
        var readRnn = (RnnInt8)RoundTrip(rnn, RnnInt8.Read);
        Assert.Equal(rnn.Recurrence, readRnn.Recurrence);
        Assert.Equal(rnn.Gates.InputMultipliers, readRnn.Gates.InputMultipliers);
        Assert.Equal(rnn.SequenceLengths!.Constant, readRnn.SequenceLengths!.Constant);
        Assert.Equal((rnn.ZeroPoint, rnn.Clip, rnn.Direction), (readRnn.ZeroPoint, readRnn.Clip, readRnn.Direction));
    }

    private static Kernel RoundTrip(Kernel step, Func<PlanBinaryReader, string, Kernel> read)
    {
        using var stream = new MemoryStream();
        using (var writer = new PlanBinaryWriter(stream)) step.WritePayload(writer);
        stream.Position = 0;
        using var reader = new PlanBinaryReader(stream);
        return read(reader, step.Source);
    }
}
