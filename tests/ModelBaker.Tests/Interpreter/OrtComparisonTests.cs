using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Passes;
using Xunit.Abstractions;

namespace ModelBaker.Tests.Interpreter;

/// <summary>Random MLPs, fixed seeds: our float interpreter against ONNX Runtime, within 1e-5 relative.</summary>
public class OrtComparisonTests
{
    private readonly ITestOutputHelper output;

    public OrtComparisonTests(ITestOutputHelper output) => this.output = output;

    public static IEnumerable<object[]> Seeds => Enumerable.Range(0, 100).Select(seed => new object[] { seed });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_mlp_matches_onnx_runtime(int seed)
    {
        var mlp = new RandomMlp(seed);
        string context = string.Join("; ", mlp.Description);
        ShapeInference.Run(mlp.Graph); // the writer declares output shapes, so infer them first
        var ours = FloatInterpreter.Run(mlp.Graph, mlp.Inputs);
        double worst = OrtOracle.AssertMatches(mlp.Graph, mlp.Inputs, ours, context);
        output.WriteLine($"{context}: max relative error {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_mlp_matches_onnx_runtime_after_constant_folding(int seed)
    {
        var mlp = new RandomMlp(seed);
        var reference = new RandomMlp(seed).Graph;
        ShapeInference.Run(reference);
        ConstantFolding.Run(mlp.Graph);
        OrtOracle.AssertMatches(reference, mlp.Inputs, FloatInterpreter.Run(mlp.Graph, mlp.Inputs), string.Join("; ", mlp.Description));
    }
}
