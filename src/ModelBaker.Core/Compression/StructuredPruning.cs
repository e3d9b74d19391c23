using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Calibration;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Operators;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Compression;

/// <summary>
/// Structured pruning (<c>Pruning="Structured"</c>): whole Conv filters and Gemm/MatMul neurons with the smallest L1
/// norm leave the graph, and so do the input channels of every layer that reads them, so the baked shapes really
/// shrink — fewer multiply-adds, smaller weights and arena. Works on the ONNX graph (after constant folding, before
/// lowering), then shapes are inferred again.
///
/// Every channel of a tensor (axis 1) is traced to the filters that produce it. Channel-wise operators (activations,
/// BatchNormalization, pooling, depthwise convolution, element-wise arithmetic) pass channels through; a residual Add
/// ties its inputs' channels together, so coupled filters in both branches are removed together or not at all;
/// Concat along channels lays its inputs' channels side by side; Flatten (or a Reshape to [N, features]) spreads each
/// channel over its features. A channel that reaches a graph input or output, or an operator that mixes channels in
/// any other way, is kept. Within each set of filters that are removed together (one layer, or coupled layers), the
/// fraction f of least important channels goes; at least one is always kept. A layer's own filters rank by L1 norm
/// relative to the layer's mean. Filters coupled by a residual Add make one channel together, whose branches' norms
/// do not say how the sum is used: with calibration data it ranks by what its readers get from it, the energy of its
/// share of their outputs on the calibration inputs, Σ (Σ_k∈channel w_uk·x_k)² over patches and units, each reader's
/// relative to its mean per channel (without, by the sum of the coupled filters' relative norms).
///
/// <c>Sparsity</c> means what it means in every other pruning mode: the fraction of the model's weights that go. A
/// filter takes its own weights and, with its channel, a slice of every consumer's, so f is searched for: the one
/// whose removed weights come closest to round(sparsity × all weights) (fewer on a tie).
///
/// With calibration data the sets of filters do not all lose the same fraction: how much a set can lose depends on what
/// reads it (a residual stream every block reads, or features before a classifier that needs few of them). Starting
/// from nothing, each step removes the next few channels (a sixteenth) of the one set whose step costs the least
/// output error per weight removed — the float model's error on the calibration inputs with the readers of the
/// removed channels reading nothing from them (<see cref="RemovalError"/>) — until the target is reached, the last
/// step channel by channel (NetAdapt's greedy allocation, with a measured cost instead of a lookup table).
/// </summary>
public static class StructuredPruning
{
    /// <summary>
    /// What was removed: for each node whose output channels shrank, the indices it keeps; filters and neurons removed
    /// of all; weights removed of all (every Conv, Gemm and MatMul weight of the graph).
    /// </summary>
    /// <param name="Blocked">Nodes structured pruning could not see through that kept removable channels, each with why.</param>
    public sealed record Result(IReadOnlyDictionary<string, int[]> KeptChannels, int RemovedFilters, int Filters, long RemovedWeights, long Weights,
        IReadOnlyList<string> Blocked);

    /// <param name="reference">The float plan lowered from <paramref name="graph"/> as it is now, and</param>
    /// <param name="calibration">calibration inputs for it: coupled filters then rank by their readers' energies
    /// (<see cref="ReaderEnergies"/>), and the sets of filters lose what costs the least error. Without: filter norms, and
    /// the same fraction of every set.</param>
    public static Result Apply(Graph graph, float sparsity, BakedPlan? reference = null, CalibrationSet? calibration = null)
    {
        if (sparsity < 0 || sparsity >= 1) throw new ArgumentOutOfRangeException(nameof(sparsity), sparsity, "Sparsity must be in [0, 1).");
        var channels = new ChannelTrace(graph, reference != null && calibration != null ? () => ReaderEnergies(reference, calibration) : null);
        double target = Math.Round(sparsity * (double)channels.Weights(new HashSet<int>()).All, MidpointRounding.AwayFromZero);
        var error = reference != null && calibration != null ? RemovalError.TryCreate(graph, reference, calibration, channels) : null;
        var removed = error != null ? CheapestToTarget(channels, target, error) : ClosestToTarget(channels, target);
        var (removedWeights, weights) = channels.Weights(removed);
        int filters = channels.Producers.Sum(p => p.Channels.Length);
        int removedFilters = channels.Producers.Sum(p => p.Channels.Count(id => removed.Contains(channels.Find(id))));
        var kept = new Rewriter(graph, channels, removed).Run();
        ShapeInference.Run(graph);
        return new Result(kept, removedFilters, filters, removedWeights, weights, channels.Blocked);
    }

