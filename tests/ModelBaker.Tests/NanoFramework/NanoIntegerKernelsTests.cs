using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Tests.Operators;
using static ModelBaker.Tests.NanoFramework.NanoSelectionLogicTests;
using static ModelBaker.Tests.Operators.GraphBuilder;
using static ModelBaker.Tests.Operators.T;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// OneHot, TopK, Concat, Remap (Gather with constant indices), ArgMax / ArgMin and the integer reductions on int16,
/// uint16, uint32 and uint64 tensors (issue 17): the int8 interpreter, the .NET class and the nanoFramework class agree
/// bit for bit (<see cref="NanoSelectionLogicTests.RunEveryWay"/>), and the answers are the ones worked out by hand —
/// uint64 values of 2^63 and above ordered unsigned, sums wrapping to the type.
/// </summary>
public sealed class NanoIntegerKernelsTests
{
    private const ulong Half = 1UL << 63;

    private static Tensor Typed(ElementType type, int[] shape, params long[] values) => Tensor.FromInt64s(shape, values, type);

    /// <summary><paramref name="values"/> (int64 bit patterns: a uint64 above 2^63 is a negative long) as an array of the type.</summary>
    private static Array Values(ElementType type, params long[] values) => TensorArrays.ToArray(Typed(type, S(values.Length), values), type);

    private static void AssertValues(ElementType type, long[] expected, Array actual) =>
        Assert.Equal(Values(type, expected).Cast<object>(), actual.Cast<object>());

    [Theory]
    [InlineData(ElementType.Int16, -32768, 32767)]
    [InlineData(ElementType.UInt16, 65535, 1)]
    [InlineData(ElementType.UInt32, 7, 4000000000)]
    [InlineData(ElementType.UInt64, 3, unchecked((long)(Half + 9)))]
    [InlineData(ElementType.Int8, -5, 9)]
    [InlineData(ElementType.Bool, 0, 1)]
    public void OneHot_writes_off_and_on_values_of_each_type_every_way(ElementType type, long off, long on)
    {
        var graph = new GraphBuilder(13).Input("indices", ElementType.Int64, 4)
            .Constant("depth", I(S(1), 3)).Constant("values", Typed(type, S(2), off, on))
            .Node("OneHot", new[] { "indices", "depth", "values" }, new[] { "hot" })
            .Output("hot").Graph;
        var (outputs, steps) = RunEveryWay(graph, new Array[] { new long[] { 0, -1, 5, 2 } });
        Assert.Single(steps.OfType<OneHotKernel>(), s => s.Output.Type == type);
        // −1 counts from the end (2); 5 is outside [−3, 3): a row of off values.
        AssertValues(type, new[] { on, off, off, off, off, on, off, off, off, off, off, on }, outputs[0]);
    }

    [Theory]
    [InlineData(ElementType.Int8, new long[] { -128, 127, 5, 127, -1 })]
    [InlineData(ElementType.UInt8, new long[] { 0, 255, 128, 255, 127 })]
    [InlineData(ElementType.Int16, new long[] { -32768, 32767, 300, 32767, -1 })]
    [InlineData(ElementType.UInt16, new long[] { 0, 65535, 32768, 65535, 32767 })]
    [InlineData(ElementType.UInt32, new long[] { 0, 4294967295, 2147483648, 4294967295, 2147483647 })]
    public void TopK_ranks_each_type_in_its_own_order_ties_lower_index_first_every_way(ElementType type, long[] values)
    {
        // Values: the type's smallest, its largest twice (a tie), a value just above the signed half and one just below it
        // (for the unsigned types a signed reading would rank them the other way round).
        var graph = new GraphBuilder(13).Input("x", type, 5).Constant("three", I(S(1), 3))
            .Node("TopK", new[] { "x", "three" }, new[] { "largest", "largestIndices" })
            .Node("TopK", new[] { "x", "three" }, new[] { "smallest", "smallestIndices" }, Int("largest", 0))
            .Output("largest", "largestIndices", "smallest", "smallestIndices").Graph;
        var (outputs, steps) = RunEveryWay(graph, new[] { Values(type, values) });
        Assert.Equal(2, steps.OfType<TopKIndices>().Count(t => t.Input.Type == type));
        Assert.Equal(new long[] { 1, 3, 2 }, (long[])outputs[1]);
        AssertValues(type, new[] { values[1], values[3], values[2] }, outputs[0]);
        Assert.Equal(new long[] { 0, 4, 2 }, (long[])outputs[3]);
        AssertValues(type, new[] { values[0], values[4], values[2] }, outputs[2]);
    }

