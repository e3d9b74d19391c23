using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Scan (opset 8, and 9 on): its body run once per element of the scan inputs' sequence, carrying state variables.
/// The sequence length is static, so shape inference unrolls it (<see cref="IExpansion"/>): iteration t reads its slice
/// of each scan input with a Gather of the constant index t (or L − 1 − t in reverse), runs a copy of the body's nodes
/// whose values are renamed per iteration and whose state inputs are the previous iteration's state outputs, and the
/// scan outputs are stacked by Unsqueeze and Concat (in reverse order for a reverse direction). Opset 8's batch axis
/// runs the sequence once per batch element and stacks those results too. Everything after shape inference sees
/// ordinary Gather, body, Unsqueeze, Concat and Identity nodes — float, int8 and nanoFramework alike.
/// </summary>
public sealed class Scan : ExpandedOperator
{
    /// <summary>
    /// The most nodes one Scan may unroll into (iterations × body nodes, batch elements included): each becomes at least
    /// one step of the generated Predict, and 4,096 keep its source and the bake's time reasonable.
    /// </summary>
    public const int MaxUnrolledNodes = 4096;

    public override string OpType => "Scan";

    public override OperatorSupport Support { get; } = new(OperatorFamily.Recurrent, 8, "unrolled at bake time into Gather (a Remap step), the body's own nodes once per iteration, Unsqueeze and Concat: num_scan_inputs, scan_input_axes, scan_input_directions, scan_output_axes, scan_output_directions, state variables; opset 8's batch axis and sequence_lens (all full length); a body of supported operators, reading outer values by name", Int8Form.Integer, "as the unrolled nodes are (their own int8 forms)", Nano: true)
    {
        NanoDetails = "when its unrolled nodes have nanoFramework forms",
        Refuses = new[] { $"more than {MaxUnrolledNodes:N0} unrolled nodes (iterations × body nodes, MB1125)", "a sequence_lens shorter than the sequence", "a subgraph inside the body", "an empty sequence" },
    };

