using ModelBaker.Core.Kernels;
using Xunit.Abstractions;
using static ModelBaker.Tests.Operators.RecurrentInt8Checks;
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
    public void An_int8_LSTM_is_one_integer_step_whose_generated_code_equals_the_interpreter_and_stays_close_to_float(Layer layer) =>
        AssertOneIntegerStepEqualToInterpreterAndCloseToFloat(layer, typeof(LstmInt8), _output);

    [Fact]
    public void Other_activations_stay_a_float_island_and_the_nanoFramework_flavour_refuses_them() =>
        AssertFloatIslandRefusedByNanoFramework(
            new Layer("LSTM", Activations: new[] { "HardSigmoid", "Tanh", "Tanh" }, Outputs: "Y_h"), "Sigmoid, Tanh, Tanh");

    public static IEnumerable<object[]> NanoLayers => new Layer[]
    {
        new("LSTM", Outputs: "Y"),
        new("LSTM", "bidirectional", Layout: 1, Lengths: Given.Constant, InitialState: Given.Constant, Peepholes: true, Clip: 0.9f, Outputs: "Y_h"),
        new("LSTM", "reverse", InputForget: true, InputSize: 9, Hidden: 10, Outputs: "Y_c"),
    }.Select(l => new object[] { l });

    /// <summary>The nanoFramework flavour compiles against nanoFramework's mscorlib, passes nanoCLR's limits and equals the .NET flavour.</summary>
    [Theory]
    [MemberData(nameof(NanoLayers))]
    public void The_nanoFramework_flavour_compiles_within_nanoCLR_limits_and_equals_the_NET_flavour(Layer layer) =>
        AssertNanoFrameworkFlavourEqualsNet(layer, typeof(LstmInt8));

    [Fact]
    public void Predict_allocates_nothing() =>
        AssertPredictAllocatesNothing(
            new Layer("LSTM", "bidirectional", Lengths: Given.Constant, InitialState: Given.Constant, Peepholes: true, Outputs: "Y_h"));

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
        var read = RecurrentInt8Checks.RoundTrip(step, LstmInt8.Read);
        Assert.Equal(step.Weights, read.Weights);
        Assert.Equal(step.InputBias, read.InputBias);
        Assert.Equal(step.Rescales, read.Rescales);
        Assert.Equal(step.Peepholes, read.Peepholes);
        Assert.Equal(step.InitialH!.Constant, read.InitialH!.Constant);
        Assert.Equal(step.InitialC!.Constant, read.InitialC!.Constant);
        Assert.Equal((step.CellBits, step.ZeroPoint, step.Clip, step.InputForget), (read.CellBits, read.ZeroPoint, read.Clip, read.InputForget));
    }
}