    /// <summary>
    /// For every layer of the float plan with one group (the layers that mix channels), by ONNX node name: per input
    /// channel (a run of WeightsPerUnit / channels patch elements; a feature for a fully connected layer), the energy
    /// of that channel's part of the layer's outputs, Σ over patches and units of (Σ_k∈channel w_uk·p_k)², on the
    /// calibration inputs.
    /// </summary>
    public static Dictionary<string, double[]> ReaderEnergies(BakedPlan plan, CalibrationSet samples)
    {
        var layers = plan.Kernels.OfType<IWeightedKernel>().Where(l => l.Groups == 1).ToList();
        var energies = new Dictionary<string, double[]>();
        foreach (var captured in LayerReconstruction.CaptureInputs(plan, layers, samples))
        {
            var (layer, inputs) = (captured.Key, captured.Value);
            int depth = layer.WeightsPerUnit, block = layer is ConvFloat conv ? conv.Geometry.KernelHeight * conv.Geometry.KernelWidth : 1;
            var energy = new double[depth / block];
            foreach (var patch in inputs.SelectMany(input => layer.Patches(input, 0)))
                for (int u = 0; u < layer.Units; u++)
                    for (int channel = 0; channel < energy.Length; channel++)
                    {
                        double part = 0;
                        for (int k = channel * block; k < (channel + 1) * block; k++) part += layer.Weights[u * depth + k] * (double)patch[k];
                        energy[channel] += part * part;
                    }
            energies[NodeName(layer.Source)] = energy;
        }
        return energies;
    }

    /// <summary>The first node of a step's source, "'name' (Op) + …".</summary>
    private static string NodeName(string source) => source.Substring(1, source.IndexOf("' (", StringComparison.Ordinal) - 1);

    /// <summary>
    /// The channel fraction whose removal comes closest to <paramref name="target"/> removed weights. Removing a larger
    /// fraction never removes fewer weights (each family's weakest channels go first), so bisection finds the step.
    /// </summary>
    private static HashSet<int> ClosestToTarget(ChannelTrace channels, double target)
    {
        (HashSet<int> Removed, long Weights) At(double fraction)
        {
            var removed = channels.ChooseRemoved(fraction);
            return (removed, channels.Weights(removed).Removed);
        }
        var fewer = At(0); // fewer.Weights < target ≤ more.Weights, unless nothing reaches it
        if (fewer.Weights >= target) return fewer.Removed;
        var more = At(1);
        if (more.Weights < target) return more.Removed; // every family down to one filter: as far as it goes
        double below = 0, above = 1;
        for (int i = 0; i < 40; i++)
        {
            double middle = (below + above) / 2;
            var candidate = At(middle);
            if (candidate.Weights < target) (below, fewer) = (middle, candidate);
            else (above, more) = (middle, candidate);
        }
        return target - fewer.Weights <= more.Weights - target ? fewer.Removed : more.Removed;
    }

