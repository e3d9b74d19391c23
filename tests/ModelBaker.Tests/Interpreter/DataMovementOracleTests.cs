using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using Attribute = ModelBaker.Core.Ir.Attribute;
using ModelBaker.Core.Options;

namespace ModelBaker.Tests.Interpreter;

/// <summary>
/// The data-movement and shape operators one at a time against ONNX Runtime, on float and integer tensors (fixed
/// seeds): the inferred output shape and type, the float reference (FloatInterpreter), and the baked float plan run by
/// the plan interpreter must all equal ORT's result exactly — moving data does no arithmetic.
/// </summary>
public class DataMovementOracleTests
{
    private static Attribute Ints(string name, params long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };
    private static Attribute Int(string name, long value) => GraphBuilder.Int(name, value);
    private static Attribute Str(string name, string value) => new() { Name = name, Kind = AttributeKind.String, String = value };
    private static Tensor I64(params long[] values) => Tensor.FromInt64s(new[] { values.Length }, values);

    /// <summary>
    /// One node reading runtime input 0 (<paramref name="type"/>, <paramref name="shape"/>) and, at the given
    /// positions, constants; checked against ORT through the reference and through a baked float plan.
    /// </summary>
    private static void Check(string opType, ElementType type, int[] shape, Attribute[] attributes, long opset = 13,
        Tensor?[]? constants = null, int seed = 7, Tensor? data = null)
    {
        var x = data ?? TypedOrt.Random(new Random(seed), type, shape);
        Graph Build()
        {
            var b = new GraphBuilder(opset).Input("x", type, shape);
            var inputs = new List<string> { "x" };
            for (int i = 0; i < (constants?.Length ?? 0); i++)
            {
                if (constants![i] == null) { inputs.Add(""); continue; }
                b.Constant("c" + i, constants[i]!);
                inputs.Add("c" + i);
            }
            return b.Node(opType, inputs.ToArray(), new[] { "y" }, attributes).Output("y").Graph;
        }
        string context = $"{opType} opset {opset} {type}{ShapeMath.Format(shape)} " +
                         string.Join(" ", attributes.Select(a => $"{a.Name}={(a.Ints != null ? "[" + string.Join(",", a.Ints) + "]" : a.String ?? a.Int.ToString())}")) +
                         " " + string.Join(" ", (constants ?? Array.Empty<Tensor?>()).Select(c => c == null ? "-" : "[" + string.Join(",", c.AsFloats()) + "]"));
        var feeds = new Dictionary<string, Tensor> { ["x"] = x };
        var graph = Build();
        ShapeInference.Run(graph);
        var forOrt = Build();
        forOrt["y"].Type = graph["y"].Type; // the builder declares every node output float
        var expected = TypedOrt.Run(forOrt, feeds)["y"];

        Assert.True(expected.Shape.SequenceEqual(graph["y"].Shape!), $"{context}: inferred {ShapeMath.Format(graph["y"].Shape!)}, ORT {ShapeMath.Format(expected.Shape)}");
        Assert.Equal(expected.Type, graph["y"].Type);
        var reference = FloatInterpreter.Run(graph, feeds)["y"];
        AssertSame(expected, reference, context + " (reference)");

        var plan = Baker.Bake(Build(), "test", new BakeOptions("model.onnx", "Model", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        var output = PlanInterpreter.RunTensors(plan, new[] { TensorArrays.ToArray(x, type) })[0];
        AssertSame(expected, Typed(output, expected), context + " (baked plan)");
    }

    /// <summary>Plan output array as a tensor of the expected type (TensorArrays.ToTensor cannot tell byte[] from sbyte[]).</summary>
    private static Tensor Typed(Array output, Tensor expected) => output is float[] f
        ? Tensor.FromFloats(expected.Shape, f)
        : Tensor.FromInt64s(expected.Shape, Enumerable.Range(0, output.Length).Select(i => Convert.ToInt64(output.GetValue(i))).ToArray(), expected.Type);

    private static void AssertSame(Tensor expected, Tensor actual, string context)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{context}: shape {ShapeMath.Format(actual.Shape)}, ORT {ShapeMath.Format(expected.Shape)}");
        Assert.True(expected.Type == actual.Type, $"{context}: type {actual.Type}, ORT {expected.Type}");
        if (expected.Floats != null)
            Assert.True(expected.Floats.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual.Floats!.Select(BitConverter.SingleToInt32Bits)),
                $"{context}: [{string.Join(",", actual.Floats!)}] vs ORT [{string.Join(",", expected.Floats)}]");
        else
            Assert.True(expected.Int64s!.SequenceEqual(actual.Int64s!), $"{context}: [{string.Join(",", actual.Int64s!)}] vs ORT [{string.Join(",", expected.Int64s!)}]");
    }