    [Theory]
    [InlineData(ElementType.Int16, -32768, 32767)]
    [InlineData(ElementType.UInt16, 65535, 40000)]
    [InlineData(ElementType.UInt32, 4294967295, 3000000000)]
    [InlineData(ElementType.UInt64, -1, unchecked((long)Half))]
    [InlineData(ElementType.Int32, -2147483648, 2147483647)]
    [InlineData(ElementType.Int64, long.MinValue, long.MaxValue)]
    [InlineData(ElementType.UInt8, 255, 128)]
    [InlineData(ElementType.Bool, 1, 0)]
    public void Concat_joins_tensors_and_constants_of_each_type_every_way(ElementType type, long big, long other)
    {
        // [2, 2] with a constant [2, 1] along axis 1, then the result with itself along axis 0.
        var graph = new GraphBuilder(13).Input("x", type, 2, 2).Constant("c", Typed(type, S(2, 1), other, big))
            .Node("Concat", new[] { "x", "c" }, new[] { "wide" }, Int("axis", 1))
            .Node("Concat", new[] { "wide", "wide" }, new[] { "tall" }, Int("axis", 0))
            .Output("wide", "tall").Graph;
        var (outputs, steps) = RunEveryWay(graph, new[] { Values(type, big, 0, 1, other) });
        Assert.Equal(2, steps.OfType<Concat>().Count(c => c.Output.Type == type));
        var wide = new[] { big, 0, other, 1, other, big };
        AssertValues(type, wide, outputs[0]);
        AssertValues(type, wide.Concat(wide).ToArray(), outputs[1]);
    }

    [Theory]
    [InlineData(ElementType.Int16, -32768, 32767, -7)]
    [InlineData(ElementType.UInt16, 65535, 40000, 9)]
    [InlineData(ElementType.UInt32, 4294967295, 3000000000, 4000000000)]
    [InlineData(ElementType.UInt64, -1, unchecked((long)Half), unchecked((long)(Half + 1)))]
    [InlineData(ElementType.UInt8, 255, 128, 200)]
    [InlineData(ElementType.Bool, 1, 0, 1)]
    public void Remap_transposes_pads_and_gathers_each_type_every_way(ElementType type, long big, long other, long padding)
    {
        var graph = new GraphBuilder(13).Input("x", type, 2, 3)
            .Constant("pads", I(S(4), 0, 1, 0, 0)).Constant("value", Typed(type, S(), padding)).Constant("columns", I(S(2), 2, 0))
            .Node("Transpose", new[] { "x" }, new[] { "transposed" }, Ints("perm", 1, 0))
            .Node("Pad", new[] { "x", "pads", "value" }, new[] { "padded" })
            .Node("Gather", new[] { "x", "columns" }, new[] { "gathered" }, Int("axis", 1))
            .Output("transposed", "padded", "gathered").Graph;
        var (outputs, steps) = RunEveryWay(graph, new[] { Values(type, big, 0, other, 1, other, big) });
        Assert.Equal(3, steps.OfType<Remap>().Count(r => r.Output.Type == type));
        AssertValues(type, new[] { big, 1, 0, other, other, big }, outputs[0]);
        AssertValues(type, new[] { padding, big, 0, other, padding, 1, other, big }, outputs[1]);
        AssertValues(type, new[] { other, big, big, 1 }, outputs[2]);
    }

