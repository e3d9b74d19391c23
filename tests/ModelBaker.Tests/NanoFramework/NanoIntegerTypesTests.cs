using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Serialization;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.NanoFramework.NanoSelectionLogicTests;
using static ModelBaker.Tests.Operators.GraphBuilder;
using static ModelBaker.Tests.Operators.T;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// int16, uint16, uint32 and uint64 tensors (issue 17): the element-wise, predicate and Where steps wrap and order as
/// their C# types do — checked against values worked out by hand — and the int8 interpreter, the .NET class and the
/// nanoFramework class agree bit for bit; uint64 values of 2^63 and above compare, divide, take a modulo and rank
/// unsigned.
/// </summary>
public sealed class NanoIntegerTypesTests
{
    private static Tensor Typed(ElementType type, int[] shape, params long[] values) => Tensor.FromInt64s(shape, values, type);

    /// <summary>a + b, a − b, a &lt; b, Where(a &lt; b, a, b) and Where(a &lt; b, a, constant) on two tensors of one type.</summary>
    private static Graph Arithmetic(ElementType type, long constant) =>
        new GraphBuilder(13).Input("a", type, 4).Input("b", type, 4)
            .Constant("c", Typed(type, S(1), constant))
            .Node("Add", new[] { "a", "b" }, new[] { "sum" })
            .Node("Sub", new[] { "a", "b" }, new[] { "difference" })
            .Node("Less", new[] { "a", "b" }, new[] { "less" })
            .Node("Where", new[] { "less", "a", "b" }, new[] { "smaller" })
            .Node("Where", new[] { "less", "a", "c" }, new[] { "orConstant" })
            .Output("sum", "difference", "less", "smaller", "orConstant").Graph;

    [Fact]
    public void Uint16_adds_subtracts_compares_and_selects_wrapping_at_65536_every_way()
    {
        var a = new ushort[] { 65535, 0, 7, 40000 };
        var b = new ushort[] { 1, 1, 9, 30000 };
        var (outputs, steps) = RunEveryWay(Arithmetic(ElementType.UInt16, 60000), new Array[] { a, b });
        Assert.Equal(2, steps.OfType<BinaryInteger>().Count(s => s.Type == ElementType.UInt16));
        Assert.Single(steps.OfType<Predicate>(), p => p.A.Type == ElementType.UInt16);
        Assert.Equal(2, steps.OfType<Select>().Count(s => s.Output.Type == ElementType.UInt16));
        Assert.Equal(new ushort[] { 0, 1, 16, 4464 }, (ushort[])outputs[0]); // 65535 + 1 = 0; 70000 − 65536
        Assert.Equal(new ushort[] { 65534, 65535, 65534, 10000 }, (ushort[])outputs[1]); // 0 − 1 = 65535
        Assert.Equal(new[] { false, true, true, false }, (bool[])outputs[2]);
        Assert.Equal(new ushort[] { 1, 0, 7, 30000 }, (ushort[])outputs[3]);
        Assert.Equal(new ushort[] { 60000, 0, 7, 60000 }, (ushort[])outputs[4]);
    }

    [Fact]
    public void Uint32_adds_subtracts_compares_and_selects_unsigned_above_2_to_the_31_every_way()
    {
        // 3 000 000 000 is negative as an int: a signed comparison would call it less than 2 000 000 000.
        var a = new uint[] { 4294967295, 0, 7, 3000000000 };
        var b = new uint[] { 1, 1, 9, 2000000000 };
        var (outputs, steps) = RunEveryWay(Arithmetic(ElementType.UInt32, 4000000000), new Array[] { a, b });
        Assert.Equal(2, steps.OfType<BinaryInteger>().Count(s => s.Type == ElementType.UInt32));
        Assert.Single(steps.OfType<Predicate>(), p => p.A.Type == ElementType.UInt32);
        Assert.Equal(new uint[] { 0, 1, 16, 705032704 }, (uint[])outputs[0]); // 5e9 − 2^32
        Assert.Equal(new uint[] { 4294967294, 4294967295, 4294967294, 1000000000 }, (uint[])outputs[1]);
        Assert.Equal(new[] { false, true, true, false }, (bool[])outputs[2]);
        Assert.Equal(new uint[] { 1, 0, 7, 2000000000 }, (uint[])outputs[3]);
        Assert.Equal(new uint[] { 4000000000, 0, 7, 4000000000 }, (uint[])outputs[4]);
    }

