namespace ModelBaker.Core.Plan;

/// <summary>
/// A float step with a weight tensor that compression works on (fully connected, convolution): weights laid out
/// [Units, WeightsPerUnit], one row per output unit or channel, and one bias per unit.
/// </summary>
public interface IWeightedKernel
{
    string Source { get; }
    /// <summary>[Units × WeightsPerUnit], row-major; pruning and reconstruction change it in place.</summary>
    float[] Weights { get; }
    float[] Bias { get; }
    int Units { get; }
}
