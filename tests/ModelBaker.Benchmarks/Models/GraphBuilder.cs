using System;
using System.Linq;
using ModelBaker.Core.Ir;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Benchmarks.Models;

/// <summary>What a convolution block ends with.</summary>
internal enum BlockActivation { None, Relu, Relu6 }

/// <summary>
/// Builds a model in ModelBaker's own IR, as PyTorch exports it (convolutions without bias, each followed by
/// BatchNormalization), with random weights from a seed: He-normal convolutions, batch statistics near 1. A model of the
/// right shape and size for speed, never for accuracy; <see cref="Core.Onnx.OnnxModelWriter"/> writes it as ONNX.
/// </summary>
internal sealed class GraphBuilder
{
    private readonly Random _random;
    private int _count;

    public GraphBuilder(string name, int seed)
    {
        _random = new Random(seed);
        Graph = new Graph { Name = name, Opset = 13 };
    }

    public Graph Graph { get; }

    /// <summary>Declares a float input of the given shape.</summary>
    public string Input(string name, params int[] shape)
    {
        Graph.Add(new Value(name, ElementType.Float32, shape));
        Graph.Inputs.Add(name);
        return name;
    }

    /// <summary>Conv (no bias) → BatchNormalization → the activation (ReLU6 as Clip(0, 6)), "same" padding.</summary>
    public string ConvBlock(string input, int inputs, int outputs, int kernel, int stride, int groups, BlockActivation activation)
    {
        int fanIn = inputs / groups * kernel * kernel;
        string weights = Constant(new[] { outputs, inputs / groups, kernel, kernel }, Math.Sqrt(2.0 / fanIn));
        long pad = kernel / 2;
        string conv = Node("Conv", new[] { input, weights }, null, Attr.Ints("kernel_shape", kernel, kernel), Attr.Ints("strides", stride, stride),
            Attr.Ints("pads", pad, pad, pad, pad), Attr.Int("group", groups));
        string scale = Constant(new[] { outputs }, 0.2, mean: 1);
        string shift = Constant(new[] { outputs }, 0.1);
        string mean = Constant(new[] { outputs }, 0.1);
        string variance = Constant(new[] { outputs }, 0.2, mean: 1, positive: true);
        string normalized = Node("BatchNormalization", new[] { conv, scale, shift, mean, variance }, null, Attr.Float("epsilon", 1e-5f));
        switch (activation)
        {
            case BlockActivation.Relu6:
                string low = Constant(Array.Empty<int>(), 0, mean: 0), high = Constant(Array.Empty<int>(), 0, mean: 6);
                return Node("Clip", new[] { normalized, low, high });
            case BlockActivation.Relu:
                return Node("Relu", new[] { normalized });
            default:
                return normalized;
        }
    }

    /// <summary>GlobalAveragePool → Flatten → Gemm to <paramref name="classes"/> logits, the graph's output.</summary>
    public string Classifier(string input, int channels, int classes)
    {
        string x = Node("GlobalAveragePool", new[] { input });
        x = Node("Flatten", new[] { x });
        string weights = Constant(new[] { classes, channels }, Math.Sqrt(1.0 / channels));
        string bias = Constant(new[] { classes }, 0.1);
        string logits = Node("Gemm", new[] { x, weights, bias }, "logits", Attr.Int("transB", 1));
        Graph.Outputs.Add(logits);
        return logits;
    }

    /// <summary>A float constant, normal with the given deviation around the mean (its absolute value if positive).</summary>
    public string Constant(int[] shape, double deviation, double mean = 0, bool positive = false)
    {
        var data = new float[shape.Aggregate(1, (a, b) => a * b)];
        for (int i = 0; i < data.Length; i++)
        {
            // Box–Muller: a standard normal from two uniforms.
            double normal = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());
            double value = mean + deviation * normal;
            data[i] = (float)(positive ? Math.Abs(value) + 1e-3 : value);
        }
        string name = $"constant_{_count++}";
        var tensor = Tensor.FromFloats(shape, data);
        Graph.Add(new Value(name, tensor.Type, tensor.Shape, tensor));
        return name;
    }

    public string Node(string opType, string[] inputs, string? output = null, params Attribute[] attributes)
    {
        string name = $"{opType}_{_count++}";
        output ??= name + "_output";
        Graph.Add(new Value(output, ElementType.Float32));
        Graph.Nodes.Add(new Node(name, opType, inputs, new[] { output }, attributes.ToDictionary(a => a.Name)));
        return output;
    }

    public static class Attr
    {
        public static Attribute Int(string name, long value) => new() { Name = name, Kind = AttributeKind.Int, Int = value };
        public static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };
        public static Attribute Float(string name, float value) => new() { Name = name, Kind = AttributeKind.Float, Float = value };
    }
}
