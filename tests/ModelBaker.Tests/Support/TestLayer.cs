using ModelBaker.Core.Encodings;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Tests.Support;

/// <summary>A fully connected layer as pruning and quantization see it: weights [units × depth] and optional biases.</summary>
public sealed class TestLayer : IWeightedKernel
{
    public TestLayer(float[] weights, int units = 1, float[]? bias = null) =>
        (Weights, Units, Bias) = (weights, units, bias ?? Array.Empty<float>());

    public string Source => "test";
    public float[] Weights { get; }
    public FloatWeights StoredWeights => FloatWeights.Dense(Weights, Units, WeightsPerUnit);
    public float[] Bias { get; }
    public int Units { get; }
    public int WeightsPerUnit => Weights.Length / Units;
    public int Groups => 1;
    public int ClusteredValues { get; set; }
    public ArenaSlice Input => new("x", ModelBaker.Core.Ir.ElementType.Float32, WeightsPerUnit);
    public IEnumerable<float[]> Patches(float[] input, int group) { yield return input; }
}
