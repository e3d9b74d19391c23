using System.Collections.Generic;
using ModelBaker.Core.Encodings;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Kernels;

/// <summary>
/// A float step with a weight tensor that compression works on (fully connected, convolution): weights laid out
/// [Units, WeightsPerUnit], one row per output unit or channel, one bias per unit; each output value is a row of
/// weights times a "patch" of the input (a row of a matrix, or a convolution's receptive field) plus the bias.
/// </summary>
public interface IWeightedKernel
{
    string Source { get; }
    /// <summary>[Units × WeightsPerUnit], row-major; pruning and reconstruction change it in place.</summary>
    float[] Weights { get; }
    /// <summary>The weights as stored: a fill stays one value per unit until <see cref="Weights"/> writes it out.</summary>
    FloatWeights StoredWeights { get; }
    float[] Bias { get; }
    int Units { get; }
    int WeightsPerUnit { get; }
    /// <summary>Units fall into this many groups of consecutive units that read the same patches (a grouped convolution's groups).</summary>
    int Groups { get; }
    ArenaSlice Input { get; }
    /// <summary>Distinct non-zero weight values after weight clustering; 0 when the layer is not clustered.</summary>
    int ClusteredValues { get; set; }

    /// <summary>Every patch group <paramref name="group"/> multiplies, in a fixed order, read from the input tensor's values (0 where padding).</summary>
    IEnumerable<float[]> Patches(float[] input, int group);
}
