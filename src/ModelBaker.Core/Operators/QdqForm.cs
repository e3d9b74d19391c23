using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Lowering;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Operators;

/// <summary>
/// A quantized operator (the QOperator format: QLinearConv, com.microsoft QLinearAdd, …) that means a float operator
/// between DequantizeLinear and QuantizeLinear: its QDQ form. An int8 bake replaces the node by that form before it reads
/// a QDQ model's parameters (Compression/QdqModel), so the model's own scales and zero points fix the int8 step's.
/// </summary>
public interface IQdqForm
{
    /// <summary>
    /// The nodes computing <paramref name="node"/>'s float meaning — DequantizeLinear of each quantized input, the float
    /// operator(s), QuantizeLinear into the node's output — in order, written with <paramref name="form"/>.
    /// </summary>
    void Build(Node node, QdqFormBuilder form);
}

/// <summary>
/// Writes a node's QDQ form: its sub-nodes reuse the node's inputs (scales, zero points, constant weights) by name and
/// give every intermediate value a name derived from the node's first output, so the form can be written into the
/// model's graph (<see cref="Expand"/>) or into a scratch graph (<see cref="QdqFormOperator"/>'s shape rules and
/// reference semantics).
/// </summary>
public sealed class QdqFormBuilder
{
    private readonly Node _node;
    private readonly Graph _graph;
    private readonly List<Node> _nodes = new();
    private int _count;

    private QdqFormBuilder(Node node, Graph graph)
    {
        _node = node;
        _graph = graph;
    }

    public Graph Graph => _graph;

    /// <summary>
    /// Writes <paramref name="form"/> of <paramref name="node"/> into <paramref name="graph"/>: the intermediate values
    /// (shapes inferred) and constants it needs; returns its nodes in order. With <paramref name="fold"/>, a sub-node
    /// whose inputs are all constant is evaluated at once (its output becomes a constant) and left out.
    /// </summary>
    public static IReadOnlyList<Node> Expand(IQdqForm form, Node node, Graph graph, bool fold)
    {
        var builder = new QdqFormBuilder(node, graph);
        form.Build(node, builder);
        var kept = new List<Node>();
        foreach (var sub in builder._nodes)
        {
            var op = OperatorRegistry.Find(sub.OpType)!;
            op.InferShapes(sub, graph);
            var inputs = sub.Inputs.Select(i => i.Length == 0 ? null : graph[i].Constant).ToArray();
            if (fold && sub.Inputs.Where(i => i.Length > 0).All(i => graph[i].IsConstant))
            {
                var outputs = op.Evaluate(sub, inputs, graph.Opset);
                for (int o = 0; o < sub.Outputs.Count; o++)
                    if (sub.Outputs[o].Length > 0) FoldedConstants.Set(graph[sub.Outputs[o]], outputs[o]);
            }
            else kept.Add(sub);
        }
        return kept;
    }

    /// <summary>The type of input <paramref name="index"/> of the node.</summary>
    public ElementType TypeOf(int index) => _graph[_node.Inputs[index]].Type;

    /// <summary>The shape of input <paramref name="index"/> of the node.</summary>
    public int[] ShapeOf(int index) => _graph[_node.Inputs[index]].Shape!;

    /// <summary>The constant data of input <paramref name="index"/> (null when it is computed at run time).</summary>
    public Tensor? ConstantOf(int index) => _graph[_node.Inputs[index]].Constant;

    /// <summary>Whether optional input <paramref name="index"/> is given.</summary>
    public bool Has(int index) => OperatorHelpers.OptionalInput(_node, index) != null;

    /// <summary>Input <paramref name="index"/>'s name.</summary>
    public string Input(int index) => _node.Inputs[index];

    /// <summary>A new constant (a scale the form computes, a zero point the node omits).</summary>
    public string Constant(Tensor data)
    {
        string name = NewName("constant");
        _graph.Add(new Value(name, data.Type, data.Shape, data));
        return name;
    }