    [Fact]
    public void Int16_wraps_at_its_bounds_every_way()
    {
        var graph = new GraphBuilder(13).Input("a", ElementType.Int16, 3).Input("b", ElementType.Int16, 3)
            .Node("Sub", new[] { "a", "b" }, new[] { "difference" })
            .Node("Add", new[] { "a", "b" }, new[] { "sum" })
            .Node("Mul", new[] { "a", "b" }, new[] { "product" })
            .Node("GreaterOrEqual", new[] { "a", "b" }, new[] { "atLeast" })
            .Output("difference", "sum", "product", "atLeast").Graph;
        var a = new short[] { -32768, 32767, 300 };
        var b = new short[] { 1, 1, 300 };
        var (outputs, _) = RunEveryWay(graph, new Array[] { a, b });
        Assert.Equal(new short[] { 32767, 32766, 0 }, (short[])outputs[0]); // −32768 − 1 = 32767
        Assert.Equal(new short[] { -32767, -32768, 600 }, (short[])outputs[1]); // 32767 + 1 = −32768
        Assert.Equal(new short[] { -32768, 32767, 24464 }, (short[])outputs[2]); // 90000 − 65536
        Assert.Equal(new[] { false, true, true }, (bool[])outputs[3]);
    }

    private const ulong Half = 1UL << 63;

    [Fact]
    public void Uint64_above_2_to_the_63_compares_divides_and_takes_modulo_unsigned_every_way()
    {
        var graph = new GraphBuilder(13).Input("a", ElementType.UInt64, 5).Input("b", ElementType.UInt64, 5)
            .Node("Less", new[] { "a", "b" }, new[] { "less" })
            .Node("Greater", new[] { "a", "b" }, new[] { "greater" })
            .Node("Div", new[] { "a", "b" }, new[] { "quotient" })
            .Node("Mod", new[] { "a", "b" }, new[] { "remainder" })
            .Node("Max", new[] { "a", "b" }, new[] { "larger" })
            .Output("less", "greater", "quotient", "remainder", "larger").Graph;
        var a = new[] { Half, ulong.MaxValue, 10UL, Half + 5, 123UL };
        var b = new[] { Half - 1, 2UL, 3UL, Half + 6, 0UL };
        var (outputs, steps) = RunEveryWay(graph, new Array[] { a, b });
        Assert.Equal(3, steps.OfType<BinaryInteger>().Count(s => s.Type == ElementType.UInt64));
        // As signed longs 2^63 would be the smallest value: every answer below would flip.
        Assert.Equal(new[] { false, false, false, true, false }, (bool[])outputs[0]);
        Assert.Equal(new[] { true, true, true, false, true }, (bool[])outputs[1]);
        Assert.Equal(new[] { 1UL, Half - 1, 3UL, 0UL, 0UL }, (ulong[])outputs[2]); // x / 0 = 0
        Assert.Equal(new[] { 1UL, 1UL, 1UL, Half + 5, 0UL }, (ulong[])outputs[3]); // x mod 0 = 0
        Assert.Equal(new[] { Half, ulong.MaxValue, 10UL, Half + 6, 123UL }, (ulong[])outputs[4]);
    }

    [Fact]
    public void TopK_ranks_uint64_unsigned_every_way()
    {
        var graph = new GraphBuilder(13).Input("x", ElementType.UInt64, 5)
            .Constant("three", I(S(1), 3)).Constant("two", I(S(1), 2))
            .Node("TopK", new[] { "x", "three" }, new[] { "largest", "largestIndices" })
            .Node("TopK", new[] { "x", "two" }, new[] { "smallest", "smallestIndices" }, Int("largest", 0))
            .Output("largest", "largestIndices", "smallest", "smallestIndices").Graph;
        var x = new[] { 5UL, Half, ulong.MaxValue, Half - 1, 0UL };
        var (outputs, steps) = RunEveryWay(graph, new Array[] { x });
        Assert.Equal(2, steps.OfType<TopKIndices>().Count(t => t.Input.Type == ElementType.UInt64));
        Assert.Equal(new[] { ulong.MaxValue, Half, Half - 1 }, (ulong[])outputs[0]);
        Assert.Equal(new long[] { 2, 1, 3 }, (long[])outputs[1]);
        Assert.Equal(new[] { 0UL, 5UL }, (ulong[])outputs[2]);
        Assert.Equal(new long[] { 4, 0 }, (long[])outputs[3]);
    }