    [Theory]
    [InlineData(ElementType.Int8, -128, 127, 0)]
    [InlineData(ElementType.UInt8, 0, 255, 127)]
    [InlineData(ElementType.Int16, -32768, 32767, 0)]
    [InlineData(ElementType.UInt16, 0, 65535, 32767)]
    [InlineData(ElementType.UInt32, 0, 4294967295, 2147483647)]
    [InlineData(ElementType.UInt64, 0, -1, long.MaxValue)]
    [InlineData(ElementType.Int32, int.MinValue, int.MaxValue, 0)]
    [InlineData(ElementType.Int64, long.MinValue, long.MaxValue, 0)]
    public void ArgMax_and_ArgMin_order_each_type_as_its_values_every_way(ElementType type, long low, long high, long middle)
    {
        // Row 0: the highest value twice (first or last index), row 1: the lowest twice; for the unsigned types, the middle
        // value is 2^(bits−1) − 1, above which a signed reading of the highest value would be negative.
        var graph = new GraphBuilder(13).Input("x", type, 2, 3)
            .Node("ArgMax", new[] { "x" }, new[] { "first" }, Int("axis", 1), Int("keepdims", 0))
            .Node("ArgMax", new[] { "x" }, new[] { "last" }, Int("axis", 1), Int("keepdims", 0), Int("select_last_index", 1))
            .Node("ArgMin", new[] { "x" }, new[] { "firstMin" }, Int("axis", 1), Int("keepdims", 0))
            .Node("ArgMin", new[] { "x" }, new[] { "lastMin" }, Int("axis", 1), Int("keepdims", 0), Int("select_last_index", 1))
            .Node("ArgMax", new[] { "x" }, new[] { "columns" }, Int("axis", 0))
            .Output("first", "last", "firstMin", "lastMin", "columns").Graph;
        var (outputs, steps) = RunEveryWay(graph, new[] { Values(type, high, middle, high, low, low, middle) });
        Assert.Equal(5, steps.OfType<ArgMaxFloat>().Count(a => a.Input.Type == type));
        Assert.Equal(new long[] { 0, 2 }, (long[])outputs[0]);
        Assert.Equal(new long[] { 2, 2 }, (long[])outputs[1]);
        Assert.Equal(new long[] { 1, 0 }, (long[])outputs[2]);
        Assert.Equal(new long[] { 1, 1 }, (long[])outputs[3]);
        Assert.Equal(new long[] { 0, 0, 0 }, (long[])outputs[4]); // column 1: middle against low; ties: the first
    }

    [Fact]
    public void ArgMax_of_bools_stays_refused_with_its_code()
    {
        var graph = new GraphBuilder(13).Input("x", ElementType.Bool, 3).Node("ArgMax", new[] { "x" }, new[] { "index" }).Output("index").Graph;
        var refused = Assert.Throws<BakeException>(() => Bake(graph));
        Assert.Equal(ErrorCodes.UnsupportedElementType, refused.Code);
        Assert.Contains("ArgMax on Bool", refused.Message);
    }

    private static Core.Plan.BakedPlan Bake(Graph graph) => Core.Pipeline.Baker.Bake(graph, "test",
        new Core.Options.BakeOptions("model.onnx", "Net", "Tests") { Precision = Core.Options.Precision.Float32 }, new Support.RecordingLog());