    public override IReadOnlyList<Node> Expand(Node node, Graph graph)
    {
        var body = node.GetGraph("body") ?? throw InvalidGraph(node, "it has no body graph.");
        if (body.Nodes.Any(n => n.Attributes.Values.Any(a => a.Graph != null)))
            throw UnsupportedUsage(node, "its body holds a node with a subgraph of its own (a Scan, Loop or If inside the Scan).",
                "ModelBaker unrolls one level of Scan; move the inner loop out of the body.");
        OperatorRegistry.EnsureSupported(body);
        long m = node.GetInt("num_scan_inputs", -1);
        bool batched = graph.Opset < 9; // Scan-8: input 0 is sequence_lens, every input and output has a batch axis first
        int first = batched ? 1 : 0;
        int n = node.Inputs.Count - first - (int)m;
        if (m < 1 || n < 0)
            throw InvalidGraph(node, $"num_scan_inputs is {m}, but it must be at least 1 and at most its {node.Inputs.Count - first} inputs.");
        int scans = (int)m, stateCount = n;
        if (body.Inputs.Count != stateCount + scans)
            throw InvalidGraph(node, $"its body takes {body.Inputs.Count} inputs, but the node gives {stateCount} state variables and {scans} scan inputs.");
        if (body.Outputs.Count < stateCount || node.Outputs.Count > body.Outputs.Count)
            throw InvalidGraph(node, $"its body has {body.Outputs.Count} outputs and the node {node.Outputs.Count}; both need the {stateCount} state variables first.");
        int scanOutputs = body.Outputs.Count - stateCount;

        var scanInputs = Enumerable.Range(0, scans).Select(j => node.Inputs[first + stateCount + j]).ToArray();
        var states = Enumerable.Range(0, stateCount).Select(i => node.Inputs[first + i]).ToArray();
        var shapes = scanInputs.Select(x => graph[x].Shape!).ToArray();
        long[] inputAxes = batched ? Enumerable.Repeat(1L, scans).ToArray() : Attribute(node, "scan_input_axes", scans, 0);
        long[] inputDirections = Attribute(node, batched ? "directions" : "scan_input_directions", scans, 0);
        long[] outputAxes = batched ? new long[scanOutputs] : Attribute(node, "scan_output_axes", scanOutputs, 0);
        long[] outputDirections = batched ? new long[scanOutputs] : Attribute(node, "scan_output_directions", scanOutputs, 0);
        var axes = inputAxes.Select((a, j) =>
        {
            int rank = shapes[j].Length;
            long axis = a < 0 ? a + rank : a;
            if (axis < 0 || axis >= rank) throw ShapeError(node, $"scan input '{scanInputs[j]}' {ShapeMath.Format(shapes[j])} has no axis {a}.");
            return (int)axis;
        }).ToArray();
        int length = shapes[0][axes[0]];
        for (int j = 1; j < scans; j++)
            if (shapes[j][axes[j]] != length)
                throw ShapeError(node, $"its scan inputs have sequences of different lengths ({length} and {shapes[j][axes[j]]}, input '{scanInputs[j]}').");
        if (length < 1) throw UnsupportedUsage(node, "its sequence is empty.", "Give the scan inputs at least one element along the scan axis.");
        int batch = batched ? shapes[0][0] : 1;
        if (batched) CheckSequenceLengths(node, graph, batch, length);
        long unrolled = (long)batch * length * (body.Nodes.Count + scans);
        if (unrolled > MaxUnrolledNodes)
            throw new BakeException(ErrorCodes.ScanTooLong,
                $"Node {node.Describe()}: unrolling its {length} iterations{(batched ? $" for each of {batch} batch elements" : "")} of a body of " +
                $"{body.Nodes.Count} nodes would give {unrolled:N0} nodes, more than the {MaxUnrolledNodes:N0} ModelBaker unrolls. " +
                "Export the model for a shorter sequence, or split the sequence and call the model on each part.");

        var writer = new Unrolling(node, body, graph);

        // Opset 8: the sequence once per batch element, on that element's slices (the scan axis becomes axis 0).
        var finalStates = new List<string>[stateCount];
        var stacked = new List<string>[scanOutputs];
        for (int i = 0; i < stateCount; i++) finalStates[i] = new List<string>();
        for (int k = 0; k < scanOutputs; k++) stacked[k] = new List<string>();
        for (int b = 0; b < batch; b++)
        {
            string[] current = batched ? states.Select(s => writer.Gather(s, b, 0)).ToArray() : states;
            string[] sequences = batched ? scanInputs.Select(x => writer.Gather(x, b, 0)).ToArray() : scanInputs;
            int[] sequenceAxes = batched ? new int[scans] : axes;
            var perIteration = new string[scanOutputs][];
            for (int k = 0; k < scanOutputs; k++) perIteration[k] = new string[length];
            for (int t = 0; t < length; t++)
            {
                var slices = Enumerable.Range(0, scans)
                    .Select(j => writer.Gather(sequences[j], inputDirections[j] == 0 ? t : length - 1 - t, sequenceAxes[j])).ToArray();
                var outputs = writer.Iteration(batched ? $"{b}/{t}" : $"{t}", current.Concat(slices).ToArray());
                current = outputs.Take(stateCount).ToArray();
                for (int k = 0; k < scanOutputs; k++) perIteration[k][t] = outputs[stateCount + k];
            }
            for (int i = 0; i < stateCount; i++) finalStates[i].Add(current[i]);
            for (int k = 0; k < scanOutputs; k++)
            {
                var order = outputDirections[k] == 0 ? perIteration[k] : Enumerable.Reverse(perIteration[k]).ToArray();
                string? target = batched ? null : OutputName(node, stateCount + k);
                if (batched || target != null) stacked[k].Add(writer.Stack(order, outputAxes[k], target));
            }
        }
        for (int i = 0; i < stateCount; i++)
            if (OutputName(node, i) is { } target)
            {
                if (batched) writer.Stack(finalStates[i].ToArray(), 0, target);
                else writer.Identity(finalStates[i][0], target);
            }
        if (batched)
            for (int k = 0; k < scanOutputs; k++)
                if (OutputName(node, stateCount + k) is { } target) writer.Stack(stacked[k].ToArray(), 0, target);
        return writer.Nodes;
    }

    /// <summary>Output <paramref name="index"/>'s name, or null when the node leaves it out.</summary>
    private static string? OutputName(Node node, int index) =>
        index < node.Outputs.Count && node.Outputs[index].Length > 0 ? node.Outputs[index] : null;

    private static long[] Attribute(Node node, string name, int count, long fallback)
    {
        long[]? values = node.GetInts(name);
        if (values == null) return Enumerable.Repeat(fallback, count).ToArray();
        if (values.Length != count) throw InvalidGraph(node, $"{name} holds {values.Length} values; it needs {count}.");
        return values;
    }