    public static IEnumerable<object[]> Types => new[]
    {
        ElementType.Float32, ElementType.Int8, ElementType.UInt8, ElementType.Int32, ElementType.Int64, ElementType.Bool,
    }.Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(Types))]
    public void Transpose_every_permutation_and_the_default(ElementType type)
    {
        Check("Transpose", type, new[] { 2, 3, 4 }, Array.Empty<Attribute>());
        foreach (var perm in new long[][] { new long[] { 0, 1, 2 }, new long[] { 0, 2, 1 }, new long[] { 1, 0, 2 }, new long[] { 1, 2, 0 }, new long[] { 2, 0, 1 }, new long[] { 2, 1, 0 } })
            Check("Transpose", type, new[] { 2, 3, 4 }, new[] { Ints("perm", perm) });
        Check("Transpose", type, new[] { 1, 3, 1, 2 }, new[] { Ints("perm", 2, 1, 0, 3) }); // only size-1 axes move: an alias
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Concat_every_axis_with_a_constant_input(ElementType type)
    {
        var constant = TypedOrt.Random(new Random(3), type, new[] { 2, 3, 4 });
        for (int axis = -3; axis < 3; axis++)
            Check("Concat", type, new[] { 2, 3, 4 }, new[] { Int("axis", axis) }, constants: new Tensor?[] { constant });
    }

    [Theory]
    [InlineData(new long[] { 0, 1 }, new long[] { 2, 3 }, null, null)]
    [InlineData(new long[] { 1, -3 }, new long[] { 1000, -1 }, new long[] { 0, 2 }, null)]
    [InlineData(new long[] { -1, 3 }, new long[] { -1000, 0 }, new long[] { 1, 2 }, new long[] { -1, -2 })]
    [InlineData(new long[] { 10 }, new long[] { -10 }, new long[] { -1 }, new long[] { -3 })]
    [InlineData(new long[] { 0 }, new long[] { 100 }, new long[] { 2 }, new long[] { 3 })]
    [InlineData(new long[] { 2 }, new long[] { 1 }, new long[] { 0 }, null)]
    [InlineData(new long[] { 0, 0, 0 }, new long[] { long.MaxValue, long.MaxValue, long.MaxValue }, null, null)]
    [InlineData(new long[] { long.MaxValue }, new long[] { long.MinValue }, new long[] { 2 }, new long[] { -1 })]
    public void Slice_inputs_negative_clamped_and_stepped(long[] starts, long[] ends, long[]? axes, long[]? steps)
    {
        foreach (var type in new[] { ElementType.Float32, ElementType.Int64, ElementType.Int8 })
            Check("Slice", type, new[] { 3, 4, 5 }, Array.Empty<Attribute>(),
                constants: new[] { I64(starts), I64(ends), axes == null ? null : I64(axes), steps == null ? null : I64(steps) });
    }

    [Fact]
    public void Slice_attributes_before_opset_10()
    {
        Check("Slice", ElementType.Float32, new[] { 3, 4 }, new[] { Ints("starts", 1, -3), Ints("ends", 3, 100) }, opset: 9);
        Check("Slice", ElementType.Float32, new[] { 3, 4 }, new[] { Ints("starts", -2), Ints("ends", 4), Ints("axes", 1) }, opset: 9);
    }

    [Theory]
    [InlineData(0)] [InlineData(1)] [InlineData(2)] [InlineData(-1)] [InlineData(-3)]
    public void Gather_every_axis_negative_and_matrix_indices(int axis)
    {
        var matrix = Tensor.FromInt64s(new[] { 2, 2 }, new long[] { 0, -1, 1, 1 });
        var scalar = Tensor.FromInt64s(Array.Empty<int>(), new long[] { -2 });
        var int32 = Tensor.FromInt64s(new[] { 3 }, new long[] { 1, 0, -1 }, ElementType.Int32);
        foreach (var type in new[] { ElementType.Float32, ElementType.Int64, ElementType.Bool })
            foreach (var indices in new[] { matrix, scalar, int32 })
                Check("Gather", type, new[] { 2, 3, 4 }, new[] { Int("axis", axis) }, constants: new Tensor?[] { indices });
    }

    [Theory]
    [InlineData("constant")] [InlineData("edge")] [InlineData("reflect")] [InlineData("wrap")]
    public void Pad_every_mode_as_inputs_and_attributes(string mode)
    {
        var pads = I64(1, 2, 0, 2, 1, 3);
        foreach (var type in new[] { ElementType.Float32, ElementType.Int64, ElementType.Int32, ElementType.UInt8 })
        {
            var value = type == ElementType.Float32 ? Tensor.FromFloats(Array.Empty<int>(), new[] { 2.5f }) : Tensor.FromInt64s(Array.Empty<int>(), new long[] { 7 }, type);
            Check("Pad", type, new[] { 3, 4, 5 }, new[] { Str("mode", mode) }, opset: 13, constants: new Tensor?[] { pads, mode == "constant" ? value : null });
        }
        Check("Pad", ElementType.Float32, new[] { 3, 4, 5 }, new[] { Str("mode", mode) }, opset: 18, constants: new Tensor?[] { I64(2, 1, 1, 2), null, I64(-1, 0) });
        Check("Pad", ElementType.Float32, new[] { 3, 4 }, new[] { Str("mode", mode), Ints("pads", 0, 2, 1, 1), GraphBuilder.Float("value", -1.5f) }, opset: 10);
    }

    [Fact]
    public void Pad_negative_pads_crop()
    {
        Check("Pad", ElementType.Float32, new[] { 3, 4, 5 }, Array.Empty<Attribute>(), opset: 13, constants: new Tensor?[] { I64(-1, 1, -2, 0, -1, 1) });
        Check("Pad", ElementType.Int64, new[] { 3, 4, 5 }, new[] { Str("mode", "edge") }, opset: 13, constants: new Tensor?[] { I64(0, -2, 1, -1, 2, -1) });
    }

    [Fact]
    public void Squeeze_and_Unsqueeze_as_attributes_and_inputs()
    {
        Check("Squeeze", ElementType.Float32, new[] { 1, 3, 1, 2 }, Array.Empty<Attribute>());
        Check("Squeeze", ElementType.Int64, new[] { 1, 3, 1, 2 }, Array.Empty<Attribute>(), constants: new Tensor?[] { I64(-2) });
        Check("Squeeze", ElementType.Float32, new[] { 1, 3, 1, 2 }, new[] { Ints("axes", 0, 2) }, opset: 11);
        Check("Unsqueeze", ElementType.Float32, new[] { 3, 2 }, Array.Empty<Attribute>(), constants: new Tensor?[] { I64(3, 0, -1) });
        Check("Unsqueeze", ElementType.Int8, new[] { 3, 2 }, new[] { Ints("axes", 1, -1) }, opset: 11);
    }

    [Theory]
    [InlineData(ElementType.Float32, ElementType.Int8)]
    [InlineData(ElementType.Float32, ElementType.UInt8)]
    [InlineData(ElementType.Float32, ElementType.Int32)]
    [InlineData(ElementType.Float32, ElementType.Int64)]
    [InlineData(ElementType.Float32, ElementType.Bool)]
    [InlineData(ElementType.Int64, ElementType.Float32)]
    [InlineData(ElementType.Int64, ElementType.Int8)]
    [InlineData(ElementType.Int32, ElementType.UInt8)]
    [InlineData(ElementType.Int8, ElementType.Int64)]
    [InlineData(ElementType.UInt8, ElementType.Int8)]
    [InlineData(ElementType.Bool, ElementType.Float32)]
    [InlineData(ElementType.Int32, ElementType.Bool)]
    [InlineData(ElementType.Float32, ElementType.Float32)]
    public void Cast_between_types(ElementType from, ElementType to)
    {
        // Fractions of both signs (truncation toward zero), values past int8 and uint8 (low bits kept), zero.
        var data = from == ElementType.Float32
            ? Tensor.FromFloats(new[] { 12 }, new[] { 0f, -0f, 1.9f, -1.9f, 127.5f, -128.7f, 200.2f, -200.9f, 255.99f, 300f, 70000.5f, -3.5f })
            : null;
        Check("Cast", from, new[] { 12 }, new[] { Int("to", (int)to) }, data: data);
    }

    [Fact]
    public void Shape_with_start_and_end() // the node folds: the plan's only step writes the constant output
    {
        foreach (var (start, end) in new[] { (0L, 100L), (1L, -1L), (-2L, 3L), (2L, 1L), (-100L, 1L) })
            Check("Shape", ElementType.Float32, new[] { 2, 3, 4 }, new[] { Int("start", start), Int("end", end) }, opset: 15);
        Check("Shape", ElementType.Int8, new[] { 2, 3, 4 }, Array.Empty<Attribute>());
    }
}