    /// <summary>
    /// DequantizeLinear of input <paramref name="data"/> with the node's inputs <paramref name="scale"/> and
    /// <paramref name="zeroPoint"/> (−1 or omitted: 0 of the data's type); <paramref name="axis"/> for per-axis scales.
    /// </summary>
    public string Dequantize(int data, int scale, int zeroPoint, long? axis = null) =>
        Dequantize(Input(data), Input(scale), ZeroPoint(zeroPoint, TypeOf(data)), axis);

    /// <summary>DequantizeLinear of values by name (zero point "" for none).</summary>
    public string Dequantize(string data, string scale, string zeroPoint, long? axis = null) =>
        Add("DequantizeLinear", new[] { data, scale, zeroPoint }, axis is { } a ? new[] { GraphAttribute.Int("axis", a) } : Array.Empty<Attribute>());

    /// <summary>
    /// DequantizeLinear of constant weights (input <paramref name="data"/>) with <paramref name="scales"/> (default: input
    /// <paramref name="scale"/>'s) and input <paramref name="zeroPoint"/>'s zero points (−1 or omitted: 0): one of each
    /// for the whole tensor, or — when either has several — one of each per index of <paramref name="axis"/>.
    /// </summary>
    public string DequantizeWeights(int data, int scale, int zeroPoint, int axis, float[]? scales = null)
    {
        scales ??= ConstantOf(scale)!.AsFloats();
        var type = TypeOf(data);
        long[] zeroPoints = zeroPoint >= 0 && Has(zeroPoint) ? ConstantOf(zeroPoint)?.Int64s
            ?? throw OperatorHelpers.UnsupportedUsage(_node, $"its zero point '{Input(zeroPoint)}' is computed at run time.", "Give it as an initializer.")
            : new long[1];
        int count = Math.Max(scales.Length, zeroPoints.Length);
        if (scales.Length != 1 && zeroPoints.Length != 1 && scales.Length != zeroPoints.Length)
            throw OperatorHelpers.ShapeError(_node, $"it has {scales.Length} weight scales but {zeroPoints.Length} weight zero points.");
        int[] shape = count == 1 ? Array.Empty<int>() : new[] { count };
        string s = Constant(Tensor.FromFloats(shape, Enumerable.Range(0, count).Select(i => scales[scales.Length == 1 ? 0 : i]).ToArray()));
        string z = Constant(Tensor.FromInt64s(shape, Enumerable.Range(0, count).Select(i => zeroPoints[zeroPoints.Length == 1 ? 0 : i]).ToArray(), type));
        return Dequantize(Input(data), s, z, count == 1 ? null : axis);
    }

    /// <summary>DequantizeLinear of an int32 bias (input <paramref name="data"/>) at <paramref name="scales"/>, zero point 0, per index of <paramref name="axis"/> when several.</summary>
    public string DequantizeBias(int data, float[] scales, int axis)
    {
        string s = Constant(Tensor.FromFloats(scales.Length == 1 ? Array.Empty<int>() : new[] { scales.Length }, scales));
        return Dequantize(Input(data), s, "", scales.Length == 1 ? null : axis);
    }

    /// <summary>A float operator of the form; returns its (first) output.</summary>
    public string Float(string opType, IReadOnlyList<string> inputs, params Attribute[] attributes) => Add(opType, inputs, attributes);

    /// <summary>QuantizeLinear of <paramref name="x"/> into the node's output, with the node's inputs <paramref name="scale"/> and <paramref name="zeroPoint"/>.</summary>
    public void Quantize(string x, int scale, int zeroPoint, ElementType type)
    {
        string zp = ZeroPoint(zeroPoint, type);
        _nodes.Add(new Node(SubName("QuantizeLinear"), "QuantizeLinear", new[] { x, Input(scale), zp }, new[] { _node.Outputs[0] },
            new Dictionary<string, Attribute>()));
    }

    /// <summary>The form's result goes to the node's output as it is (a QGemm without y_scale has a float output).</summary>
    public void Output(string x) =>
        _nodes.Add(new Node(SubName("Identity"), "Identity", new[] { x }, new[] { _node.Outputs[0] }, new Dictionary<string, Attribute>()));

    private string ZeroPoint(int index, ElementType type) =>
        index >= 0 && Has(index) ? Input(index) : Constant(Tensor.FromInt64s(Array.Empty<int>(), new[] { 0L }, type));