    /// <summary>Opset 8's sequence_lens: a constant, every element the full length (shorter sequences are not unrolled).</summary>
    private static void CheckSequenceLengths(Node node, Graph graph, int batch, int length)
    {
        if (OptionalInput(node, 0) is not { } name) return;
        var lengths = graph[name].Constant?.Int64s
            ?? throw UnsupportedUsage(node, $"its sequence_lens '{name}' is computed at run time.", "Omit it or give it as a constant of full lengths.");
        if (lengths.Length != batch || lengths.Any(l => l != length))
            throw UnsupportedUsage(node, $"its sequence_lens [{string.Join(",", lengths)}] are not all the sequence length {length}.",
                "ModelBaker unrolls whole sequences; pad the shorter ones and mask their results in the calling code.");
    }

    /// <summary>Writes the unrolled nodes and their values into the enclosing graph, with names that cannot clash.</summary>
    private sealed class Unrolling
    {
        private readonly Graph _body, _graph;
        private readonly ExpansionWriter _writer;
        private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);

        public Unrolling(Node node, Graph body, Graph graph)
        {
            _body = body;
            _graph = graph;
            _writer = new ExpansionWriter(node, graph);
            // The body's initializers, once for all iterations.
            foreach (var value in body.Values.Values.Where(v => v.IsConstant))
                _constants[value.Name] = _writer.NewConstant(value.Name, value.Constant!);
        }

        public List<Node> Nodes => _writer.Nodes;

        /// <summary>One iteration: the body's nodes on <paramref name="inputs"/> (states, then slices); returns its outputs' names.</summary>
        public string[] Iteration(string iteration, string[] inputs)
        {
            var names = new Dictionary<string, string>(_constants, StringComparer.Ordinal);
            for (int i = 0; i < inputs.Length; i++) names[_body.Inputs[i]] = inputs[i];
            string Rename(string name) => name.Length == 0 ? "" : names.TryGetValue(name, out var renamed) ? renamed : name; // else an outer value
            foreach (var bodyNode in _body.Nodes)
            {
                var inputsOf = bodyNode.Inputs.Select(Rename).ToArray();
                var outputsOf = bodyNode.Outputs.Select(o => o.Length == 0 ? "" : names[o] = _writer.NewValue($"{iteration}/{o}")).ToArray();
                _writer.Add($"{iteration}/{bodyNode.Name}", bodyNode.OpType, inputsOf, outputsOf, bodyNode.Attributes);
            }
            return _body.Outputs.Select(Rename).ToArray();
        }

        /// <summary>Element <paramref name="index"/> of <paramref name="x"/> along <paramref name="axis"/>, that axis removed.</summary>
        public string Gather(string x, int index, int axis)
        {
            string indexName = _constants.TryGetValue($"#index{index}", out var known) ? known
                : _constants[$"#index{index}"] = _writer.NewConstant($"index{index}", Tensor.FromInt64s(Array.Empty<int>(), new[] { (long)index }));
            string output = _writer.NewValue($"{x}[{index}@{axis}]");
            _writer.Add($"Gather {x}[{index}]", "Gather", new[] { x, indexName }, new[] { output }, GraphAttribute.Int("axis", axis));
            return output;
        }

        /// <summary>
        /// <paramref name="parts"/> stacked along a new axis <paramref name="axis"/> (negative: counted from the end of the
        /// result, as scan_output_axes is): each unsqueezed there, then concatenated; into <paramref name="target"/> if given.
        /// </summary>
        public string Stack(string[] parts, long axis, string? target)
        {
            var unsqueezed = parts.Select(part =>
            {
                string output = _writer.NewValue($"{part}+{axis}");
                bool axesInput = _graph.Opset >= 13;
                var inputs = axesInput ? new[] { part, AxesConstant(axis) } : new[] { part };
                var attributes = axesInput ? Array.Empty<Attribute>() : new[] { GraphAttribute.Ints("axes", new[] { axis }) };
                _writer.Add($"Unsqueeze {part}", "Unsqueeze", inputs, new[] { output }, attributes);
                return output;
            }).ToArray();
            string result = target ?? _writer.NewValue($"stack{Nodes.Count}");
            _writer.Add($"Concat {result}", "Concat", unsqueezed, new[] { result }, GraphAttribute.Int("axis", axis));
            return result;
        }

        public void Identity(string x, string target) => _writer.Add($"Identity {target}", "Identity", new[] { x }, new[] { target });

        private string AxesConstant(long axis) =>
            _constants.TryGetValue($"#axes{axis}", out var known) ? known
            : _constants[$"#axes{axis}"] = _writer.NewConstant($"axes{axis}", Tensor.FromInt64s(new[] { 1 }, new[] { axis }));
    }
}
