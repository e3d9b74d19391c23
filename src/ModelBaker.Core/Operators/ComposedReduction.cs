using System;
using System.Collections.Generic;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// A reduction ONNX defines as other operators around a plain one — ReduceL1 = ReduceSum(|x|), ReduceL2 =
/// √ReduceSumSquare(x), ReduceLogSum = ln ReduceSum(x), ReduceLogSumExp = ln Σ e^(x − max) + max — written as those
/// nodes by shape inference (<see cref="IExpansion"/>), so each inherits the float, int8 and nanoFramework forms of
/// the nodes it becomes. Axes, keepdims and noop_with_empty_axes carry over; the axes become an input or an attribute
/// as the inner reduction reads them at the model's opset (ReduceSum from opset 13, the others from 18).
/// </summary>
public abstract class ComposedReduction : ExpandedOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1 (the axes, from opset 18).</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1 };

    /// <summary>What the composed reductions share; <paramref name="what"/> names the nodes it becomes.</summary>
    protected static OperatorSupport Composed(string what) =>
        new(OperatorFamily.Reductions, 1, $"{what}, over any axes (an attribute, a constant input from opset 18); keepdims, noop_with_empty_axes",
            Int8Form.Integer, "as the nodes it becomes", Nano: true)
        { NanoDetails = "as the nodes it becomes", Refuses = new[] { "axes computed at run time" } };

    public sealed override IReadOnlyList<Node> Expand(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 2);
        if (node.Outputs.Count != 1) throw InvalidGraph(node, $"it has {node.Outputs.Count} outputs; {OpType} has one.");
        var writer = new ExpansionWriter(node, graph);
        var axes = Axes(node, graph);
        if (axes.Length == 0 && node.GetInt("noop_with_empty_axes", 0) != 0)
            writer.Add("Identity", "Identity", new[] { node.Inputs[0] }, node.Outputs); // no axes and no-op: the input as it is
        else
            Write(new Composition(writer, graph, node, axes), node.Inputs[0], node.Outputs[0]);
        return writer.Nodes;
    }

    /// <summary>Writes the nodes computing <paramref name="output"/> from <paramref name="x"/>.</summary>
    protected abstract void Write(Composition c, string x, string output);

    /// <summary>The node's axes (empty: all of them), from its attribute or constant input.</summary>
    private static long[] Axes(Node node, Graph graph)
    {
        if (OptionalInput(node, 1) is not { } name) return node.GetInts("axes") ?? Array.Empty<long>();
        var value = graph.Values[name];
        if (value.Constant?.Int64s is not { } axes || graph.Inputs.Contains(name))
            throw UnsupportedUsage(node, $"its axes '{name}' are computed at run time, but ModelBaker needs them constant.",
                "Export the model with constant axes (an initializer), or simplify it with onnxsim.");
        return axes;
    }

    /// <summary>Writes the nodes of one composition: element-wise ones and reductions over the node's axes.</summary>
    protected sealed class Composition
    {
        private readonly ExpansionWriter _writer;
        private readonly Graph _graph;
        private readonly long[] _axes;
        private readonly long _keepDims;

        internal Composition(ExpansionWriter writer, Graph graph, Node node, long[] axes)
        {
            _writer = writer;
            _graph = graph;
            _axes = axes;
            _keepDims = node.GetInt("keepdims", 1);
        }

        /// <summary>An element-wise node of <paramref name="opType"/> on <paramref name="inputs"/>, into <paramref name="output"/> when given.</summary>
        public string Elementwise(string opType, string? output, params string[] inputs) => Into(opType, inputs, output);

        /// <summary>
        /// <paramref name="opType"/> (ReduceSum, ReduceSumSquare or ReduceMax) of <paramref name="x"/> over the node's axes,
        /// keeping the reduced dimensions when <paramref name="keepDims"/> or the node does.
        /// </summary>
        public string Reduce(string opType, string x, string? output = null, bool keepDims = false)
        {
            bool axesInput = _graph.Opset >= (opType == "ReduceSum" ? 13 : 18);
            var attributes = new List<Ir.Attribute> { GraphAttribute.Int("keepdims", keepDims ? 1 : _keepDims) };
            var inputs = new List<string> { x };
            if (_axes.Length > 0)
            {
                if (axesInput) inputs.Add(_writer.NewConstant("axes", Tensor.FromInt64s(new[] { _axes.Length }, _axes)));
                else attributes.Add(GraphAttribute.Ints("axes", _axes));
            }
            return Into(opType, inputs.ToArray(), output, attributes.ToArray());
        }

        private string Into(string opType, string[] inputs, string? output, params Ir.Attribute[] attributes)
        {
            if (output == null) return _writer.Add(opType, opType, inputs, attributes);
            _writer.Add(opType, opType, inputs, new[] { output }, attributes);
            return output;
        }
    }
}
