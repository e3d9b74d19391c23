using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Core.Pipeline;

/// <summary>
/// Turns a shape-inferred, constant-folded graph into float plan steps, fusing what exporters split:
/// Gemm/MatMul (+ bias Add) (+ Relu) become one fully connected step with weights in [units, depth] layout
/// (alpha, beta and transB applied at bake time); reshaping ops (Reshape, Flatten, Identity, Dropout) become
/// no step at all, their output sharing the input's place in the arena.
/// </summary>
public sealed class FloatLowering
{
    private readonly Graph _graph;
    private readonly Dictionary<string, ArenaSlice> _slices = new();
    private readonly List<FloatKernel> _kernels = new();

    private FloatLowering(Graph graph) => _graph = graph;

    public sealed record Result(IReadOnlyList<PlanTensor> Inputs, IReadOnlyList<PlanTensor> Outputs, IReadOnlyList<FloatKernel> Kernels);

    public static Result Lower(Graph graph) => new FloatLowering(graph).Run();

    private Result Run()
    {
        foreach (string name in _graph.Inputs.Concat(_graph.Outputs))
            if (_graph[name].Type != ElementType.Float32)
                throw new BakeException(ErrorCodes.UnsupportedElementType,
                    $"Graph {(_graph.Inputs.Contains(name) ? "input" : "output")} '{name}' is {_graph[name].Type}; the generated Predict takes and returns float32 tensors. Cast at the model's edges in the exporter.");
        var inputs = _graph.Inputs.Select(name => new PlanTensor(name, _graph[name].Type, Shape(name), Slice(name))).ToList();
        foreach (var node in _graph.Nodes) LowerNode(node);
        var outputs = _graph.Outputs.Select(name =>
        {
            if (_graph[name].IsConstant)
                throw new BakeException(ErrorCodes.InvalidGraph, $"Graph output '{name}' does not depend on any input: it is a constant. Remove it from the model's outputs.");
            return new PlanTensor(name, _graph[name].Type, Shape(name), Slice(name));
        }).ToList();
        return new Result(inputs, outputs, _kernels);
    }

