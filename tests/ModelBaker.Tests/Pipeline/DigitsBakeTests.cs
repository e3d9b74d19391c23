using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using Xunit.Abstractions;

namespace ModelBaker.Tests.Pipeline;

/// <summary>The acceptance bar of the first release: the digits MLP at Sparsity 0.5 in int8 keeps top-1 within 1 point.</summary>
public sealed class DigitsBakeTests
{
    private readonly ITestOutputHelper _output;
    public DigitsBakeTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Int8AtHalfSparsityKeepsTop1WithinOnePointOfFloat()
    {
        var inputs = SampleModels.DigitsTestInputs();
        var labels = SampleModels.DigitsTestLabels();
        var graph = OnnxModelReader.Load(SampleModels.DigitsModel);
        var plan = SampleModels.Digits(0.5f);

        int floatCorrect = 0, bakedCorrect = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            var reference = FloatInterpreter.Run(graph, new Dictionary<string, Tensor> { ["pixels"] = Tensor.FromFloats(new[] { 1, 64 }, inputs[i]) });
            if (SampleModels.ArgMax(reference["logits"].AsFloats()) == labels[i]) floatCorrect++;
            if (SampleModels.ArgMax(PlanInterpreter.Run(plan, new[] { inputs[i] })[0]) == labels[i]) bakedCorrect++;
        }
        double floatAccuracy = 100.0 * floatCorrect / inputs.Length, bakedAccuracy = 100.0 * bakedCorrect / inputs.Length;
        _output.WriteLine($"float {floatAccuracy:F2}%  int8 sparsity 0.5 {bakedAccuracy:F2}%  weights {plan.Header.FloatWeightBytes} -> {plan.WeightBytes} bytes, arena {plan.ArenaBytes}");
        Assert.True(floatAccuracy - bakedAccuracy <= 1.0, $"float {floatAccuracy:F2}% vs baked {bakedAccuracy:F2}%");
    }

    [Fact]
    public void PlanHasOneFusedStepPerLayer()
    {
        var plan = SampleModels.Digits(0.5f);
        Assert.Equal(Precision.Int8, plan.Header.Precision);
        Assert.Equal(new[] { KernelKind.FullyConnectedInt8, KernelKind.FullyConnectedInt8, KernelKind.FullyConnectedInt8 }, plan.Kernels.Select(k => k.Kind));
        Assert.Equal(64, plan.Inputs.Single().Length);
        Assert.Equal(10, plan.Outputs.Single().Length);
    }
}
