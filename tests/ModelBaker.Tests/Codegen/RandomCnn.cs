using ModelBaker.Core.Ir;
using ModelBaker.Tests.Interpreter;
using ModelBaker.Tests.Operators;
using static ModelBaker.Tests.Operators.GraphBuilder;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Codegen;

/// <summary>
/// A random small CNN from a seed, the shape of real ones: Conv (random kernel, strides, pads or auto_pad, dilations,
/// groups; bias inside or as a following constant Add) → sometimes BatchNormalization → usually Relu → sometimes a
/// pool, then a depthwise Conv → Relu, then global average pooling and a Gemm classifier. 1-D or 2-D.
/// </summary>
internal sealed class RandomCnn
{
    private readonly Random rng;
    private readonly GraphBuilder builder = new(13);
    private int counter;
    private string current = "x";
    private int channels;
    private int[] spatial;

    public Graph Graph => builder.Graph;
    public Tensor Input { get; }
    public List<string> Description { get; } = new();

    public RandomCnn(int seed)
    {
        rng = new Random(seed);
        bool oneD = rng.Next(4) == 0;
        channels = rng.Next(1, 4);
        spatial = oneD ? new[] { rng.Next(6, 14) } : new[] { rng.Next(5, 11), rng.Next(5, 11) };
        int[] shape = new[] { 1, channels }.Concat(spatial).ToArray();
        builder.Input("x", shape);
        Input = OrtOracle.RandomTensor(rng, shape);
        Description.Add($"seed {seed}, input {ShapeMath.Format(shape)}");

        AddConv(group: channels > 1 && rng.Next(3) == 0 ? channels : 1, outputs: rng.Next(2, 7));
        if (rng.Next(3) == 0) AddBatchNormalization();
        if (rng.Next(4) > 0) Apply("Relu", new[] { current });
        if (rng.Next(2) == 0) AddPool();
        AddConv(group: channels, outputs: channels); // depthwise
        if (rng.Next(3) == 0) AddBatchNormalization();
        Apply("Relu", new[] { current });
        Apply("GlobalAveragePool", new[] { current });
        Apply("Flatten", new[] { current });
        int classes = rng.Next(2, 6);
        Apply("Gemm", new[] { current, Constant("fc", OrtOracle.RandomTensor(rng, new[] { classes, channels })), Constant("fcb", OrtOracle.RandomTensor(rng, new[] { classes })) },
            Int("transB", 1));
        builder.Output(current);
    }

    private string Constant(string prefix, Tensor tensor)
    {
        string name = $"{prefix}{counter++}";
        builder.Constant(name, tensor);
        return name;
    }

    private void Apply(string opType, string[] inputs, params Attribute[] attributes)
    {
        string output = $"{opType.ToLowerInvariant()}{counter++}";
        builder.Node(opType, inputs, new[] { output }, attributes);
        current = output;
        Description.Add(opType + (attributes.Length == 0 ? "" : " " + string.Join(" ", attributes.Select(Show))));
    }

    private static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };
    private static string Show(Attribute a) => a.Ints != null ? $"{a.Name}=[{string.Join(",", a.Ints)}]" : a.String != null ? $"{a.Name}={a.String}" : $"{a.Name}={a.Int}";

    private long[] Each(Func<int, long> pick) => Enumerable.Range(0, spatial.Length).Select(pick).ToArray();

    private void AddConv(int group, int outputs)
    {
        outputs = Math.Max(group, outputs / group * group);
        var kernel = Each(d => rng.Next(1, Math.Min(4, spatial[d]) + 1));
        var attributes = new List<Attribute> { Int("group", group) };
        if (rng.Next(3) == 0) attributes.Add(Ints("strides", Each(_ => rng.Next(1, 3))));
        if (rng.Next(4) == 0) attributes.Add(Ints("dilations", Each(d => kernel[d] * 2 - 1 <= spatial[d] ? 2 : 1)));
        switch (rng.Next(4))
        {
            case 0: attributes.Add(new Attribute { Name = "auto_pad", Kind = AttributeKind.String, String = rng.Next(2) == 0 ? "SAME_UPPER" : "SAME_LOWER" }); break;
            case 1: attributes.Add(Ints("pads", Enumerable.Range(0, 2 * spatial.Length).Select(_ => (long)rng.Next(0, 3)).ToArray())); break;
        }
        var weights = OrtOracle.RandomTensor(rng, new[] { outputs, channels / group }.Concat(kernel.Select(k => (int)k)).ToArray(),
            1f / (float)Math.Sqrt(channels / group * kernel.Aggregate(1L, (a, b) => a * b)));
        bool separateBias = rng.Next(3) == 0;
        var inputs = new List<string> { current, Constant("w", weights) };
        if (!separateBias && rng.Next(4) > 0) inputs.Add(Constant("b", OrtOracle.RandomTensor(rng, new[] { outputs }, 0.3f)));
        Apply("Conv", inputs.ToArray(), attributes.ToArray());
        spatial = ShapeOf(current)!;
        channels = outputs;
        if (separateBias)
        {
            // A bias Add the way some exporters write it: [C,1,1] (or [C,1] in 1-D), folded into the convolution.
            int[] shape = new[] { outputs }.Concat(spatial.Select(_ => 1)).ToArray();
            Apply("Add", new[] { current, Constant("bias", OrtOracle.RandomTensor(rng, shape, 0.3f)) });
        }
    }

    /// <summary>Spatial output sizes, from shape inference on the graph so far.</summary>
    private int[]? ShapeOf(string value)
    {
        var copy = new Graph { Name = "probe", Opset = Graph.Opset };
        foreach (var v in Graph.Values.Values) copy.Add(new Value(v.Name, v.Type, v.Shape, v.Constant));
        copy.Inputs.AddRange(Graph.Inputs);
        copy.Nodes.AddRange(Graph.Nodes);
        copy.Outputs.Add(value);
        ModelBaker.Core.Passes.ShapeInference.Run(copy);
        return copy[value].Shape!.Skip(2).ToArray();
    }

    private void AddBatchNormalization()
    {
        var variance = Tensor.FromFloats(new[] { channels }, Enumerable.Range(0, channels).Select(_ => (float)rng.NextDouble() + 0.2f).ToArray());
        Apply("BatchNormalization", new[]
        {
            current, Constant("scale", OrtOracle.RandomTensor(rng, new[] { channels }, 2f)), Constant("shift", OrtOracle.RandomTensor(rng, new[] { channels })),
            Constant("mean", OrtOracle.RandomTensor(rng, new[] { channels }, 0.5f)), Constant("var", variance),
        });
    }

    private void AddPool()
    {
        bool max = rng.Next(2) == 0;
        var kernel = Each(d => rng.Next(1, Math.Min(3, spatial[d]) + 1));
        var attributes = new List<Attribute> { Ints("kernel_shape", kernel), Ints("strides", Each(d => rng.Next(1, (int)kernel[d] + 1))) };
        if (rng.Next(2) == 0) attributes.Add(Ints("pads", Enumerable.Range(0, 2 * spatial.Length).Select(i => (long)rng.Next(0, (int)kernel[i % spatial.Length])).ToArray()));
        if (rng.Next(2) == 0) attributes.Add(Int("ceil_mode", 1));
        if (!max && rng.Next(2) == 0) attributes.Add(Int("count_include_pad", 1));
        Apply(max ? "MaxPool" : "AveragePool", new[] { current }, attributes.ToArray());
        spatial = ShapeOf(current)!;
    }
}