    /// <summary>
    /// Greedy allocation: from nothing removed, repeatedly take the step (the next sixteenth of one set's channels, weakest
    /// first) that adds the least <paramref name="error"/> per weight removed, until <paramref name="target"/> weights are
    /// removed; the step that crosses it is taken channel by channel, stopping at whichever count comes closest (fewer on a tie).
    /// </summary>
    private static HashSet<int> CheapestToTarget(ChannelTrace channels, double target, RemovalError error)
    {
        var families = channels.RankedFamilies;
        var counts = new int[families.Count];
        HashSet<int> Removing(int family, int count) =>
            new(families.SelectMany((ranked, f) => ranked.Take(f == family ? count : counts[f])));
        var (removed, weights, cost) = (new HashSet<int>(), 0L, 0.0); // nothing removed: the model as exported, no error
        while (weights < target)
        {
            (int Family, int Count, HashSet<int> Removed, long Weights, double Error, double PerWeight)? best = null;
            for (int f = 0; f < families.Count; f++)
            {
                int count = Math.Min(families[f].Length - 1, counts[f] + Math.Max(1, families[f].Length / 16));
                if (count <= counts[f]) continue; // one channel always stays
                var candidate = Removing(f, count);
                long candidateWeights = channels.Weights(candidate).Removed;
                if (candidateWeights <= weights) continue;
                double candidateError = error.Of(candidate), perWeight = (candidateError - cost) / (candidateWeights - weights);
                if (best == null || perWeight < best.Value.PerWeight) best = (f, count, candidate, candidateWeights, candidateError, perWeight);
            }
            if (best is not { } step) break; // every set down to one channel: as far as it goes
            if (step.Weights > target)
                for (int count = counts[step.Family] + 1; count <= step.Count; count++)
                {
                    var fewer = Removing(step.Family, count);
                    long fewerWeights = channels.Weights(fewer).Removed;
                    if (fewerWeights < target) { (removed, weights) = (fewer, fewerWeights); continue; }
                    return target - weights <= fewerWeights - target ? removed : fewer;
                }
            counts[step.Family] = step.Count;
            (removed, weights, cost) = (step.Removed, step.Weights, step.Error);
        }
        return removed;
    }

    /// <summary>
    /// The float model's output error (<see cref="OutputError"/>) with some channels removed. A removed channel is one
    /// its readers no longer read, so every layer that mixes channels gets zero weights on the removed ones while the
    /// model runs (then restored).
    /// </summary>
    private sealed class RemovalError
    {
        private readonly OutputError _error;
        private readonly ChannelTrace _channels;
        private readonly List<(IWeightedKernel Layer, int[] Ids, int Block)> _readers;

        private RemovalError(OutputError error, ChannelTrace channels, List<(IWeightedKernel, int[], int)> readers) =>
            (_error, _channels, _readers) = (error, channels, readers);

        /// <summary>Null when some layer reading removable channels has no step of its own in the plan to mask.</summary>
        public static RemovalError? TryCreate(Graph graph, BakedPlan reference, CalibrationSet calibration, ChannelTrace channels)
        {
            var layers = reference.Kernels.OfType<IWeightedKernel>().Where(l => l.Groups == 1).ToDictionary(l => NodeName(l.Source));
            var readers = new List<(IWeightedKernel, int[], int)>();
            // The layers that mix channels (a depthwise layer's channels' readers see the removal).
            foreach (var (node, _, _, _) in channels.Producers)
            {
                if (!channels.Maps.TryGetValue(node.Inputs[0], out var ids) || ids.All(id => channels.IsFrozen(id))) continue;
                if (!layers.TryGetValue(node.Name, out var layer) || layer.WeightsPerUnit % ids.Length != 0) return null;
                readers.Add((layer, ids, layer.WeightsPerUnit / ids.Length));
            }
            return new RemovalError(new OutputError(reference, calibration), channels, readers);
        }

        public double Of(HashSet<int> removed)
        {
            var saved = new List<(float[] Weights, int Index, float Value)>();
            foreach (var (layer, ids, block) in _readers)
                for (int c = 0; c < ids.Length; c++)
                {
                    if (!removed.Contains(_channels.Find(ids[c]))) continue;
                    for (int u = 0; u < layer.Units; u++)
                        for (int k = u * layer.WeightsPerUnit + c * block; k < u * layer.WeightsPerUnit + (c + 1) * block; k++)
                        {
                            saved.Add((layer.Weights, k, layer.Weights[k]));
                            layer.Weights[k] = 0;
                        }
                }
            try
            {
                return _error.Measure();
            }
            finally
            {
                foreach (var (weights, index, value) in saved) weights[index] = value;
            }
        }
    }

