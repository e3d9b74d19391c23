using ModelBaker.Core.Kernels;
using Xunit.Abstractions;
using static ModelBaker.Tests.Operators.RecurrentInt8Checks;
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
    public void An_int8_layer_is_one_integer_step_whose_generated_code_equals_the_interpreter_and_stays_close_to_float(Layer layer) =>
        AssertOneIntegerStepEqualToInterpreterAndCloseToFloat(layer, KernelOf(layer), _output);

    [Theory]
    [InlineData("GRU", "HardSigmoid,Tanh")]
    [InlineData("RNN", "Relu")]
    public void Other_activations_stay_a_float_island_and_the_nanoFramework_flavour_refuses_them(string op, string activations) =>
        AssertFloatIslandRefusedByNanoFramework(
            new Layer(op, Activations: activations.Split(','), Outputs: "Y_h"), op == "GRU" ? "Sigmoid, Tanh" : "are not Tanh");

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
    public void The_nanoFramework_flavour_compiles_within_nanoCLR_limits_and_equals_the_NET_flavour(Layer layer) =>
        AssertNanoFrameworkFlavourEqualsNet(layer, KernelOf(layer));

    [Theory]
    [InlineData("GRU")]
    [InlineData("RNN")]
    public void Predict_allocates_nothing(string op) =>
        AssertPredictAllocatesNothing(new Layer(op, "bidirectional", Lengths: Given.Constant, InitialState: Given.Constant, Outputs: "Y_h"));

    [Fact]
    public void The_plans_round_trip_through_their_file()
    {
        var gru = Assert.Single(BakeInt8(new Layer("GRU", "bidirectional", LinearBeforeReset: true, Lengths: Given.Constant, InitialState: Given.Constant,
            Outputs: "Y_h")).Kernels.OfType<GruInt8>());
        var read = RoundTrip(gru, GruInt8.Read);
        Assert.Equal(gru.Weights, read.Weights);
        Assert.Equal(gru.Gates.RecurrentBias, read.Gates.RecurrentBias);
        Assert.Equal(gru.Rescales, read.Rescales);
        Assert.Equal(gru.InitialH!.Constant, read.InitialH!.Constant);
        Assert.Equal((gru.StateBits, gru.ZeroPoint, gru.Clip, gru.LinearBeforeReset), (read.StateBits, read.ZeroPoint, read.Clip, read.LinearBeforeReset));

        var rnn = Assert.Single(BakeInt8(new Layer("RNN", "reverse", Lengths: Given.Constant, Clip: 0.6f, Outputs: "Y")).Kernels.OfType<RnnInt8>());
        var readRnn = RoundTrip(rnn, RnnInt8.Read);
        Assert.Equal(rnn.Recurrence, readRnn.Recurrence);
        Assert.Equal(rnn.Gates.InputMultipliers, readRnn.Gates.InputMultipliers);
        Assert.Equal(rnn.SequenceLengths!.Constant, readRnn.SequenceLengths!.Constant);
        Assert.Equal((rnn.ZeroPoint, rnn.Clip, rnn.Direction), (readRnn.ZeroPoint, readRnn.Clip, readRnn.Direction));
    }
}
