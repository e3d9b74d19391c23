using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Kernels;

namespace ModelBaker.Core.Lowering;

/// <summary>
/// What an operator's <c>Lower</c> works with: the graph, each value's place in the arenas, and the float steps
/// emitted so far (which an operator may replace to fuse itself into its producer).
/// </summary>
public sealed class LoweringContext
{
    private readonly Dictionary<string, ArenaSlice> _slices = new();
    private readonly List<FloatKernel> _kernels = new();

    public LoweringContext(Graph graph) => Graph = graph;

    public Graph Graph { get; }
    public IReadOnlyList<FloatKernel> Kernels => _kernels;

    /// <summary>The arena place of each value lowered so far (an int8 bake fixes a QDQ model's tensors through it).</summary>
    public IReadOnlyDictionary<string, ArenaSlice> Slices => _slices;

    public void Add(FloatKernel kernel) => _kernels.Add(kernel);

    /// <summary>The arena place of <paramref name="value"/>, created on first use.</summary>
    public ArenaSlice Slice(string value)
    {
        if (!_slices.TryGetValue(value, out var slice))
            _slices[value] = slice = new ArenaSlice(value, Graph[value].Type, ShapeMath.Length(Shape(value)), shape: Shape(value));
        return slice;
    }

    /// <summary>Makes <paramref name="output"/> share <paramref name="input"/>'s storage: same elements, same order.</summary>
    public void Alias(string output, string input) => _slices[output] = Slice(input);

    public int[] Shape(string value) => Graph[value].Shape
        ?? throw new InvalidOperationException($"Shape of '{value}' was not inferred.");

    /// <summary>Input <paramref name="index"/> of the node, which must be computed at run time.</summary>
    public Value Activation(Node node, int index, string role)
    {
        var value = Graph[node.Inputs[index]];
        if (value.IsConstant)
            throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                $"Node {node.Describe()}: input {role} ('{value.Name}') is a constant; ModelBaker supports {node.OpType} with the activation as {role} and constant weights.");
        return value;
    }

    /// <summary>Input <paramref name="index"/> of the node, which must be a constant (initializer or folded).</summary>
    public Tensor Constant(Node node, int index, string role)
    {
        var value = Graph[node.Inputs[index]];
        if (!value.IsConstant)
            throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                $"Node {node.Describe()}: input {role} ('{value.Name}') is computed at run time; ModelBaker supports {node.OpType} only with {role} a constant initializer.");
        return value.Constant!;
    }

    public bool HasInput(Node node, int index) => node.Inputs.Count > index && node.Inputs[index].Length > 0;

    public bool IsUsed(string value) => Graph.Outputs.Contains(value) || Graph.Consumers(value).Any();

    /// <summary>
    /// The step that writes <paramref name="value"/>, if <paramref name="value"/> is read by one node only and is
    /// not a graph output: then that node may fold itself into the step.
    /// </summary>
    public FloatKernel? FusableProducer(string value)
    {
        if (Graph.Outputs.Contains(value) || Graph.Consumers(value).Count() != 1 || !_slices.TryGetValue(value, out var slice)) return null;
        return _kernels.FirstOrDefault(k => k.Output == slice && k.Output.TensorName == value);
    }

    /// <summary>Puts <paramref name="replacement"/> (which writes a new value) where <paramref name="old"/> was.</summary>
    public void Replace(FloatKernel old, FloatKernel replacement)
    {
        _kernels[_kernels.IndexOf(old)] = replacement;
        _slices.Remove(old.Output.TensorName);
    }
}