    /// <summary>Which filter each channel of each tensor comes from, and which channels must stay.</summary>
    private sealed class ChannelTrace
    {
        private readonly Graph _graph;
        private readonly Func<IReadOnlyDictionary<string, double[]>>? _readerEnergies;
        private readonly Lazy<List<int[]>> _rankedFamilies;
        /// <summary>Each set of filters removed together, its removable channel sets weakest first.</summary>
        public List<int[]> RankedFamilies => _rankedFamilies.Value;
        public bool IsFrozen(int id) => _frozen[Find(id)];
        private readonly List<int> _parent = new();
        private readonly List<bool> _frozen = new();
        public Dictionary<string, int[]> Maps { get; } = new();
        /// <summary>Layers whose output channels are their own filters, with each filter's L1 norm.</summary>
        public List<(Node Node, ChannelFlow.Filters Flow, int[] Channels, double[] Norms)> Producers { get; } = new();
        /// <summary>How each node's channels flowed, as traced (a flow the trace could not follow is Opaque).</summary>
        public Dictionary<Node, ChannelFlow> Flows { get; } = new();
        /// <summary>Nodes that kept removable channels from being removed, with the reason: what MB1218 reports.</summary>
        public List<string> Blocked { get; } = new();
        /// <summary>Every node with a weight tensor (filters, depthwise, or opaque): the denominator of the sparsity target.</summary>
        private readonly List<(Node Node, int WeightInput)> _weighted = new();

        public ChannelTrace(Graph graph, Func<IReadOnlyDictionary<string, double[]>>? readerEnergies)
        {
            _graph = graph;
            _readerEnergies = readerEnergies;
            _rankedFamilies = new Lazy<List<int[]>>(RankFamilies);
            foreach (string input in graph.Inputs)
                if (Shape(input) is { Length: >= 2 } shape) Maps[input] = Fresh(shape[1], frozen: true);
            foreach (var node in graph.Nodes) Trace(node);
            foreach (string output in graph.Outputs) Freeze(output);
        }

        public int Find(int id)
        {
            while (_parent[id] != id) id = _parent[id] = _parent[_parent[id]];
            return id;
        }

        private void Union(int a, int b)
        {
            a = Find(a);
            b = Find(b);
            if (a == b) return;
            _parent[Math.Max(a, b)] = Math.Min(a, b);
            _frozen[Math.Min(a, b)] |= _frozen[Math.Max(a, b)];
        }

        private int[] Fresh(int count, bool frozen)
        {
            var ids = new int[count];
            for (int i = 0; i < count; i++)
            {
                ids[i] = _parent.Count;
                _parent.Add(ids[i]);
                _frozen.Add(frozen);
            }
            return ids;
        }

        private int[]? Shape(string name) => name.Length > 0 && _graph.Values.TryGetValue(name, out var v) ? v.Shape : null;
        private Tensor? Constant(string name) => name.Length > 0 && _graph.Values.TryGetValue(name, out var v) ? v.Constant : null;

        private void Freeze(string name)
        {
            if (Maps.TryGetValue(name, out var ids)) foreach (int id in ids) _frozen[Find(id)] = true;
        }

        /// <summary>
        /// A node this pass does not see through: its inputs' channels stay, its outputs' are nobody's to remove. When that
        /// keeps removable channels, the node and <paramref name="reason"/> are noted for the bake's MB1218 warning.
        /// </summary>
        private void Opaque(Node node, string reason)
        {
            Flows[node] = new ChannelFlow.Opaque(reason);
            if (node.Inputs.Any(input => Maps.TryGetValue(input, out var ids) && ids.Any(id => !_frozen[Find(id)])))
                Blocked.Add($"{node.Describe()}: {reason}");
            foreach (string input in node.Inputs) Freeze(input);
            foreach (string output in node.Outputs)
                if (Shape(output) is { Length: >= 2 } shape) Maps[output] = Fresh(shape[1], frozen: true);
        }

        private void PassThrough(Node node, ChannelFlow flow)
        {
            if (!Maps.TryGetValue(node.Inputs[0], out var ids)) { Opaque(node, "its input's channels are not traced"); return; }
            Flows[node] = flow;
            Maps[node.Outputs[0]] = ids;
        }

