using System;
using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Benchmarks.Models;

/// <summary>
/// MobileNetV1 with width multiplier 0.25 at 96×96 — the visual wake words model: 2 classes, 213 k parameters — as PyTorch
/// exports it (convolutions without bias, each followed by BatchNormalization and ReLU6 as Clip; global average pooling,
/// Flatten, Gemm). Random weights from a seed (He-normal convolutions, batch statistics near 1): a model of the right shape
/// and size for speed, never for accuracy. Written with ModelBaker's own IR and ONNX writer, so no Python is needed.
/// </summary>
internal static class MobileNetV1
{
    public const int Size = 96;

    /// <summary>Channels of the depthwise-separable blocks at width 1.0, and the stride of each depthwise step.</summary>
    private static readonly (int Channels, int Stride)[] Blocks =
    {
        (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1),
    };

    public static Graph Build(int seed, double width = 0.25, int classes = 2)
    {
        var builder = new Builder(seed);
        var graph = builder.Graph;
        graph.Add(new Value("image", ElementType.Float32, new[] { 1, 3, Size, Size }));
        graph.Inputs.Add("image");
        int channels = (int)(32 * width);
        string x = builder.ConvBlock("image", 3, channels, 3, 2, groups: 1);
        foreach (var (full, stride) in Blocks)
        {
            x = builder.ConvBlock(x, channels, channels, 3, stride, groups: channels); // depthwise
            int outputs = (int)(full * width);
            x = builder.ConvBlock(x, channels, outputs, 1, 1, groups: 1); // pointwise
            channels = outputs;
        }
        x = builder.Node("GlobalAveragePool", new[] { x });
        x = builder.Node("Flatten", new[] { x });
        string weights = builder.Constant(new[] { classes, channels }, Math.Sqrt(1.0 / channels));
        string bias = builder.Constant(new[] { classes }, 0.1);
        string logits = builder.Node("Gemm", new[] { x, weights, bias }, "logits", Attr.Int("transB", 1));
        graph.Outputs.Add(logits);
        return graph;
    }

    private static class Attr
    {
        public static Attribute Int(string name, long value) => new() { Name = name, Kind = AttributeKind.Int, Int = value };
        public static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };
        public static Attribute Float(string name, float value) => new() { Name = name, Kind = AttributeKind.Float, Float = value };
    }

    private sealed class Builder
    {
        private readonly Random _random;
        private int _count;

        public Builder(int seed) => _random = new Random(seed);

        public Graph Graph { get; } = new() { Name = "mobilenet_v1_025_96", Opset = 13 };

        /// <summary>Conv (no bias) → BatchNormalization → Clip(0, 6), "same" padding.</summary>
        public string ConvBlock(string input, int inputs, int outputs, int kernel, int stride, int groups)
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
            string low = Constant(Array.Empty<int>(), 0, mean: 0), high = Constant(Array.Empty<int>(), 0, mean: 6);
            return Node("Clip", new[] { normalized, low, high });
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
    }
}
