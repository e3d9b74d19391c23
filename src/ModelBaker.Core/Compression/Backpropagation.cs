using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Gradients through the float steps of a plan, from its first step up to a chosen last one (network distillation's
/// head): fully connected and convolution layers (any geometry, grouped and depthwise included) with their fused
/// clamps, max and average pooling, element-wise Add, Sub and Mul, the element-wise functions, and Concat. A weighted layer's forward and backward passes
/// read its im2col index map, found once by running the layer's own <see cref="IWeightedKernel.Patches"/> on an input
/// holding each element's index — so both use exactly the patches its reference kernel multiplies — and touch its
/// kept weights only; the other steps run forward as their reference implementations. Gradients are kept per tensor by arena position: walking the steps
/// backwards, a step takes its output's gradient before adding its inputs', so tensors that share arena bytes at
/// different times (or a Reshape's view of its input) never mix.
/// </summary>
public sealed class Backpropagation
{
    private readonly BakedPlan _plan;
    private readonly int _last;
    private readonly Dictionary<IWeightedKernel, int[][]> _patchIndices = new();
    private readonly Dictionary<IWeightedKernel, int[][]> _keptWeights = new();

    /// <param name="last">Index of the last step gradients start from (its output is the loss's input).</param>
    public Backpropagation(BakedPlan plan, int last)
    {
        _plan = plan;
        _last = last;
        foreach (var layer in Steps.OfType<IWeightedKernel>())
        {
            _patchIndices[layer] = PatchIndices(layer);
            // Pruned weights stay zero while gradients are taken, so each unit's kept weights are listed once.
            _keptWeights[layer] = Enumerable.Range(0, layer.Units)
                .Select(unit => Enumerable.Range(0, layer.WeightsPerUnit).Where(k => layer.Weights[unit * layer.WeightsPerUnit + k] != 0f).ToArray())
                .ToArray();
        }
    }

    /// <summary>The steps from the first to the last (inclusive).</summary>
    public IEnumerable<Kernel> Steps => _plan.Kernels.Take(_last + 1);

    /// <summary>
    /// The first step between the input and <paramref name="last"/> that passes no gradient, with the reason, or null
    /// when every step does: weighted layers (their gradients are taken here) and <see cref="IDifferentiable"/> steps.
    /// </summary>
    public static (Kernel Step, string Reason)? Unsupported(BakedPlan plan, int last)
    {
        foreach (var kernel in plan.Kernels.Take(last + 1))
        {
            if (kernel is IWeightedKernel) continue;
            if (kernel is not IDifferentiable differentiable) return (kernel, $"{kernel.Kind} steps have no backward pass");
            if (differentiable.NoGradient is { } reason) return (kernel, reason);
        }
        return null;
    }

    /// <summary>One sample's forward pass: every step's inputs and output, kept for the backward pass.</summary>
    public sealed class Tape
    {
        internal readonly Dictionary<Kernel, float[][]> Inputs = new();
        internal readonly Dictionary<Kernel, float[]> Outputs = new();
        /// <summary>The last step's output.</summary>
        public float[] Result { get; internal set; } = Array.Empty<float>();
    }

    /// <summary>Weight and bias gradients of every weighted layer, summed over the samples given to <see cref="Backward"/>.</summary>
    public sealed class LayerGradients
    {
        public LayerGradients(IEnumerable<IWeightedKernel> layers)
        {
            foreach (var layer in layers) Of[layer] = (new double[layer.Weights.Length], new double[layer.Bias.Length]);
        }

        public Dictionary<IWeightedKernel, (double[] Weights, double[] Bias)> Of { get; } = new();

        public void Clear()
        {
            foreach (var (weights, bias) in Of.Values) { Array.Clear(weights, 0, weights.Length); Array.Clear(bias, 0, bias.Length); }
        }
    }

    public LayerGradients NewGradients() => new(Steps.OfType<IWeightedKernel>());

    /// <summary>
    /// Runs the steps up to the last one, keeping each step's inputs and output. Weighted layers multiply their kept
    /// weights only (through the same patch index maps as the backward pass): at 75 % sparsity a quarter of the work of
    /// their reference kernels, with the same result up to the order of the float sums. Other steps run their reference
    /// implementations.
    /// </summary>
    public Tape Forward(Array[] sample)
    {
        var tape = new Tape();
        var arena = new PlanArena(_plan.ArenaLengths);
        for (int t = 0; t < _plan.Inputs.Count; t++)
            ((float[])sample[t]).CopyTo(arena.Floats(_plan.Inputs[t].Slice));
        for (int s = 0; s <= _last; s++)
        {
            var kernel = _plan.Kernels[s];
            tape.Inputs[kernel] = kernel.Reads.Select(slice => arena.Floats(slice).ToArray()).ToArray();
            if (kernel is IWeightedKernel layer) WeightedForward(layer, tape.Inputs[kernel][0], arena.Floats(kernel.Output));
            else kernel.Run(arena);
            tape.Outputs[kernel] = arena.Floats(kernel.Output).ToArray();
        }
        tape.Result = tape.Outputs[_plan.Kernels[_last]];
        return tape;
    }

    /// <summary>Adds the gradients of one sample, given d loss / d (last step's output), to <paramref name="gradients"/>.</summary>
    public void Backward(Tape tape, float[] resultGradient, LayerGradients gradients)
    {
        var pending = new Dictionary<(int, int), double[]>();
        var last = _plan.Kernels[_last];
        pending[Key(last.Output)] = resultGradient.Select(g => (double)g).ToArray();
        for (int s = _last; s >= 0; s--)
        {
            var kernel = _plan.Kernels[s];
            if (!pending.TryGetValue(Key(kernel.Output), out var output)) continue; // nothing downstream depends on this step
            pending.Remove(Key(kernel.Output));
            var inputs = tape.Inputs[kernel];
            var inputGradients = kernel.Reads.Select(slice => new double[slice.Length]).ToArray();
            switch (kernel)
            {
                case IWeightedKernel layer:
                    Weighted(layer, inputs[0], Gradients.ThroughClamp(tape.Outputs[kernel], output, ActivationOf(kernel).Min, ActivationOf(kernel).Max),
                        inputGradients[0], gradients.Of[layer]);
                    break;
                case IDifferentiable step:
                    step.Backward(inputs, tape.Outputs[kernel], output, inputGradients);
                    break;
                default:
                    throw new InvalidOperationException($"No gradient for {kernel.Source}."); // Unsupported() refuses such plans first
            }
            int i = 0;
            foreach (var slice in kernel.Reads)
            {
                var gradient = inputGradients[i++];
                if (pending.TryGetValue(Key(slice), out var sum))
                    for (int j = 0; j < sum.Length; j++) sum[j] += gradient[j];
                else pending[Key(slice)] = gradient;
            }
        }
    }

    private static (int Offset, int Length) Key(ArenaSlice slice) => (slice.Offset, slice.Length);

    private static (float Min, float Max) ActivationOf(Kernel kernel) => kernel switch
    {
        FullyConnectedFloat fc => (fc.ActivationMin, fc.ActivationMax),
        ConvFloat conv => (conv.ActivationMin, conv.ActivationMax),
        _ => (float.NegativeInfinity, float.PositiveInfinity),
    };

    /// <summary>Per group, per patch (in <see cref="IWeightedKernel.Patches"/> order), per weight: the input element it reads, −1 for padding.</summary>
    private static int[][] PatchIndices(IWeightedKernel layer)
    {
        var probe = new float[layer.Input.Length];
        if (probe.Length >= 1 << 24) throw new InvalidOperationException($"{layer.Source}: input too large to index through floats.");
        for (int i = 0; i < probe.Length; i++) probe[i] = i + 1;
        return Enumerable.Range(0, layer.Groups)
            .Select(group => layer.Patches(probe, group).SelectMany(patch => patch.Select(v => (int)v - 1)).ToArray())
            .ToArray();
    }

    /// <summary>
    /// Where output value (unit, patch) lies: at [batch, unit, position] in a convolution's output, at [row, unit] in a
    /// fully connected one's — index patch / positions · patchBlock + patch % positions + unit · unitStride.
    /// </summary>
    private static (int Positions, int UnitStride, int PatchBlock) OutputLayout(IWeightedKernel layer) => layer is ConvFloat conv
        ? (conv.Geometry.OutputHeight * conv.Geometry.OutputWidth, conv.Geometry.OutputHeight * conv.Geometry.OutputWidth,
            conv.Units * conv.Geometry.OutputHeight * conv.Geometry.OutputWidth)
        : (1, 1, layer.Units);

    /// <summary>y[unit, patch] = clamp(w[unit] · x[patch] + b[unit]) over the kept weights.</summary>
    private void WeightedForward(IWeightedKernel layer, float[] input, Span<float> output)
    {
        int depth = layer.WeightsPerUnit, unitsPerGroup = layer.Units / layer.Groups;
        var (positions, unitStride, patchBlock) = OutputLayout(layer);
        var (min, max) = ActivationOf((Kernel)layer);
        var weights = layer.Weights;
        var kept = _keptWeights[layer];
        for (int group = 0; group < layer.Groups; group++)
        {
            var indices = _patchIndices[layer][group];
            int patches = indices.Length / Math.Max(depth, 1);
            for (int p = 0; p < patches; p++)
            {
                int patchStart = p * depth, patchOutput = p / positions * patchBlock + p % positions;
                for (int unit = group * unitsPerGroup; unit < (group + 1) * unitsPerGroup; unit++)
                {
                    float sum = 0f;
                    int row = unit * depth;
                    foreach (int k in kept[unit])
                    {
                        int at = indices[patchStart + k];
                        if (at >= 0) sum += input[at] * weights[row + k];
                    }
                    float value = sum + layer.Bias[unit];
                    output[patchOutput + unit * unitStride] = value < min ? min : value > max ? max : value;
                }
            }
        }
    }

    /// <summary>
    /// y[unit, patch] = w[unit] · x[patch] + b[unit]: dW += g·x, db += g, dx += g·w, over the kept weights only (pruned
    /// weights are zero and stay so).
    /// </summary>
    private void Weighted(IWeightedKernel layer, float[] input, double[] output, double[] inputGradient, (double[] Weights, double[] Bias) gradient)
    {
        int depth = layer.WeightsPerUnit, unitsPerGroup = layer.Units / layer.Groups;
        var (positions, unitStride, patchBlock) = OutputLayout(layer);
        var weights = layer.Weights;
        var kept = _keptWeights[layer];
        for (int group = 0; group < layer.Groups; group++)
        {
            var indices = _patchIndices[layer][group];
            int patches = indices.Length / Math.Max(depth, 1);
            for (int p = 0; p < patches; p++)
            {
                int patchStart = p * depth, patchOutput = p / positions * patchBlock + p % positions;
                for (int unit = group * unitsPerGroup; unit < (group + 1) * unitsPerGroup; unit++)
                {
                    double g = output[patchOutput + unit * unitStride];
                    if (g == 0) continue;
                    gradient.Bias[unit] += g;
                    int row = unit * depth;
                    foreach (int k in kept[unit])
                    {
                        int at = indices[patchStart + k];
                        if (at < 0) continue;
                        gradient.Weights[row + k] += g * input[at];
                        inputGradient[at] += g * weights[row + k];
                    }
                }
            }
        }
    }

}
