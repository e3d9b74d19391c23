using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Interpreter;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Knowledge distillation of the whole network (<c>Distillation="Network"</c>): the float model as exported is the
/// teacher, the compressed float plan the student, the calibration inputs the data — no labels. Every weighted layer's
/// kept weights and biases are tuned by mini-batch Adam to minimise L = −T² · mean Σᵢ p_t,i · log p_s,i over the
/// head's logits (p = softmax(logits / T)). Pruned weights stay zero (the sparsity and masks are unchanged); a
/// clustered layer keeps each weight's cluster and tunes the shared values — each value moves by the summed gradient
/// of the weights that share it (Deep Compression's codebook fine-tuning). Samples are shuffled from a fixed seed,
/// sums run in order, one thread: deterministic. The loss over all samples is measured before and after; the tuned
/// parameters are kept only when it fell.
/// </summary>
public static class NetworkDistillation
{
    public const int Epochs = 20;
    public const int BatchSize = 16;
    /// <summary>Adam's step size per layer, relative to the RMS of the layer's kept weights; it falls linearly to 0 over the epochs.</summary>
    public const double RelativeLearningRate = 0.03;
    /// <summary>At most this many calibration samples are held in memory and trained on (the first ones).</summary>
    public const int MaxSamples = 10_000;
    public const int Seed = 42;

    public sealed record Result(int Layers, int Samples, double LossBefore, double LossAfter);

    /// <summary>Why the network cannot be distilled (the step with no gradient, or no head), or null when it can.</summary>
    public static string? Refusal(BakedPlan student, BakedPlan teacher)
    {
        if (Head(student, teacher) is not { } head) return "the model does not end in a fully connected classifier head";
        if (student.Inputs.Any(input => input.Slice.Type != ElementType.Float32)) return "it has inputs that are not float32";
        return Backpropagation.Unsupported(student, head.Index) is { } step
            ? $"there is no gradient through {step.Step.Source}: {step.Reason}"
            : null;
    }