    /// <summary>
    /// A [2, 3] input and, per row, its sum, max, min, product, mean and sum of squares, worked out by hand in modular
    /// arithmetic (int64 bit patterns: a uint64 above 2^63 is a negative long). The means divide the 64-bit sum, truncating,
    /// as ONNX Runtime's int32 ReduceMean does (checked: the mean of 2^31 − 1, 1 and 5 is 715,827,884 there): uint16 row 0
    /// sums to 105538, mean 35179 (the sum wrapped to uint16 would give 13334); int32 row 0 sums to 2^32 + 3, mean
    /// 1431655766; uint64 row 1 sums to 2^65 − 3, which wraps at 64 bits to 2^64 − 3 and divides unsigned (a signed reading
    /// would give −1).
    /// </summary>
    public static TheoryData<ElementType, long[], long[][]> Reductions => new()
    {
        { ElementType.Int16, new long[] { 32767, 1, 2, -32768, -7, 0 },
            new[] { new long[] { -32766, 32761 }, new long[] { 32767, 0 }, new long[] { 1, -32768 }, new long[] { -2, 0 }, new long[] { 10923, -10925 }, new long[] { 6, 49 } } },
        { ElementType.UInt16, new long[] { 65535, 40000, 3, 65535, 2, 1 },
            new[] { new long[] { 40002, 2 }, new long[] { 65535, 65535 }, new long[] { 3, 1 }, new long[] { 11072, 65534 }, new long[] { 35179, 21846 }, new long[] { 4106, 6 } } },
        { ElementType.UInt32, new long[] { 4000000000, 300000000, 7, 4294967295, 4294967295, 2 },
            new[] { new long[] { 5032711, 0 }, new long[] { 4000000000, 4294967295 }, new long[] { 7, 2 }, new long[] { 2974285824, 2 }, new long[] { 1433333335, 2863311530 }, new long[] { 1678311473, 6 } } },
        { ElementType.UInt64, new long[] { long.MinValue, long.MinValue + 5, 3, -1, -4, 1 },
            new[] { new long[] { 8, -4 }, new long[] { long.MinValue + 5, -1 }, new long[] { 3, 1 }, new long[] { long.MinValue, 4 }, new long[] { 2, 6148914691236517204 }, new long[] { 34, 18 } } },
        { ElementType.Int8, new long[] { 127, 100, -3, -128, -128, 5 },
            new[] { new long[] { -32, 5 }, new long[] { 127, 5 }, new long[] { -3, -128 }, new long[] { 44, 0 }, new long[] { 74, -83 }, new long[] { 26, 25 } } },
        { ElementType.Int32, new long[] { 2147483647, 2147483647, 5, -2147483648, -1, 7 },
            new[] { new long[] { 3, -2147483642 }, new long[] { 2147483647, 7 }, new long[] { 5, -2147483648 }, new long[] { 5, -2147483648 }, new long[] { 1431655766, -715827880 }, new long[] { 27, 50 } } },
    };

    private static readonly string[] ReduceOps = { "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceMean", "ReduceSumSquare" };

    [Theory]
    [MemberData(nameof(Reductions))]
    public void Reductions_wrap_to_the_type_and_order_unsigned_every_way(ElementType type, long[] x, long[][] expected)
    {
        var b = new GraphBuilder(13).Input("x", type, 2, 3).Constant("axes", I(S(1), 1));
        foreach (string op in ReduceOps)
            b = op == "ReduceSum" // axes are ReduceSum's input from opset 13, the others' attribute until 18
                ? b.Node(op, new[] { "x", "axes" }, new[] { op }, Int("keepdims", 0))
                : b.Node(op, new[] { "x" }, new[] { op }, Ints("axes", 1), Int("keepdims", 0));
        var (outputs, steps) = RunEveryWay(b.Output(ReduceOps).Graph, new[] { Values(type, x) });
        Assert.Equal(ReduceOps.Length, steps.OfType<ReduceFloat>().Count(r => r.Input.Type == type));
        for (int i = 0; i < ReduceOps.Length; i++) AssertValues(type, expected[i], outputs[i]);
    }

