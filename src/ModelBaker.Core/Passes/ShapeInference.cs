using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Operators;

namespace ModelBaker.Core.Passes;

/// <summary>
/// Gives every value its element type and static shape, walking the nodes in order. Graph input shapes
/// come from the importer (dynamic dimensions already 1); constants take the shape of their data.
/// A node whose inputs are all constant is evaluated on the way (<see cref="FoldedConstants"/>): shape rules further on
/// need that data, as a Reshape needs the shape an exporter computed with Shape → Gather → Concat. A node whose operator
/// is an <see cref="IExpansion"/> (Scan) is replaced by its expansion when it is reached, and inference goes on through it.
/// </summary>
public static class ShapeInference
{
    public static void Run(Graph graph)
    {
        OperatorRegistry.EnsureSupported(graph);
        foreach (var node in graph.Nodes)
            foreach (string output in node.Outputs)
                if (output.Length > 0 && graph.Values.TryGetValue(output, out var previous)) FoldedConstants.Clear(previous);
        var available = AvailableBeforeNodes(graph);
        for (int index = 0; index < graph.Nodes.Count; index++)
        {
            var node = graph.Nodes[index];
            foreach (string input in node.Inputs)
                if (input.Length > 0 && !available.Contains(input)) throw Unproduced(graph, node, input);

            // An operator that is ordinary nodes once its inputs' shapes are known (Scan, unrolled) is replaced by them here.
            if (OperatorRegistry.Find(node.OpType) is IExpansion expansion)
            {
                var nodes = expansion.Expand(node, graph);
                foreach (var value in graph.Values.Values.Where(v => v.Constant != null && !available.Contains(v.Name)))
                {
                    value.Type = value.Constant!.Type; // the constants the expansion added (indices, the body's initializers)
                    value.Shape = value.Constant.Shape;
                    available.Add(value.Name);
                }
                graph.Nodes.RemoveAt(index);
                graph.Nodes.InsertRange(index, nodes);
                index--;
                continue;
            }

            foreach (string output in node.Outputs)
            {
                if (output.Length == 0) continue;
                if (available.Contains(output))
                    throw new BakeException(ErrorCodes.InvalidGraph,
                        $"Node {node.Describe()} writes '{output}', which is already a graph input, an initializer or another node's output. " +
                        "Every value must have exactly one producer; re-export the model or check it with onnx.checker.");
                // Forget a shape the importer declared: the operator's rules decide, and an output the operator
                // does not define stays null, which is how an extra output is caught below.
                if (graph.Values.TryGetValue(output, out var declared)) declared.Shape = null;
            }

            OperatorRegistry.Find(node.OpType)!.InferShapes(node, graph);

            foreach (string output in node.Outputs)
            {
                if (output.Length == 0) continue;
                if (!graph.Values.TryGetValue(output, out var value) || value.Shape == null)
                    throw new BakeException(ErrorCodes.InvalidGraph,
                        $"Node {node.Describe()} has {node.Outputs.Count} outputs, more than {node.OpType} defines. " +
                        "Re-export the model or check it with onnx.checker.");
                available.Add(output);
            }
            // Constants are data the model already holds (or a uniform fill, which stays one value); activations are
            // what every calibration sample, every pass and the arena hold whole.
            if (IsFoldable(graph, node)) Fold(graph, node);
            else foreach (string output in node.Outputs.Where(o => o.Length > 0)) CheckSize(graph.Values[output], $"output of node {node.Describe()}");
        }

        foreach (string output in graph.Outputs)
        {
            if (!available.Contains(output))
                throw new BakeException(ErrorCodes.InvalidGraph,
                    $"Graph output '{Text.Printable(output)}' is produced by no node. Re-export the model or check it with onnx.checker.");
            if (graph.Values[output].IsConstant && graph.Producer(output) == null && !graph.Inputs.Contains(output))
                throw new BakeException(ErrorCodes.InvalidGraph,
                    $"Graph output '{Text.Printable(output)}' is an initializer, a constant no input changes. Compute it in the calling code, or re-export the model without that output.");
        }
    }

    /// <summary>
    /// The largest activation a bake takes: 2^26 elements (256 MB as float32). Calibration, pruning and the generated
    /// arena all hold tensors whole; a 1-D input of 2^30 elements once ran the bake out of memory instead of failing.
    /// </summary>
    public const int MaxTensorElements = 1 << 26;

    private static void CheckSize(Value value, string what)
    {
        long elements = 1;
        foreach (int d in value.Shape!)
            if ((elements *= d) > MaxTensorElements) break;
        if (elements > MaxTensorElements)
            throw new BakeException(ErrorCodes.ModelTooLarge,
                $"Tensor '{Text.Printable(value.Name)}' ({what}) has shape {ShapeMath.Format(value.Shape!)}, more than the {MaxTensorElements:N0} elements ModelBaker bakes per tensor. Export the model for a smaller input (fixed dynamic dimensions, a smaller image size).");
    }

    /// <summary>
    /// All inputs constant. A graph input is never constant even if an initializer gives it a default: the caller
    /// may feed it. A node without inputs (Constant) folds too.
    /// </summary>
    private static bool IsFoldable(Graph graph, Node node) =>
        node.Inputs.All(name => name.Length == 0 || (graph.Values[name].IsConstant && !graph.Inputs.Contains(name)));

    private static void Fold(Graph graph, Node node)
    {
        var inputs = node.Inputs.Select(name => name.Length == 0 ? null : graph.Values[name].Constant).ToArray();
        var results = OperatorRegistry.Find(node.OpType)!.Evaluate(node, inputs, graph.Opset);
        for (int i = 0; i < node.Outputs.Count; i++)
            if (node.Outputs[i].Length > 0) FoldedConstants.Set(graph.Values[node.Outputs[i]], results[i]);
    }

    /// <summary>Graph inputs and constants: the values that exist before the first node runs.</summary>
    private static HashSet<string> AvailableBeforeNodes(Graph graph)
    {
        var available = new HashSet<string>();
        foreach (string name in graph.Inputs)
        {
            if (!graph.Values.TryGetValue(name, out var value) || value.Shape == null)
                throw new BakeException(ErrorCodes.InvalidGraph,
                    $"Graph input '{Text.Printable(name)}' has no declared shape. Give the input a shape when exporting the model.");
            CheckSize(value, "a graph input");
            available.Add(name);
        }
        foreach (var value in graph.Values.Values.Where(v => v.Constant != null))
        {
            // The data is the truth for a constant; an initializer may also be declared as an input with a shape.
            value.Type = value.Constant!.Type;
            value.Shape = value.Constant.Shape;
            available.Add(value.Name);
        }
        return available;
    }

    private static BakeException Unproduced(Graph graph, Node node, string input)
    {
        var laterProducer = graph.Producer(input);
        string why = laterProducer != null
            ? $"which is only produced later by {laterProducer.Describe()}: the nodes are not in topological order."
            : "which is not a graph input, an initializer, or any node's output.";
        return new BakeException(ErrorCodes.InvalidGraph,
            $"Node {node.Describe()} reads '{input}', {why} Re-export the model or check it with onnx.checker.");
    }
}
