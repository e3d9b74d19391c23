using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Operators;

namespace ModelBaker.Core.Interpreter;

/// <summary>
/// Runs a graph in float32 with the operators' reference kernels: the executable spec the baked code and
/// the int8 path are checked against, and the source of activations for calibration.
/// </summary>
public static class FloatInterpreter
{
    /// <summary>
    /// Runs <paramref name="graph"/> on <paramref name="inputs"/> (one tensor per graph input, by name; only
    /// the length has to match the declared shape, the declared shape is used). Returns the graph outputs by
    /// name, or, with <paramref name="keepIntermediates"/>, also the inputs and every node output (the
    /// activations calibration needs). Constants are not repeated except as graph outputs.
    /// </summary>
    public static IReadOnlyDictionary<string, Tensor> Run(Graph graph, IReadOnlyDictionary<string, Tensor> inputs,
        bool keepIntermediates = false)
    {
        if (graph == null) throw new ArgumentNullException(nameof(graph));
        if (inputs == null) throw new ArgumentNullException(nameof(inputs));
        OperatorRegistry.EnsureSupported(graph);

        var computed = BindInputs(graph, inputs);
        foreach (var node in graph.Nodes)
        {
            var args = node.Inputs.Select(name => name.Length == 0 ? null : Lookup(graph, computed, node, name)).ToArray();
            var results = OperatorRegistry.Find(node.OpType)!.Evaluate(node, args, graph.Opset);
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                if (node.Outputs[i].Length == 0) continue;
                if (i >= results.Length)
                    throw new BakeException(ErrorCodes.InvalidGraph,
                        $"Node {node.Describe()} has {node.Outputs.Count} outputs, more than {node.OpType} defines. " +
                        "Re-export the model or check it with onnx.checker.");
                computed[node.Outputs[i]] = results[i];
            }
        }

        var outputs = keepIntermediates ? computed : new Dictionary<string, Tensor>();
        foreach (string name in graph.Outputs)
            outputs[name] = computed.TryGetValue(name, out var t) ? t : graph.Values[name].Constant
                ?? throw new BakeException(ErrorCodes.InvalidGraph, $"Graph output '{name}' is produced by no node.");
        return outputs;
    }

    private static Dictionary<string, Tensor> BindInputs(Graph graph, IReadOnlyDictionary<string, Tensor> inputs)
    {
        foreach (string name in inputs.Keys)
            if (!graph.Inputs.Contains(name))
                throw new ArgumentException(
                    $"'{name}' is not an input of the model; its inputs are: {string.Join(", ", graph.Inputs)}.", nameof(inputs));

        var bound = new Dictionary<string, Tensor>();
        foreach (string name in graph.Inputs)
        {
            var declared = graph.Values[name];
            if (!inputs.TryGetValue(name, out var tensor))
                throw new ArgumentException($"Input '{name}' ({declared}) is missing.", nameof(inputs));
            if (declared.Shape != null && tensor.Length != ShapeMath.Length(declared.Shape))
                throw new ArgumentException(
                    $"Input '{name}' has {tensor.Length} elements, but the model expects {ShapeMath.Length(declared.Shape)} " +
                    $"(shape {ShapeMath.Format(declared.Shape)}).", nameof(inputs));
            if (tensor.Type != declared.Type)
                throw new ArgumentException($"Input '{name}' is {tensor.Type}, but the model expects {declared.Type}.", nameof(inputs));
            bound[name] = declared.Shape == null || tensor.Shape.SequenceEqual(declared.Shape)
                ? tensor
                : tensor.Floats != null ? Tensor.FromFloats(declared.Shape, tensor.Floats) : Tensor.FromInt64s(declared.Shape, tensor.Int64s!, tensor.Type);
        }
        return bound;
    }

    private static Tensor Lookup(Graph graph, Dictionary<string, Tensor> computed, Node node, string name)
    {
        if (computed.TryGetValue(name, out var t)) return t;
        if (graph.Values.TryGetValue(name, out var value) && value.Constant != null) return value.Constant;
        throw new BakeException(ErrorCodes.InvalidGraph,
            $"Node {node.Describe()} reads '{name}', which no earlier node, graph input or initializer provides. " +
            "Re-export the model or check it with onnx.checker.");
    }
}