    /// <returns>What was tuned, or null when <see cref="Refusal"/> gives a reason.</returns>
    public static Result? Apply(BakedPlan student, BakedPlan teacher, CalibrationSet calibration, double temperature, Action<string>? progress = null)
    {
        if (Refusal(student, teacher) != null) return null;
        var (headIndex, teacherHeadIndex) = Head(student, teacher)!.Value;
        var samples = calibration.Samples().Take(MaxSamples).ToList();
        var targets = samples.Select(sample => DistillationMath.Softmax(Logits(teacher, teacherHeadIndex, sample), temperature)).ToList();

        var network = new Backpropagation(student, headIndex);
        var layers = network.Steps.OfType<IWeightedKernel>().Select(layer => new Parameters(layer)).ToList();
        var gradients = network.NewGradients();
        double Loss() => samples.Select((sample, s) => Divergence(network.Forward(sample).Result.Select(z => (double)z).ToArray(), targets[s], temperature)).Sum()
            * temperature * temperature / samples.Count;

        double lossBefore = Loss();
        var random = new Random(Seed);
        var order = Enumerable.Range(0, samples.Count).ToArray();
        int steps = 0, stepsPerEpoch = (samples.Count + BatchSize - 1) / BatchSize;
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            Shuffle(order, random);
            double epochLoss = 0;
            for (int start = 0; start < order.Length; start += BatchSize)
            {
                gradients.Clear();
                int end = Math.Min(start + BatchSize, order.Length);
                for (int i = start; i < end; i++)
                {
                    var tape = network.Forward(samples[order[i]]);
                    var logits = tape.Result.Select(z => (double)z).ToArray();
                    var p = DistillationMath.Softmax(logits, temperature);
                    epochLoss += Divergence(logits, targets[order[i]], temperature);
                    // d(T²·CE)/dz = T · (p_s − p_t), averaged over the batch.
                    var dz = p.Select((ps, n) => (float)(temperature * (ps - targets[order[i]][n]) / (end - start))).ToArray();
                    network.Backward(tape, dz, gradients);
                }
                // The step size falls linearly to 0 over the epochs.
                double decay = 1 - (double)steps / (Epochs * stepsPerEpoch);
                steps++;
                foreach (var layer in layers) layer.Step(gradients.Of[layer.Layer], RelativeLearningRate * decay, steps);
            }
            progress?.Invoke(FormattableString.Invariant(
                $"distillation epoch {epoch + 1}/{Epochs}: loss {epochLoss * temperature * temperature / samples.Count:0.0000} while training"));
        }
        // Kept only if it helped: the loss over all samples never rises.
        double lossAfter = Loss();
        if (lossAfter >= lossBefore)
        {
            foreach (var layer in layers) layer.RestoreInitial();
            lossAfter = lossBefore;
        }
        return new Result(layers.Count, samples.Count, lossBefore, lossAfter);
    }

    /// <summary>The student's head (its last weighted step: fully connected, one row, no clamp) and the teacher's step of the same node.</summary>
    private static (int Index, int TeacherIndex)? Head(BakedPlan student, BakedPlan teacher)
    {
        int index = student.Kernels.ToList().FindLastIndex(k => k is IWeightedKernel);
        if (index < 0 || student.Kernels[index] is not FullyConnectedFloat head || head.Rows != 1
            || !float.IsNegativeInfinity(head.ActivationMin) || !float.IsPositiveInfinity(head.ActivationMax))
            return null;
        int teacherIndex = teacher.Kernels.ToList().FindIndex(k => k.Source == head.Source);
        return teacherIndex >= 0 && teacher.Kernels[teacherIndex] is FullyConnectedFloat { Rows: 1 } teacherHead && teacherHead.Units == head.Units
            ? (index, teacherIndex)
            : null;
    }

    /// <summary>The teacher head's logits for one sample (the plan runs to its end; what follows the head is cheap).</summary>
    private static double[] Logits(BakedPlan plan, int head, Array[] sample)
    {
        double[] logits = Array.Empty<double>();
        int step = 0;
        PlanInterpreter.RunTensors(plan, sample, afterStep: (kernel, arena) =>
        {
            if (step++ == head) logits = arena.Floats(kernel.Output).ToArray().Select(z => (double)z).ToArray();
        });
        return logits;
    }

    /// <summary>
    /// KL(p_t ‖ p_s) = Σᵢ p_t,i · (log p_t,i − log p_s,i): the distillation loss less the teacher's own entropy, which
    /// no student can go below — so 0 means the student matches the teacher exactly.
    /// </summary>
    private static double Divergence(double[] logits, double[] target, double temperature)
    {
        var p = DistillationMath.Softmax(logits, temperature);
        double loss = 0;
        for (int n = 0; n < p.Length; n++)
            if (target[n] > 0) loss += target[n] * (Math.Log(target[n]) - Math.Log(Math.Max(p[n], 1e-300)));
        return loss;
    }

    /// <summary>Fisher–Yates from the given generator.</summary>
    private static void Shuffle(int[] order, Random random)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }

    /// <summary>
    /// One layer's tunable values: its kept weights — or, when clustered, its shared values, each weight pointing at
    /// one — then its biases, with Adam's moments.
    /// </summary>
    private sealed class Parameters
    {
        private readonly int[] _value; // per weight: index into _theta, −1 when pruned
        private readonly double[] _theta, _m, _v;
        private readonly double _rate;
        private readonly double[] _initial;

        public Parameters(IWeightedKernel layer)
        {
            Layer = layer;
            var weights = layer.Weights;
            var shared = new Dictionary<float, int>();
            var theta = new List<double>();
            _value = new int[weights.Length];
            for (int i = 0; i < weights.Length; i++)
            {
                if (weights[i] == 0f) { _value[i] = -1; continue; }
                if (layer.ClusteredValues > 0 && shared.TryGetValue(weights[i], out int existing)) { _value[i] = existing; continue; }
                _value[i] = theta.Count;
                if (layer.ClusteredValues > 0) shared[weights[i]] = theta.Count;
                theta.Add(weights[i]);
            }
            WeightCount = theta.Count;
            theta.AddRange(layer.Bias.Select(b => (double)b));
            _theta = theta.ToArray();
            _m = new double[_theta.Length];
            _v = new double[_theta.Length];
            _initial = (double[])_theta.Clone();
            var kept = weights.Where(w => w != 0f).ToArray();
            double rms = kept.Length == 0 ? 0 : Math.Sqrt(kept.Sum(w => (double)w * w) / kept.Length);
            _rate = rms > 0 ? rms : 1;
        }

        public IWeightedKernel Layer { get; }
        private int WeightCount { get; }

        public void Step((double[] Weights, double[] Bias) gradient, double relativeRate, int t)
        {
            var g = new double[_theta.Length];
            for (int i = 0; i < _value.Length; i++)
                if (_value[i] >= 0) g[_value[i]] += gradient.Weights[i];
            Array.Copy(gradient.Bias, 0, g, WeightCount, gradient.Bias.Length);
            DistillationMath.Adam(_theta, g, _m, _v, relativeRate * _rate, t);
            Write(_theta);
        }

        public void RestoreInitial() => Write(_initial);

        private void Write(double[] theta)
        {
            for (int i = 0; i < _value.Length; i++)
                if (_value[i] >= 0)
                {
                    // A kept weight that lands on exactly 0 would silently raise the sparsity: the smallest float instead.
                    float w = (float)theta[_value[i]];
                    Layer.Weights[i] = w == 0f ? float.Epsilon : w;
                }
            for (int n = 0; n < Layer.Bias.Length; n++) Layer.Bias[n] = (float)theta[WeightCount + n];
        }
    }
}