    private string Add(string opType, IReadOnlyList<string> inputs, IReadOnlyList<Attribute> attributes)
    {
        string output = NewName(opType);
        _graph.Add(new Value(output, ElementType.Float32));
        _nodes.Add(new Node(SubName(opType), opType, inputs.ToArray(), new[] { output }, attributes.ToDictionary(a => a.Name, StringComparer.Ordinal)));
        return output;
    }

    private string SubName(string opType) => $"{_node.Name}/{opType}_{_count++}";

    private string NewName(string what) => $"{_node.Outputs[0]}:{what}_{_count++}";
}

/// <summary>Attributes for the nodes of a QDQ form.</summary>
internal static class GraphAttribute
{
    public static Attribute Int(string name, long value) => new() { Name = name, Kind = AttributeKind.Int, Int = value };
    public static Attribute Float(string name, float value) => new() { Name = name, Kind = AttributeKind.Float, Float = value };
    public static Attribute Ints(string name, long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };
    public static Attribute String(string name, string value) => new() { Name = name, Kind = AttributeKind.String, String = value };
}

/// <summary>
/// A quantized operator defined by its QDQ form alone (the com.microsoft QOperator ops): its shape rules, reference
/// semantics and float plan steps are the form's — DequantizeLinear steps, the float operator's steps, a QuantizeLinear
/// step — so a float plan computes x / y_scale in float32 rounded half to even, as QuantizeLinear does.
/// </summary>
public abstract class QdqFormOperator : IOperator, IBakeTimeInputs, IQdqForm
{
    public abstract string OpType { get; }
    public abstract OperatorSupport Support { get; }
    public abstract IReadOnlyList<int> BakeTimeInputs { get; }

    /// <summary>What every QOperator op declares: its float form and, in int8 plans, the model's own parameters.</summary>
    protected static OperatorSupport QOperator(string floatForm, string int8Steps, params string[] refuses) =>
        new(OperatorFamily.QuantizedModels, 1, floatForm + "; int8 or uint8; as its QDQ form: dequantize, the float steps, quantize (x / y_scale in float32, halves to even), within one output step of ONNX Runtime",
            Int8Form.Integer, int8Steps + " with the model's own scales and zero points, no calibration (docs/compression.md §6)", Nano: true)
        { Refuses = refuses };

    /// <summary>Checks the node's inputs (count, types) before its form is written.</summary>
    protected abstract void Check(Node node, Graph graph);

    public abstract void Build(Node node, QdqFormBuilder form);

    public void InferShapes(Node node, Graph graph)
    {
        Check(node, graph);
        var scratch = Scratch(node, graph.Opset, name => graph[name]);
        QdqFormBuilder.Expand(this, node, scratch, fold: true);
        var output = scratch[node.Outputs[0]];
        OperatorHelpers.SetOutput(node, graph, 0, output.Type, output.Shape!);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < node.Inputs.Count && i < inputs.Length; i++)
            if (node.Inputs[i].Length > 0 && inputs[i] != null) byName[node.Inputs[i]] = inputs[i]!;
        var scratch = Scratch(node, opset, name => new Value(name, byName[name].Type, byName[name].Shape, byName[name]));
        QdqFormBuilder.Expand(this, node, scratch, fold: true);
        return new[] { scratch[node.Outputs[0]].Constant! };
    }

    /// <summary>The form's steps: constant sub-nodes (dequantized weights, biases) fold at bake time.</summary>
    public void Lower(Node node, LoweringContext context)
    {
        foreach (var sub in QdqFormBuilder.Expand(this, node, context.Graph, fold: true))
            OperatorRegistry.Find(sub.OpType)!.Lower(sub, context);
    }

    /// <summary>A graph holding the node's inputs (copies, so nothing is written into the model's graph).</summary>
    private static Graph Scratch(Node node, long opset, Func<string, Value> input)
    {
        var scratch = new Graph { Name = node.Name, Opset = opset };
        foreach (string name in node.Inputs.Where(n => n.Length > 0).Distinct())
        {
            var value = input(name);
            scratch.Add(new Value(name, value.Type, value.Shape, value.Constant));
        }
        return scratch;
    }
}