        /// <summary>What the node's operator says of its channels (<see cref="IChannelMapping"/>); an operator that says nothing is opaque.</summary>
        private ChannelFlow Flow(Node node) => OperatorRegistry.Find(node.OpType) is IChannelMapping mapping
            ? mapping.ChannelFlow(node, _graph)
            : new ChannelFlow.Opaque($"{node.OpType} declares no channel mapping (IChannelMapping)");

        private void Trace(Node node)
        {
            var flow = Flow(node);
            switch (flow)
            {
                case ChannelFlow.Filters filters:
                    _weighted.Add((node, filters.WeightInput));
                    bool traced = Maps.ContainsKey(node.Inputs[0]);
                    if (filters.NeedsTracedInput && !traced) Opaque(node, "its input's channels are not traced");
                    else Produce(node, filters, traced ? node.Inputs[0] : null);
                    break;
                case ChannelFlow.Depthwise depthwise:
                    _weighted.Add((node, depthwise.WeightInput));
                    PassThrough(node, flow);
                    break;
                case ChannelFlow.PassThrough: PassThrough(node, flow); break;
                case ChannelFlow.Elementwise: Elementwise(node); break;
                case ChannelFlow.Joined: Concat(node); break;
                case ChannelFlow.Flattened: Flatten(node, flow); break;
                case ChannelFlow.Opaque opaque:
                    // A layer kept whole still counts in the weights a sparsity target is a fraction of.
                    if (opaque.WeightInput is int weightInput) _weighted.Add((node, weightInput));
                    Opaque(node, opaque.Reason);
                    break;
            }
        }

        /// <summary>A layer whose output channels are its filters (rows of a Conv's weights, a Gemm's neurons).</summary>
        private void Produce(Node node, ChannelFlow.Filters flow, string? input)
        {
            var rows = Rows(Constant(node.Inputs[flow.WeightInput])!, flow.OutputAxis);
            if (input == null) Freeze(node.Inputs[0]);
            var ids = Fresh(rows.Length, frozen: false);
            Flows[node] = flow;
            Maps[node.Outputs[0]] = ids;
            Producers.Add((node, flow, ids, rows.Select(r => r.Sum(w => (double)Math.Abs(w))).ToArray()));
        }

        /// <summary>Broadcasting arithmetic: inputs with all the channels are tied channel by channel.</summary>
        private void Elementwise(Node node)
        {
            var output = Shape(node.Outputs[0]);
            if (output is not { Length: >= 2 }) { Opaque(node, "its output has no channel axis"); return; }
            int[]? ids = null;
            foreach (string input in node.Inputs)
            {
                var shape = Shape(input);
                if (shape == null || Constant(input) != null) continue; // a constant is sliced along with the channels
                if (shape.Length != output.Length || shape[1] != output[1] || !Maps.TryGetValue(input, out var inputIds)) { Opaque(node, "an input broadcasts along the channels"); return; }
                if (ids == null) ids = inputIds;
                else for (int c = 0; c < ids.Length; c++) Union(ids[c], inputIds[c]);
            }
            if (ids == null) { Opaque(node, "no input carries the channels"); return; }
            Flows[node] = new ChannelFlow.Elementwise();
            Maps[node.Outputs[0]] = ids;
        }

        private void Concat(Node node)
        {
            var output = Shape(node.Outputs[0]);
            if (output is not { Length: >= 2 }) { Opaque(node, "its output has no channel axis"); return; }
            Flows[node] = new ChannelFlow.Joined();
            var ids = new List<int>();
            foreach (string input in node.Inputs)
            {
                if (!Maps.TryGetValue(input, out var inputIds)) inputIds = Maps[input] = Fresh(Shape(input)![1], frozen: true);
                ids.AddRange(inputIds);
            }
            Maps[node.Outputs[0]] = ids.ToArray();
        }

        /// <summary>[N, C, …] → [N, C·…]: feature f belongs to channel f / (features per channel).</summary>
        private void Flatten(Node node, ChannelFlow flow)
        {
            var input = Shape(node.Inputs[0]);
            var output = Shape(node.Outputs[0]);
            bool flattensChannels = input is { Length: >= 2 } && output is { Length: 2 } && output[0] == input[0];
            if (!flattensChannels) { Opaque(node, "it does not make [N, C, …] into [N, features]"); return; }
            if (!Maps.TryGetValue(node.Inputs[0], out var ids)) { Opaque(node, "its input's channels are not traced"); return; }
            Flows[node] = flow;
            int perChannel = input!.Skip(2).Aggregate(1, (a, b) => a * b);
            Maps[node.Outputs[0]] = ids.SelectMany(id => Enumerable.Repeat(id, perChannel)).ToArray();
        }

