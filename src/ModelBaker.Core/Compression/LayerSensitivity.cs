using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Options;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// What moving one layer's sparsity costs, measured on the float model as exported (docs/compression.md#sparsityauto,
/// per-layer refinement): with every layer magnitude-pruned as a setting says, the squared output error
/// (<see cref="OutputError"/>, against the unpruned model on the first 64 judging samples) that one layer adds when it
/// alone goes to another sparsity, per weight it loses or gets back. No reconstruction and no int8: a few float passes
/// per layer, so every layer can be ranked before any bake; the bakes then judge the ranking's proposals.
/// </summary>
public sealed class LayerSensitivity
{
    private readonly List<IWeightedKernel> _layers;
    private readonly float[][] _exported;
    private readonly OutputError _error;

    /// <param name="exported">A float plan of the model as exported, this object's own: its weights are changed and put back.</param>
    /// <param name="samples">The samples that judge the search's bakes.</param>
    public LayerSensitivity(BakedPlan exported, CalibrationSet samples)
    {
        // The layers pruning reaches (a fill's equal weights cannot be ranked by magnitude), in plan order.
        _layers = exported.Kernels.OfType<IWeightedKernel>().Where(l => !l.StoredWeights.IsFill).ToList();
        _exported = _layers.Select(l => (float[])l.Weights.Clone()).ToArray();
        _error = new OutputError(exported, samples);
    }

    /// <summary>The prunable layers, in plan order: the indices of every array here.</summary>
    public IReadOnlyList<IWeightedKernel> Layers => _layers;

    /// <summary>The ONNX node name of layer <paramref name="l"/>, as LayerSparsity names it.</summary>
    public string Name(int l) => LayerSparsity.NodeName(_layers[l].Source);

    /// <summary>How many weights each layer loses under <paramref name="setting"/> (Sparsity, Pruning, LayerSparsity).</summary>
    public int[] Zeros(BakeOptions setting)
    {
        Restore();
        return MagnitudePruning.Zeros(_layers, setting);
    }

    /// <summary>
    /// Per layer: (error with that layer alone at <paramref name="target"/> zeros − error at <paramref name="zeros"/>) ÷
    /// the number of zeros it changes by; null where the target is the layer's count already. Negative when giving a
    /// layer weights back helps. The plan's weights are the model's again afterwards.
    /// </summary>
    public double?[] Costs(int[] zeros, int[] target)
    {
        try
        {
            for (int l = 0; l < _layers.Count; l++) Set(l, zeros[l]);
            double now = _error.Measure();
            var costs = new double?[_layers.Count];
            for (int l = 0; l < _layers.Count; l++)
            {
                if (target[l] == zeros[l]) continue;
                Set(l, target[l]);
                costs[l] = (_error.Measure() - now) / Math.Abs(target[l] - zeros[l]);
                Set(l, zeros[l]);
            }
            return costs;
        }
        finally { Restore(); }
    }

    /// <summary>Layer <paramref name="l"/> as exported, less its <paramref name="zeros"/> smallest |w|.</summary>
    private void Set(int l, int zeros)
    {
        Array.Copy(_exported[l], _layers[l].Weights, _exported[l].Length);
        MagnitudePruning.PruneCount(_layers[l].Weights, zeros);
    }

    private void Restore()
    {
        for (int l = 0; l < _layers.Count; l++) Array.Copy(_exported[l], _layers[l].Weights, _exported[l].Length);
    }
}
