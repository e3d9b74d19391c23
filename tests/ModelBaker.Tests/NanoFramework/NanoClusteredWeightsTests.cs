using ModelBaker.Core.Codegen;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// The clustered weight encodings (a codebook and packed codes, with or without a bitmask, or index-delta entries) in nanoFramework code: the
/// digits MLP's weights snapped to seven values, so that the smallest encoding is a clustered one.
/// </summary>
public sealed class NanoClusteredWeightsTests
{
    [Theory]
    [InlineData(0f, WeightEncoding.Clustered)]
    [InlineData(0.5f, WeightEncoding.ClusteredBitmask)]
    [InlineData(0.9f, WeightEncoding.ClusteredIndexDelta)]
    public void Clustered_layers_in_nanoFramework_code_match_the_interpreter(float sparsity, WeightEncoding expected)
    {
        var baked = SampleModels.Digits(sparsity);
        var kernels = baked.Kernels.Select(k => k is FullyConnectedInt8 fc ? Clustered(fc) : k).ToList();
        // At Sparsity 0.5 the small classifier stays dense (docs/compression.md), so it is clustered without a bitmask.
        var encodings = kernels.OfType<FullyConnectedInt8>().Select(fc => fc.Encoded.Encoding).ToList();
        Assert.Contains(expected, encodings);
        Assert.All(encodings, e => Assert.Contains(e, new[] { WeightEncoding.Clustered, WeightEncoding.ClusteredBitmask, WeightEncoding.ClusteredIndexDelta }));
        var plan = new BakedPlan(baked.Header with { Target = CodeTarget.NanoFramework }, baked.Inputs, baked.Outputs, baked.ArenaLengths, kernels);

        string source = ClassEmitter.Emit(plan);
        NanoCompiler.AssertNanoFrameworkClean(source);
        var nano = NanoCompiler.CompileForNet(source, "Samples.DigitsMlp");
        foreach (var digit in SampleModels.DigitsTestInputs().Take(60))
        {
            var reference = PlanInterpreter.Run(plan, new[] { digit })[0];
            Assert.Equal(reference, NanoCompiler.Predict(nano, digit, reference.Length));
        }
    }

    /// <summary>The layer with its weights rounded to multiples of 32 (−96 … 96): a seven-entry codebook.</summary>
    private static FullyConnectedInt8 Clustered(FullyConnectedInt8 fc)
    {
        var snapped = fc.Weights.Select(w => (sbyte)(Math.Clamp(Math.Round(w / 32.0), -3, 3) * 32)).ToArray();
        var codebook = snapped.Where(w => w != 0).Distinct().OrderBy(w => w).ToArray();
        return new FullyConnectedInt8(fc.Source, fc.Input, fc.Output, fc.Rows, fc.Depth, fc.RowStride, fc.ColumnStride,
            EncodedWeights.Smallest(snapped, fc.Units, fc.Depth, codebook), fc.OutputStage);
    }
}