        /// <summary>Removed channel sets (by representative), the round(fraction × count) weakest of each set of coupled filters.</summary>
        public HashSet<int> ChooseRemoved(double fraction)
        {
            var removed = new HashSet<int>();
            foreach (var ranked in _rankedFamilies.Value)
            {
                int remove = Math.Min(ranked.Length - 1, (int)Math.Round(fraction * ranked.Length, MidpointRounding.AwayFromZero));
                for (int i = 0; i < remove; i++) removed.Add(ranked[i]);
            }
            return removed;
        }

        /// <summary>
        /// Each set of filters removed together (one layer's, or coupled layers'), its removable channel sets weakest
        /// first. Coupled filters (a residual Add's branches) make one channel together: their norms do not say how the
        /// sum is used, its readers do. One layer's filters rank by their own norms.
        /// </summary>
        private List<int[]> RankFamilies()
        {
            var filterScores = FilterScores();
            var readerScores = new Lazy<Dictionary<int, double>?>(ReaderScores); // measured only if some filters are coupled
            var families = new Dictionary<int, SortedSet<int>>();
            for (int p = 0; p < Producers.Count; p++)
                foreach (int id in Producers[p].Channels)
                    (families.TryGetValue(Find(id), out var f) ? f : families[Find(id)] = new SortedSet<int>()).Add(p);
            var ranked = new List<int[]>();
            foreach (var family in families.Keys.Where(root => !_frozen[root]).GroupBy(root => string.Join(",", families[root])))
            {
                var scores = families[family.First()].Count > 1 ? readerScores.Value ?? filterScores : filterScores;
                ranked.Add(family.OrderBy(root => scores.TryGetValue(root, out var s) ? s : 0).ThenBy(root => root).ToArray());
            }
            return ranked;
        }

        /// <summary>Each channel set's summed filter L1 norms, each layer's relative to its mean.</summary>
        private Dictionary<int, double> FilterScores()
        {
            var scores = new Dictionary<int, double>();
            foreach (var (_, _, ids, norms) in Producers)
            {
                double mean = norms.Average();
                for (int c = 0; c < ids.Length; c++)
                    scores[Find(ids[c])] = (scores.TryGetValue(Find(ids[c]), out var s) ? s : 0) + (mean > 0 ? norms[c] / mean : 0);
            }
            return scores;
        }

        /// <summary>
        /// Each channel set's share of its readers' output energy, each reader's relative to its mean per channel set;
        /// null when some layer reading a removable channel has no energies (then filter norms rank).
        /// </summary>
        private Dictionary<int, double>? ReaderScores()
        {
            if (_readerEnergies == null) return null;
            var energies = _readerEnergies();
            var scores = new Dictionary<int, double>();
            foreach (var (node, _, _, _) in Producers)
            {
                if (!Maps.TryGetValue(node.Inputs[0], out var ids) || ids.All(id => _frozen[Find(id)])) continue;
                if (!energies.TryGetValue(node.Name, out var energy) || energy.Length != ids.Length) return null;
                int sets = ids.Select(Find).Distinct().Count();
                double mean = energy.Sum() / sets;
                for (int i = 0; i < ids.Length; i++)
                    scores[Find(ids[i])] = (scores.TryGetValue(Find(ids[i]), out var s) ? s : 0) + (mean > 0 ? energy[i] / mean : 0);
            }
            return scores;
        }