    [Fact]
    public void Reductions_over_every_axis_every_way()
    {
        // No axes: every element into one. The uint64 sum 2^63 + 2 + 2^63 + 8 wraps to 10; the mean divides it by 4.
        var graph = new GraphBuilder(13).Input("x", ElementType.UInt64, 2, 2)
            .Node("ReduceMax", new[] { "x" }, new[] { "max" }, Int("keepdims", 0))
            .Node("ReduceMin", new[] { "x" }, new[] { "min" })
            .Node("ReduceSum", new[] { "x" }, new[] { "sum" })
            .Node("ReduceMean", new[] { "x" }, new[] { "mean" }, Int("keepdims", 0))
            .Output("max", "min", "sum", "mean").Graph;
        var (outputs, _) = RunEveryWay(graph, new Array[] { new[] { 1UL, Half + 2, Half, 7UL } });
        Assert.Equal(new[] { Half + 2 }, (ulong[])outputs[0]);
        Assert.Equal(new[] { 1UL }, (ulong[])outputs[1]);
        Assert.Equal(new[] { 10UL }, (ulong[])outputs[2]);
        Assert.Equal(new[] { 2UL }, (ulong[])outputs[3]);
    }

    [Fact]
    public void Range_of_int16_folds_and_feeds_an_int16_step_every_way()
    {
        var graph = new GraphBuilder(13).Input("x", ElementType.Int16, 3)
            .Constant("start", Typed(ElementType.Int16, S(), -32768)).Constant("limit", Typed(ElementType.Int16, S(), -32760))
            .Constant("delta", Typed(ElementType.Int16, S(), 3))
            .Node("Range", new[] { "start", "limit", "delta" }, new[] { "r" })
            .Node("Sub", new[] { "x", "r" }, new[] { "y" }).Output("y").Graph;
        var (outputs, steps) = RunEveryWay(graph, new Array[] { new short[] { 0, 1, -1 } });
        Assert.Single(steps.OfType<BinaryInteger>(), s => s.Type == ElementType.Int16);
        // x − [−32768, −32765, −32762]: 0 + 32768 wraps to −32768.
        Assert.Equal(new short[] { -32768, 32766, 32761 }, (short[])outputs[0]);
    }

    [Theory]
    [InlineData(ElementType.UInt16)]
    [InlineData(ElementType.UInt32)]
    [InlineData(ElementType.UInt64)]
    public void Range_of_unsigned_scalars_stays_refused_with_its_code(ElementType type)
    {
        var graph = new GraphBuilder(13).Input("x", type, 3)
            .Constant("start", Typed(type, S(), 0)).Constant("limit", Typed(type, S(), 3)).Constant("delta", Typed(type, S(), 1))
            .Node("Range", new[] { "start", "limit", "delta" }, new[] { "r" })
            .Node("Add", new[] { "x", "r" }, new[] { "y" }).Output("y").Graph;
        var refused = Assert.Throws<BakeException>(() => Bake(graph));
        Assert.Equal(ErrorCodes.UnsupportedElementType, refused.Code);
        Assert.Contains($"Range of {type}", refused.Message);
    }

    [Fact]
    public void An_empty_integer_reduction_gives_the_operations_identities()
    {
        // ONNX: a sum of no elements is 0, a product 1, a max the type's smallest value, a min its largest; a mean gives 0
        // here (no integer NaN). The .NET method, and the nanoFramework template's int64 instance that Core compiles.
        int[] kept = { 2 }, strides = { 0 }, none = Array.Empty<int>();
        foreach (var (operation, expected) in new[] { (2, 0L), (5, 1L), (1, short.MinValue), (4, short.MaxValue), (0, 0L) })
        {
            var output = new short[2];
            ReduceFloat.ReduceIntegers<short>(operation, 16, false, new short[1], kept, strides, none, output);
            Assert.Equal(new[] { (short)expected, (short)expected }, output);
        }
        foreach (var (operation, expected) in new[] { (2, 0L), (5, 1L), (1, long.MinValue), (4, long.MaxValue), (0, 0L) })
        {
            var output = new long[3];
            ReduceFloat.ReduceIntegersTypeName(operation, new long[1], 0, kept, strides, none, output, 1, 2);
            Assert.Equal(new[] { 0L, expected, expected }, output);
        }
    }
}
