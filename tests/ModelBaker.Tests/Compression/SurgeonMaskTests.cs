using ModelBaker.Core.Kernels;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Compression;

/// <summary>Reconstruction re-choosing a unit's mask (Optimal Brain Surgeon) when that fits the calibration data better.</summary>
public sealed class SurgeonMaskTests
{
    /// <summary>
    /// y = x·w with w = (1, 0.9, 0.5, 0.6) on inputs (a, a, b, c): the first two features are one feature twice. Magnitude
    /// pruning drops 0.5, whose independent input nothing can make up for; the surgeon drops one of the twins and gives
    /// its weight to the other, which loses nothing.
    /// </summary>
    [Fact]
    public void A_surgeon_prunes_a_duplicated_feature_instead_of_the_smallest_weight()
    {
        using var folder = new TempFolder();
        var random = new Random(7);
        var samples = Enumerable.Range(0, 200).Select(_ =>
        {
            float a = Gaussian(random), b = Gaussian(random), c = Gaussian(random);
            return new[] { a, a, b, c };
        }).ToArray();
        string calibration = folder.Path("calibration.npy");
        Npy.Write(calibration, samples);

        var graph = new GraphBuilder()
            .Input("x", 1, 4)
            .Constant("w", T.F(T.S(4, 1), 1f, 0.9f, 0.5f, 0.6f))
            .Node("MatMul", new[] { "x", "w" }, new[] { "y" })
            .Output("y").Graph;
        var options = new BakeOptions("twins.onnx", "Twins", "Tests")
        {
            Sparsity = 0.25f, Pruning = PruningMode.Uniform, Precision = Precision.Float32, CalibrationPath = calibration,
        };
        var weights = Baker.Bake(graph, "0", options, new RecordingLog()).Kernels.OfType<FullyConnectedFloat>().Single().Weights;

        Assert.Equal(1, weights.Count(w => w == 0f));
        Assert.True(weights[0] == 0f || weights[1] == 0f, string.Join(", ", weights));
        Assert.Equal(1.9f, weights[0] + weights[1], 2);
        Assert.Equal(0.5f, weights[2], 2);
        Assert.Equal(0.6f, weights[3], 2);
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