        /// <summary>
        /// How many of the graph's Conv, Gemm and MatMul weights the removal of these channels takes, of all: a layer
        /// keeps the fraction of its output channels that stay times that of its input channels (a depthwise filter reads
        /// only its own channel).
        /// </summary>
        public (long Removed, long All) Weights(HashSet<int> removed)
        {
            long all = 0, kept = 0;
            foreach (var (node, weightInput) in _weighted)
            {
                if (Constant(node.Inputs[weightInput]) is not { } weights) continue;
                double fraction = KeptFraction(node.Outputs[0], removed);
                bool depthwise = Flows.TryGetValue(node, out var flow) && flow is ChannelFlow.Depthwise;
                if (!depthwise) fraction *= KeptFraction(node.Inputs[0], removed);
                all += weights.Length;
                kept += (long)Math.Round(weights.Length * fraction);
            }
            return (all - kept, all);
        }

        private double KeptFraction(string value, HashSet<int> removed) =>
            Maps.TryGetValue(value, out var ids) && ids.Length > 0 ? ids.Count(id => !removed.Contains(Find(id))) / (double)ids.Length : 1;

        /// <summary>Rows of a layer's weights, one per output channel or neuron: along axis 0 ([M, C, kh, kw], [N, K]) or 1 ([K, N]).</summary>
        public static float[][] Rows(Tensor weights, int outputAxis)
        {
            var data = weights.Floats ?? weights.AsFloats();
            int outputs = weights.Shape[outputAxis], depth = data.Length / outputs;
            return Enumerable.Range(0, outputs).Select(o => outputAxis == 1
                ? Enumerable.Range(0, depth).Select(k => data[k * outputs + o]).ToArray()
                : data.Skip(o * depth).Take(depth).ToArray()).ToArray();
        }
    }

    internal static int Axis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

    /// <summary>Writes the smaller graph: sliced weights, biases and per-channel constants, fewer groups, new Reshape sizes.</summary>
    private sealed class Rewriter
    {
        private readonly Graph _graph;
        private readonly ChannelTrace _trace;
        private readonly HashSet<int> _removed;
        private readonly Dictionary<string, int[]> _kept = new();

        public Rewriter(Graph graph, ChannelTrace trace, HashSet<int> removed) => (_graph, _trace, _removed) = (graph, trace, removed);

        private int[] Keep(string value) =>
            Enumerable.Range(0, _trace.Maps[value].Length).Where(i => !_removed.Contains(_trace.Find(_trace.Maps[value][i]))).ToArray();

        private bool Shrinks(string value) => _trace.Maps.TryGetValue(value, out var ids) && ids.Any(id => _removed.Contains(_trace.Find(id)));

        /// <summary>Rewrites the graph; returns, for each node whose output channels shrank, the indices it keeps.</summary>
        public IReadOnlyDictionary<string, int[]> Run()
        {
            if (_removed.Count == 0) return _kept;
            var replaced = new HashSet<string>();
            for (int i = 0; i < _graph.Nodes.Count; i++)
            {
                var node = _graph.Nodes[i];
                var inputs = node.Inputs.ToArray();
                var attributes = node.Attributes.ToDictionary(a => a.Key, a => a.Value);
                Rewrite(node, inputs, attributes);
                if (inputs.SequenceEqual(node.Inputs) && attributes.Count == node.Attributes.Count && attributes.All(a => node.Attributes[a.Key] == a.Value)) continue;
                replaced.UnionWith(node.Inputs.Except(inputs));
                _graph.Nodes[i] = new Node(node.Name, node.OpType, inputs, node.Outputs, attributes);
            }
            foreach (string name in replaced.Where(n => !_graph.Nodes.Any(node => node.Inputs.Contains(n)) && !_graph.Outputs.Contains(n) && !_graph.Inputs.Contains(n)))
                _graph.Values.Remove(name);
            return _kept;
        }

