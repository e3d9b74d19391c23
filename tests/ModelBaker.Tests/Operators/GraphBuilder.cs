using ModelBaker.Core.Ir;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Operators;

/// <summary>Builds small IR graphs in C# for tests: inputs, constants, nodes, outputs.</summary>
internal sealed class GraphBuilder
{
    public Graph Graph { get; }

    public GraphBuilder(long opset = 13) => Graph = new Graph { Name = "test", Opset = opset };

    public GraphBuilder Input(string name, params int[] shape) => Input(name, ElementType.Float32, shape);

    public GraphBuilder Input(string name, ElementType type, params int[] shape)
    {
        Graph.Add(new Value(name, type, shape));
        Graph.Inputs.Add(name);
        return this;
    }

    public GraphBuilder Constant(string name, Tensor tensor)
    {
        Graph.Add(new Value(name, tensor.Type, tensor.Shape, tensor));
        return this;
    }

    public GraphBuilder Node(string opType, string[] inputs, string[] outputs, params Attribute[] attributes)
    {
        foreach (string output in outputs)
            if (output.Length > 0 && !Graph.Values.ContainsKey(output)) Graph.Add(new Value(output, ElementType.Float32));
        Graph.Nodes.Add(new Node($"{opType}_{Graph.Nodes.Count}", opType, inputs, outputs,
            attributes.ToDictionary(a => a.Name)));
        return this;
    }

    public GraphBuilder Output(params string[] names)
    {
        Graph.Outputs.AddRange(names);
        return this;
    }

    public static Attribute Int(string name, long value) => new() { Name = name, Kind = AttributeKind.Int, Int = value };
    public static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };
    public static Attribute Float(string name, float value) => new() { Name = name, Kind = AttributeKind.Float, Float = value };
}

/// <summary>Tensor shorthands for tests.</summary>
internal static class T
{
    public static Tensor F(int[] shape, params float[] data) => Tensor.FromFloats(shape, data);
    public static Tensor I(int[] shape, params long[] data) => Tensor.FromInt64s(shape, data);
    public static int[] S(params int[] shape) => shape;

    /// <summary>0, 1, 2, ... as floats, scaled: easy to compute by hand.</summary>
    public static Tensor Range(int[] shape, float scale = 1f) =>
        Tensor.FromFloats(shape, Enumerable.Range(0, ShapeMath.Length(shape)).Select(i => i * scale).ToArray());
}
