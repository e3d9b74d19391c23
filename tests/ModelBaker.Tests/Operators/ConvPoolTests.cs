using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Passes;
using ModelBaker.Tests.Interpreter;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Conv, the pools and BatchNormalization: shape rules (explicit pads, every auto_pad, ceil_mode, dilations, groups)
/// and the float reference against ONNX Runtime on random shapes from fixed seeds.
/// </summary>
public class ConvPoolTests
{
    private static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };
    private static Attribute Str(string name, string value) => new() { Name = name, Kind = AttributeKind.String, String = value };
    private static Attribute Int(string name, long value) => GraphBuilder.Int(name, value);

    private static int[] InferredShape(string opType, int[] x, int[]? w, params Attribute[] attributes)
    {
        var builder = new GraphBuilder(19).Input("x", x);
        var inputs = new List<string> { "x" };
        if (w != null)
        {
            builder.Constant("w", OrtOracle.RandomTensor(new Random(1), w));
            inputs.Add("w");
        }
        builder.Node(opType, inputs.ToArray(), new[] { "y" }, attributes).Output("y");
        ShapeInference.Run(builder.Graph);
        return builder.Graph["y"].Shape!;
    }

    [Theory]
    [InlineData("NOTSET", 7, 3, 1, 1, 5)]      // (7 − 3) / 1 + 1
    [InlineData("VALID", 7, 3, 2, 1, 3)]       // (7 − 3) / 2 + 1
    [InlineData("SAME_UPPER", 7, 3, 2, 1, 4)]  // ceil(7 / 2)
    [InlineData("SAME_LOWER", 8, 4, 3, 1, 3)]  // ceil(8 / 3)
    [InlineData("NOTSET", 9, 3, 1, 3, 3)]      // dilation 3: extent 7
    [InlineData("SAME_UPPER", 9, 3, 1, 2, 9)]  // dilation keeps SAME at ceil(9 / 1)
    public void Conv_output_sizes(string autoPad, int size, int kernel, int stride, int dilation, int expected)
    {
        int[] y = InferredShape("Conv", new[] { 1, 2, size, size }, new[] { 4, 2, kernel, kernel },
            Str("auto_pad", autoPad), Ints("strides", stride, stride), Ints("dilations", dilation, dilation));
        Assert.Equal(new[] { 1, 4, expected, expected }, y);
    }

    [Fact]
    public void Conv_explicit_asymmetric_pads_and_groups()
    {
        int[] y = InferredShape("Conv", new[] { 2, 6, 5, 7 }, new[] { 9, 2, 3, 2 }, Int("group", 3), Ints("pads", 1, 0, 2, 1), Ints("strides", 2, 3));
        Assert.Equal(new[] { 2, 9, (5 + 3 - 3) / 2 + 1, (7 + 1 - 2) / 3 + 1 }, y);
    }

    [Fact]
    public void Conv_with_mismatched_channels_is_a_shape_error_naming_the_node()
    {
        var e = Assert.Throws<BakeException>(() => InferredShape("Conv", new[] { 1, 3, 5, 5 }, new[] { 4, 2, 3, 3 }));
        Assert.Equal(ErrorCodes.ShapeError, e.Code);
        Assert.Contains("'Conv_0' (Conv)", e.Message);
    }

    [Theory]
    [InlineData(0, 4, 3, 2, 0, 1)]  // floor((4 − 3) / 2) + 1
    [InlineData(1, 4, 3, 2, 0, 2)]  // ceil
    [InlineData(1, 2, 3, 3, 1, 1)]  // ceil would start the last window in the end padding: dropped
    [InlineData(1, 5, 2, 2, 0, 3)]  // ceil((5 − 2) / 2) + 1
    public void Pool_ceil_mode(int ceil, int size, int kernel, int stride, int pad, int expected)
    {
        int[] y = InferredShape("AveragePool", new[] { 1, 1, size, size }, null, Ints("kernel_shape", kernel, kernel),
            Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad), Int("ceil_mode", ceil));
        Assert.Equal(new[] { 1, 1, expected, expected }, y);
    }

    [Fact]
    public void Global_pools_keep_N_and_C_and_reduce_every_spatial_dimension_to_1()
    {
        Assert.Equal(new[] { 2, 3, 1 }, InferredShape("GlobalAveragePool", new[] { 2, 3, 7 }, null));
        Assert.Equal(new[] { 1, 3, 1, 1, 1 }, InferredShape("GlobalMaxPool", new[] { 1, 3, 2, 4, 5 }, null));
    }

    private static void AssertMatchesOrt(long opset, string opType, int[] x, Tensor[] constants, Attribute[] attributes, int seed)
    {
        var rng = new Random(seed);
        var builder = new GraphBuilder(opset).Input("x", x);
        var inputs = new List<string> { "x" };
        for (int i = 0; i < constants.Length; i++)
        {
            builder.Constant("c" + i, constants[i]);
            inputs.Add("c" + i);
        }
        builder.Node(opType, inputs.ToArray(), new[] { "y" }, attributes).Output("y");
        ShapeInference.Run(builder.Graph);
        var feeds = new Dictionary<string, Tensor> { ["x"] = OrtOracle.RandomTensor(rng, x, 3f) };
        string context = $"{opType} seed {seed} x {ShapeMath.Format(x)} " +
                         string.Join(" ", attributes.Select(a => $"{a.Name}={(a.Ints != null ? ShapeMath.Format(a.Ints.Select(v => (int)v).ToArray()) : a.String ?? a.Int.ToString())}"));
        OrtOracle.AssertMatches(builder.Graph, feeds, FloatInterpreter.Run(builder.Graph, feeds), context);
    }

    public static IEnumerable<object[]> Seeds => Enumerable.Range(0, 24).Select(s => new object[] { s });

    /// <summary>A random Conv: 1-D or 2-D, groups (depthwise sometimes), strides, dilations, pads or auto_pad, bias or not.</summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void Conv_matches_onnx_runtime(int seed)
    {
        var rng = new Random(seed);
        int rank = rng.Next(3) == 0 ? 1 : 2;
        int group = new[] { 1, 1, 2, 3 }[rng.Next(4)];
        int channels = group * rng.Next(1, 4);
        bool depthwise = rng.Next(4) == 0;
        if (depthwise) { channels = group = rng.Next(1, 6); }
        int outputs = group * rng.Next(1, 4);
        var kernel = Enumerable.Range(0, rank).Select(_ => rng.Next(1, 4)).ToArray();
        var strides = Enumerable.Range(0, rank).Select(_ => (long)rng.Next(1, 3)).ToArray();
        string autoPad = new[] { "NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID" }[rng.Next(5)];
        // ONNX Runtime refuses dilations with SAME padding (ONNX allows them; the shape tests above cover that).
        bool same = autoPad.StartsWith("SAME", StringComparison.Ordinal);
        var dilations = Enumerable.Range(0, rank).Select(_ => same ? 1L : rng.Next(1, 3)).ToArray();
        var spatial = Enumerable.Range(0, rank).Select(d => rng.Next((kernel[d] - 1) * (int)dilations[d] + 1, 10)).ToArray();
        var attributes = new List<Attribute> { Ints("strides", strides), Ints("dilations", dilations), Int("group", group) };
        if (autoPad == "NOTSET") attributes.Add(Ints("pads", Enumerable.Range(0, 2 * rank).Select(_ => (long)rng.Next(0, 3)).ToArray()));
        else attributes.Add(Str("auto_pad", autoPad));
        if (rng.Next(2) == 0) attributes.Add(Ints("kernel_shape", kernel.Select(k => (long)k).ToArray()));
        var constants = new List<Tensor> { OrtOracle.RandomTensor(rng, new[] { outputs, channels / group }.Concat(kernel).ToArray()) };
        if (rng.Next(3) > 0) constants.Add(OrtOracle.RandomTensor(rng, new[] { outputs }));
        AssertMatchesOrt(13, "Conv", new[] { rng.Next(1, 3), channels }.Concat(spatial).ToArray(), constants.ToArray(), attributes.ToArray(), seed);
    }

    /// <summary>A random MaxPool or AveragePool: 1-D to 3-D, strides, dilations, pads or auto_pad, ceil_mode, count_include_pad.</summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void Pools_match_onnx_runtime(int seed)
    {
        var rng = new Random(seed);
        bool max = seed % 2 == 0;
        int rank = rng.Next(1, 4);
        var kernel = Enumerable.Range(0, rank).Select(_ => rng.Next(1, 4)).ToArray();
        string autoPad = new[] { "NOTSET", "NOTSET", "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID" }[rng.Next(6)];
        // With SAME padding ONNX Runtime departs from ONNX: it sizes the padding without dilations and fails on a stride
        // larger than the kernel (negative padding). Those combinations are left to the shape tests above.
        bool same = autoPad.StartsWith("SAME", StringComparison.Ordinal);
        var strides = Enumerable.Range(0, rank).Select(d => (long)rng.Next(1, same ? kernel[d] + 1 : 4)).ToArray();
        // AveragePool's dilations (opset 19) are covered by the conformance cases; this runs at opset 12.
        var dilations = Enumerable.Range(0, rank).Select(_ => max && !same ? (long)rng.Next(1, 3) : 1L).ToArray();
        var spatial = Enumerable.Range(0, rank).Select(d => rng.Next((kernel[d] - 1) * (int)dilations[d] + 1, 9)).ToArray();
        var attributes = new List<Attribute> { Ints("kernel_shape", kernel.Select(k => (long)k).ToArray()), Ints("strides", strides) };
        if (max) attributes.Add(Ints("dilations", dilations));
        if (autoPad == "NOTSET")
        {
            // Pads smaller than the kernel, as ONNX Runtime requires.
            attributes.Add(Ints("pads", Enumerable.Range(0, 2 * rank).Select(i => (long)rng.Next(0, kernel[i % rank])).ToArray()));
            attributes.Add(Int("ceil_mode", rng.Next(2)));
        }
        else attributes.Add(Str("auto_pad", autoPad));
        if (!max) attributes.Add(Int("count_include_pad", rng.Next(2)));
        AssertMatchesOrt(12, max ? "MaxPool" : "AveragePool", new[] { rng.Next(1, 3), rng.Next(1, 4) }.Concat(spatial).ToArray(),
            Array.Empty<Tensor>(), attributes.ToArray(), seed);
    }

    [Theory]
    [InlineData("GlobalAveragePool", new[] { 2, 3, 7 })]
    [InlineData("GlobalAveragePool", new[] { 1, 4, 5, 6 })]
    [InlineData("GlobalMaxPool", new[] { 1, 4, 5, 6 })]
    [InlineData("GlobalMaxPool", new[] { 2, 2, 3, 2, 4 })]
    public void Global_pools_match_onnx_runtime(string opType, int[] x) =>
        AssertMatchesOrt(13, opType, x, Array.Empty<Tensor>(), Array.Empty<Attribute>(), 7);

    [Theory]
    [InlineData(7, new[] { 2, 3, 4, 5 })]
    [InlineData(9, new[] { 1, 4 })]
    [InlineData(14, new[] { 2, 3, 6 })]
    [InlineData(15, new[] { 1, 2, 2, 3, 2 })]
    public void BatchNormalization_matches_onnx_runtime(int opset, int[] x)
    {
        var rng = new Random(opset);
        int c = x[1];
        var variance = Tensor.FromFloats(new[] { c }, Enumerable.Range(0, c).Select(_ => (float)rng.NextDouble() * 2 + 0.1f).ToArray());
        AssertMatchesOrt(opset, "BatchNormalization", x,
            new[] { OrtOracle.RandomTensor(rng, new[] { c }), OrtOracle.RandomTensor(rng, new[] { c }), OrtOracle.RandomTensor(rng, new[] { c }), variance },
            new[] { GraphBuilder.Float("epsilon", 1e-3f) }, opset);
    }
}