        private void Rewrite(Node node, string[] inputs, Dictionary<string, Ir.Attribute> attributes)
        {
            string input = node.Inputs.Count > 0 ? node.Inputs[0] : "";
            string output = node.Outputs.Count > 0 ? node.Outputs[0] : "";
            switch (_trace.Flows.TryGetValue(node, out var flow) ? flow : null)
            {
                case ChannelFlow.Filters filters:
                    int[]? keepIn = Shrinks(input) ? Keep(input) : null, keepOut = Shrinks(output) ? Keep(output) : null;
                    if (keepIn == null && keepOut == null) return;
                    var weights = Value(node.Inputs[filters.WeightInput]);
                    if (keepOut != null) weights = Slice(weights, filters.OutputAxis, keepOut);
                    if (keepIn != null) weights = Slice(weights, filters.InputAxis, keepIn);
                    inputs[filters.WeightInput] = Replace(node, node.Inputs[filters.WeightInput], weights);
                    if (keepOut != null)
                    {
                        _kept[node.Name] = keepOut;
                        if (filters.BiasInput is int bias) inputs[bias] = Replace(node, inputs[bias], SliceChannel(Value(inputs[bias]), keepOut, channelAxisFromEnd: 1));
                    }
                    break;
                case ChannelFlow.Depthwise depthwise when Shrinks(input):
                    var keep = Keep(input);
                    _kept[node.Name] = keep;
                    inputs[depthwise.WeightInput] = Replace(node, inputs[depthwise.WeightInput], Slice(Value(inputs[depthwise.WeightInput]), 0, keep));
                    if (depthwise.BiasInput is int depthwiseBias) inputs[depthwiseBias] = Replace(node, inputs[depthwiseBias], Slice(Value(inputs[depthwiseBias]), 0, keep));
                    attributes["group"] = new Ir.Attribute { Name = "group", Kind = AttributeKind.Int, Int = keep.Length };
                    break;
                case ChannelFlow.PassThrough passThrough when Shrinks(input):
                    foreach (int i in passThrough.PerChannelInputs) inputs[i] = Replace(node, inputs[i], Slice(Value(inputs[i]), 0, Keep(input)));
                    break;
                case ChannelFlow.Elementwise when Shrinks(output):
                    int rank = _graph.Values[output].Shape!.Length;
                    for (int i = 0; i < inputs.Length; i++)
                        if (_graph.Values[inputs[i]].Constant is { } constant && constant.Shape.Length >= rank - 1
                            && constant.Shape[constant.Shape.Length - (rank - 1)] == _trace.Maps[output].Length)
                            inputs[i] = Replace(node, inputs[i], SliceChannel(constant, Keep(output), channelAxisFromEnd: rank - 1));
                    break;
                case ChannelFlow.Flattened { ShapeInput: int shapeInput } when Shrinks(output):
                    var target = Value(inputs[shapeInput]).Int64s!.ToArray();
                    if (target[1] > 0) target[1] = Keep(output).Length;
                    inputs[shapeInput] = Replace(node, inputs[shapeInput], Tensor.FromInt64s(new[] { 2 }, target));
                    break;
            }
        }

        private Tensor Value(string name) => _graph.Values[name].Constant!;

        /// <summary>A new constant for this node; the original stays for whoever else reads it.</summary>
        private string Replace(Node node, string original, Tensor tensor)
        {
            string name = $"{original}.pruned";
            for (int n = 2; _graph.Values.ContainsKey(name); n++) name = $"{original}.pruned{n}";
            _graph.Add(new Value(name, tensor.Type, tensor.Shape, tensor));
            return name;
        }

        /// <summary>Slices the axis that lines up with the channel axis under numpy broadcasting, if the constant has it.</summary>
        private static Tensor SliceChannel(Tensor tensor, int[] keep, int channelAxisFromEnd)
        {
            int axis = tensor.Shape.Length - channelAxisFromEnd;
            return axis >= 0 && tensor.Shape[axis] > 1 ? Slice(tensor, axis, keep) : tensor;
        }

        private static Tensor Slice(Tensor tensor, int axis, int[] keep)
        {
            var shape = tensor.Shape;
            int outer = shape.Take(axis).Aggregate(1, (a, b) => a * b), inner = shape.Skip(axis + 1).Aggregate(1, (a, b) => a * b);
            var data = tensor.Floats ?? tensor.AsFloats();
            var sliced = new float[outer * keep.Length * inner];
            for (int o = 0; o < outer; o++)
                for (int k = 0; k < keep.Length; k++)
                    Array.Copy(data, (o * shape[axis] + keep[k]) * inner, sliced, (o * keep.Length + k) * inner, inner);
            var newShape = (int[])shape.Clone();
            newShape[axis] = keep.Length;
            return Tensor.FromFloats(newShape, sliced);
        }
    }
}