    private void LowerNode(Node node)
    {
        switch (node.OpType)
        {
            case "Gemm": LowerGemm(node); break;
            case "MatMul": LowerMatMul(node); break;
            case "Add": LowerAdd(node); break;
            case "Relu": LowerActivation(node, UnaryFunction.Relu); break;
            case "Sigmoid": LowerActivation(node, UnaryFunction.Sigmoid); break;
            case "Tanh": LowerActivation(node, UnaryFunction.Tanh); break;
            case "Softmax": LowerSoftmax(node); break;
            case "Dropout" when node.Outputs.Count > 1 && node.Outputs[1].Length > 0 && IsUsed(node.Outputs[1]):
                throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                    $"Node {node.Describe()}: its mask output '{node.Outputs[1]}' is used, but at inference a Dropout mask carries no information and is not supported. Remove the mask from the graph's outputs.");
            case "Reshape":
            case "Flatten":
            case "Identity":
            case "Dropout":
                _slices[node.Outputs[0]] = Slice(node.Inputs[0]); // same elements, same order: share the storage
                break;
            default:
                throw new BakeException(ErrorCodes.UnsupportedOperators, $"Node {node.Describe()} has no kernel in this version of ModelBaker.");
        }
    }

    private void LowerGemm(Node node)
    {
        var a = Activation(node, 0, "A");
        var b = Constant(node, 1, "B");
        float alpha = node.GetFloat("alpha", 1f), beta = node.GetFloat("beta", 1f);
        bool transA = node.GetInt("transA", 0) != 0, transB = node.GetInt("transB", 0) != 0;
        int[] aShape = Shape(a.Name);
        int m = transA ? aShape[1] : aShape[0], k = transA ? aShape[0] : aShape[1];
        int n = transB ? b.Shape[0] : b.Shape[1];
        var bData = b.AsFloats();
        var weights = new float[n * k];
        for (int unit = 0; unit < n; unit++)
            for (int d = 0; d < k; d++)
                weights[unit * k + d] = alpha * (transB ? bData[unit * k + d] : bData[d * n + unit]);

        var bias = new float[n];
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            var c = Constant(node, 2, "C");
            var perUnit = PerUnitBias(c, m, n)
                ?? throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                    $"Node {node.Describe()}: input C of shape {ShapeMath.Format(c.Shape)} differs between rows; only a C that broadcasts as [{n}] (one value per output unit) is supported.");
            for (int unit = 0; unit < n; unit++) bias[unit] = beta * perUnit[unit];
        }
        AddFullyConnected(node, a.Name, m, k, transA ? 1 : k, transA ? m : 1, weights, bias);
    }

    private void LowerMatMul(Node node)
    {
        var a = Activation(node, 0, "A");
        var b = Constant(node, 1, "B");
        if (b.Shape.Length != 2)
            throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                $"Node {node.Describe()}: the constant B has shape {ShapeMath.Format(b.Shape)}; only a 2-D B ([depth, units]) is supported.");
        int[] aShape = Shape(a.Name);
        int k = b.Shape[0], n = b.Shape[1];
        int rows = ShapeMath.Length(aShape) / k;
        var bData = b.AsFloats();
        var weights = new float[n * k];
        for (int unit = 0; unit < n; unit++)
            for (int d = 0; d < k; d++)
                weights[unit * k + d] = bData[d * n + unit];
        AddFullyConnected(node, a.Name, rows, k, k, 1, weights, new float[n]);
    }

    private void AddFullyConnected(Node node, string input, int rows, int depth, int rowStride, int columnStride, float[] weights, float[] bias)
    {
        string output = node.Outputs[0];
        _kernels.Add(new FullyConnectedFloat(node.Describe(), Slice(input), Slice(output), rows, depth, rowStride, columnStride,
            weights, bias, float.NegativeInfinity, float.PositiveInfinity));
    }

    private void LowerAdd(Node node)
    {
        string output = node.Outputs[0];
        int[] outShape = Shape(output);
        // Bias after a fully connected step: fold it into the step's bias.
        for (int side = 0; side < 2; side++)
        {
            var other = _graph[node.Inputs[1 - side]];
            if (other.IsConstant && FusableProducer(node.Inputs[side]) is FullyConnectedFloat fc
                && ShapeMath.Length(outShape) == fc.Output.Length && PerUnitBias(other.Constant!, fc.Rows, fc.Units) is { } bias)
            {
                Replace(fc, new FullyConnectedFloat(fc.Source + " + " + node.Describe(), fc.Input, Slice(output), fc.Rows, fc.Depth,
                    fc.RowStride, fc.ColumnStride, fc.Weights, fc.Bias.Zip(bias, (x, y) => x + y).ToArray(), fc.ActivationMin, fc.ActivationMax));
                return;
            }
        }
        _kernels.Add(new AddFloat(node.Describe(), outShape, Operand(node.Inputs[0], outShape), Operand(node.Inputs[1], outShape),
            float.NegativeInfinity, float.PositiveInfinity, Slice(output)));
    }

    private void LowerActivation(Node node, UnaryFunction function)
    {
        string output = node.Outputs[0];
        if (function == UnaryFunction.Relu)
        {
            switch (FusableProducer(node.Inputs[0]))
            {
                case FullyConnectedFloat fc when float.IsNegativeInfinity(fc.ActivationMin):
                    Replace(fc, new FullyConnectedFloat(fc.Source + " + " + node.Describe(), fc.Input, Slice(output), fc.Rows, fc.Depth,
                        fc.RowStride, fc.ColumnStride, fc.Weights, fc.Bias, 0f, fc.ActivationMax));
                    return;
                case AddFloat add when float.IsNegativeInfinity(add.ActivationMin):
                    Replace(add, new AddFloat(add.Source + " + " + node.Describe(), add.Shape, add.A, add.B, 0f, add.ActivationMax, Slice(output)));
                    return;
            }
        }
        _kernels.Add(new UnaryFloat(node.Describe(), function, Slice(node.Inputs[0]), Slice(output)));
    }

    private void LowerSoftmax(Node node)
    {
        int[] shape = Shape(node.Inputs[0]);
        int rank = shape.Length;
        int axis = (int)node.GetInt("axis", _graph.Opset >= 13 ? -1 : 1);
        if (axis < 0) axis += rank;
        if (_graph.Opset >= 13 && axis != rank - 1)
            throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                $"Node {node.Describe()}: softmax along axis {axis} of a rank-{rank} tensor; only the last axis is supported. Transpose before the softmax or export with axis=-1.");
        // Before opset 13 the input is coerced to 2-D at `axis`: rows = dims before it, columns = the rest.
        int rows = 1;
        for (int d = 0; d < axis; d++) rows *= shape[d];
        int columns = ShapeMath.Length(shape) / Math.Max(rows, 1);
        _kernels.Add(new SoftmaxFloat(node.Describe(), rows, columns, Slice(node.Inputs[0]), Slice(node.Outputs[0])));
    }

    private bool IsUsed(string value) => _graph.Outputs.Contains(value) || _graph.Consumers(value).Any();

    /// <summary>The step writing <paramref name="value"/>, if this node is its only reader and it is not a graph output.</summary>
    private FloatKernel? FusableProducer(string value)
    {
        if (_graph.Outputs.Contains(value) || _graph.Consumers(value).Count() != 1 || !_slices.TryGetValue(value, out var slice)) return null;
        return _kernels.FirstOrDefault(k => k.Output == slice && k.Output.TensorName == value);
    }

    private void Replace(FloatKernel old, FloatKernel replacement)
    {
        _kernels[_kernels.IndexOf(old)] = replacement;
        _slices.Remove(old.Output.TensorName);
    }

    /// <summary>C's values as one per unit when C broadcasts to [rows, units] without varying along rows.</summary>
    private static float[]? PerUnitBias(Tensor c, int rows, int units)
    {
        int[] shape = c.Shape;
        bool perUnit = shape.Length == 0 || shape.Take(shape.Length - 1).All(d => d == 1) && (shape[shape.Length - 1] == units || shape[shape.Length - 1] == 1);
        bool wholeSingleRow = rows == 1 && c.Length == units;
        if (!perUnit && !wholeSingleRow) return null;
        var data = c.AsFloats();
        return data.Length == units ? data : Enumerable.Repeat(data[0], units).ToArray();
    }

    private Operand<float> Operand(string name, int[] outShape)
    {
        var value = _graph[name];
        int[] shape = Shape(name);
        int[] strides = ShapeMath.BroadcastStrides(shape, outShape);
        return value.IsConstant
            ? new Operand<float>(null, value.Constant!.AsFloats(), strides)
            : new Operand<float>(Slice(name), null, strides);
    }

    private Value Activation(Node node, int index, string role)
    {
        var value = _graph[node.Inputs[index]];
        if (value.IsConstant)
            throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                $"Node {node.Describe()}: input {role} ('{value.Name}') is a constant; ModelBaker supports {node.OpType} with the activation as {role} and constant weights as B.");
        return value;
    }

    private Tensor Constant(Node node, int index, string role)
    {
        var value = _graph[node.Inputs[index]];
        if (!value.IsConstant)
            throw new BakeException(ErrorCodes.UnsupportedOperatorUsage,
                $"Node {node.Describe()}: input {role} ('{value.Name}') is computed at run time; ModelBaker supports {node.OpType} only with {role} a constant initializer.");
        return value.Constant!;
    }

    private int[] Shape(string name) => _graph[name].Shape
        ?? throw new InvalidOperationException($"Shape of '{name}' was not inferred.");

    private ArenaSlice Slice(string name)
    {
        if (!_slices.TryGetValue(name, out var slice))
            _slices[name] = slice = new ArenaSlice(name, _graph[name].Type, ShapeMath.Length(Shape(name)));
        return slice;
    }
}