    [Fact]
    public void Int8_plans_cast_quantized_floats_to_and_from_16_bit_and_unsigned_integers_every_way()
    {
        var graph = new GraphBuilder(13).Input("x", 6)
            .Node("Cast", new[] { "x" }, new[] { "u16" }, Int("to", (long)ElementType.UInt16))
            .Node("Cast", new[] { "x" }, new[] { "i16" }, Int("to", (long)ElementType.Int16))
            .Node("Cast", new[] { "x" }, new[] { "u64" }, Int("to", (long)ElementType.UInt64))
            .Node("Cast", new[] { "u16" }, new[] { "fromU16" }, Int("to", (long)ElementType.Float32))
            .Node("Cast", new[] { "u64" }, new[] { "fromU64" }, Int("to", (long)ElementType.Float32))
            .Output("u16", "i16", "u64", "fromU16", "fromU64").Graph;
        // Half-way between integers, many int8 steps from any: truncation toward zero is the same for the quantized values.
        var x = new[] { -1.5f, 0.5f, 2.5f, 3.5f, 0f, -2.5f };
        var (outputs, steps) = RunEveryWay(graph, new Array[] { x }, Uniform(32, 6, 5, range: 4f));
        Assert.Equal(5, steps.OfType<CastInt8>().Count());
        Assert.Equal(new ushort[] { 65535, 0, 2, 3, 0, 65534 }, (ushort[])outputs[0]); // −1 wraps to 65535
        Assert.Equal(new short[] { -1, 0, 2, 3, 0, -2 }, (short[])outputs[1]);
        Assert.Equal(new[] { ulong.MaxValue, 0UL, 2UL, 3UL, 0UL, ulong.MaxValue - 1 }, (ulong[])outputs[2]);
        // Back to float on grids calibrated up to 65535 and 2^64 (one step is 65535 / 255 and 2^64 / 255): the wrapped
        // negatives are the largest values, not −1 and −2, and 0 stays exactly 0.
        var fromU16 = (float[])outputs[3];
        var fromU64 = (float[])outputs[4];
        Assert.InRange(fromU16[0], 65535f - 300f, 65535f + 300f);
        Assert.InRange(fromU64[0], 1.8e19f, 1.9e19f);
        Assert.Equal(0f, fromU16[4]);
        Assert.Equal(0f, fromU64[4]);
    }

    [Theory]
    [InlineData(Precision.Float32)]
    [InlineData(Precision.Int8)]
    public void Data_movement_carries_uint32_values_above_2_to_the_31_in_the_interpreter_and_the_generated_class(Precision precision)
    {
        var graph = new GraphBuilder(13).Input("x", ElementType.UInt32, 2, 3)
            .Constant("starts", I(S(1), 1)).Constant("ends", I(S(1), 3)).Constant("axes", I(S(1), 1)).Constant("columns", I(S(2), 2, 0))
            .Node("Transpose", new[] { "x" }, new[] { "transposed" }, Ints("perm", 1, 0))
            .Node("Concat", new[] { "x", "x" }, new[] { "joined" }, Int("axis", 1))
            .Node("Slice", new[] { "x", "starts", "ends", "axes" }, new[] { "sliced" })
            .Node("Gather", new[] { "x", "columns" }, new[] { "gathered" }, Int("axis", 1))
            .Output("transposed", "joined", "sliced", "gathered").Graph;
        var x = new uint[] { 4000000000, 1, 2, 3, 4294967295, 5 };
        var plan = PlanFile.Read(PlanFile.ToBytes(Baker.Bake(graph, "test", new BakeOptions("moves.onnx", "Net", "Tests") { Precision = precision },
            new RecordingLog())));
        var expected = PlanInterpreter.RunTensors(plan, new Array[] { x });
        Assert.Equal(new uint[] { 4000000000, 3, 1, 4294967295, 2, 5 }, (uint[])expected[0]);
        Assert.Equal(new uint[] { 4000000000, 1, 2, 4000000000, 1, 2, 3, 4294967295, 5, 3, 4294967295, 5 }, (uint[])expected[1]);
        Assert.Equal(new uint[] { 1, 2, 4294967295, 5 }, (uint[])expected[2]);
        Assert.Equal(new uint[] { 2, 4000000000, 5, 3 }, (uint[])expected[3]);
        var outputs = plan.Outputs.Select(t => (object)Array.CreateInstance(TensorArrays.ClrType(t.Type), t.Length)).ToArray();
        InMemoryCompiler.Compile(ClassEmitter.Emit(plan), plan)(new object[] { x }, outputs);
        for (int o = 0; o < expected.Length; o++) Assert.Equal(expected[o].Cast<object>(), ((Array)outputs[o]).Cast<object>());
    }

    [Fact]
    public void Tensor_files_keep_uint64_values_above_2_to_the_63_and_16_bit_values()
    {
        using var folder = new TempFolder();
        foreach (var (type, values) in new[]
                 {
                     (ElementType.UInt64, new[] { unchecked((long)ulong.MaxValue), unchecked((long)Half), 7L }),
                     (ElementType.UInt32, new[] { 4294967295L, 0L, 7L }),
                     (ElementType.UInt16, new[] { 65535L, 0L, 7L }),
                     (ElementType.Int16, new[] { -32768L, 32767L, -7L }),
                 })
        {
            string path = folder.Path($"{type}.pb");
            TensorConverter.WriteTensorFile(Tensor.FromInt64s(S(3), values, type), path);
            var read = TensorConverter.ReadTensorFile(path);
            Assert.Equal(type, read.Type);
            Assert.Equal(values, read.Int64s);
        }
    }
}
