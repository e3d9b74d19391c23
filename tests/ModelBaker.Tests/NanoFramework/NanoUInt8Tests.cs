using ModelBaker.Cli.Conformance;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Operators;
using static ModelBaker.Tests.Operators.GraphBuilder;

namespace ModelBaker.Tests.NanoFramework;

/// <summary>
/// uint8 tensors on nanoFramework (issue 17, item 5): the integer steps an int8 plan gives uint8 tensors (arithmetic,
/// comparisons, Where, GatherElements, OneHot, integer casts) run on nanoFramework as on .NET — the int8 interpreter, the
/// .NET class and the nanoFramework class (compiled against nanoFramework's mscorlib, then for .NET) bit for bit
/// (<see cref="NanoSelectionLogicTests.RunEveryWay"/>), wrapping modulo 256 as numpy and ONNX Runtime do, with
/// broadcasting; and the ONNX backend node cases on uint8 tensors baked for nanoFramework give their expected outputs.
/// </summary>
public sealed class NanoUInt8Tests
{
    private static Tensor Bytes(int[] shape, params long[] values) => Tensor.FromInt64s(shape, values, ElementType.UInt8);

    // a is [2, 3]; b, c and d are [3], broadcast along a's rows.
    private static readonly byte[] A = { 250, 0, 255, 7, 200, 3 };
    private static readonly byte[] B = { 10, 1, 2 };
    private static readonly byte[] C = { 0, 3, 255 };
    private static readonly byte[] D = { 2, 0, 1 };

    [Fact]
    public void Arithmetic_on_uint8_tensors_wraps_modulo_256_with_broadcasting()
    {
        var graph = new GraphBuilder(13).Input("a", ElementType.UInt8, 2, 3).Input("b", ElementType.UInt8, 3)
            .Input("c", ElementType.UInt8, 3).Input("d", ElementType.UInt8, 3)
            .Constant("low", Bytes(T.S(), 5)).Constant("high", Bytes(T.S(), 240))
            .Node("Add", new[] { "a", "b" }, new[] { "sum" })
            .Node("Sub", new[] { "a", "b" }, new[] { "difference" })
            .Node("Mul", new[] { "a", "b" }, new[] { "product" })
            .Node("Div", new[] { "a", "c" }, new[] { "quotient" })
            .Node("Mod", new[] { "a", "c" }, new[] { "remainder" })
            .Node("Max", new[] { "a", "b" }, new[] { "largest" })
            .Node("Min", new[] { "a", "b" }, new[] { "smallest" })
            .Node("Pow", new[] { "a", "d" }, new[] { "power" })
            .Node("Clip", new[] { "a", "low", "high" }, new[] { "clipped" })
            .Node("Sum", new[] { "a", "b", "b" }, new[] { "total" })
            .Output("sum", "difference", "product", "quotient", "remainder", "largest", "smallest", "power", "clipped", "total").Graph;
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(graph, new Array[] { A, B, C, D });
        Assert.All(steps, k => Assert.Equal(KernelKind.BinaryInteger, k.Kind));
        Assert.All(steps.Cast<BinaryInteger>(), k => Assert.Equal(ElementType.UInt8, k.Type));
        Assert.Equal(new byte[] { 4, 1, 1, 17, 201, 5 }, (byte[])outputs[0]);          // 250 + 10 = 260 → 4, 255 + 2 → 1
        Assert.Equal(new byte[] { 240, 255, 253, 253, 199, 1 }, (byte[])outputs[1]);   // 0 − 1 → 255
        Assert.Equal(new byte[] { 196, 0, 254, 70, 200, 6 }, (byte[])outputs[2]);      // 250 · 10 = 2500 → 196, 255 · 2 → 254
        Assert.Equal(new byte[] { 0, 0, 1, 0, 66, 0 }, (byte[])outputs[3]);            // x / 0 = 0; 255 is not −1
        Assert.Equal(new byte[] { 0, 0, 0, 0, 2, 3 }, (byte[])outputs[4]);             // x mod 0 = 0
        Assert.Equal(new byte[] { 250, 1, 255, 10, 200, 3 }, (byte[])outputs[5]);      // unsigned order: 250 > 10
        Assert.Equal(new byte[] { 10, 0, 2, 7, 1, 2 }, (byte[])outputs[6]);
        Assert.Equal(new byte[] { 36, 1, 255, 49, 1, 3 }, (byte[])outputs[7]);        // 250² = 62500 → 36
        Assert.Equal(new byte[] { 240, 5, 240, 7, 200, 5 }, (byte[])outputs[8]);
        Assert.Equal(new byte[] { 14, 2, 3, 27, 202, 7 }, (byte[])outputs[9]);         // 250 + 10 + 10 = 270 → 14
    }

    private static readonly string[] Comparisons = { "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Equal" };

    [Fact]
    public void Comparisons_of_uint8_tensors_order_them_unsigned_with_broadcasting()
    {
        var b = new GraphBuilder(13).Input("a", ElementType.UInt8, 2, 3).Input("b", ElementType.UInt8, 3)
            .Constant("seven", Bytes(T.S(1), 7));
        foreach (string op in Comparisons)
        {
            b.Node(op, new[] { "a", "b" }, new[] { op }).Output(op);
            b.Node(op, new[] { "seven", "a" }, new[] { op + "Constant" }).Output(op + "Constant");
        }
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(b.Graph, new Array[] { A, B });
        Assert.Equal(10, steps.OfType<Predicate>().Count(p => p.A.Type == ElementType.UInt8));
        var broadcast = B.Concat(B).ToArray();
        bool[] Expected(string op, IEnumerable<int> x, IEnumerable<int> y) => x.Zip(y, (p, q) => op switch
        {
            "Less" => p < q,
            "LessOrEqual" => p <= q,
            "Greater" => p > q,
            "GreaterOrEqual" => p >= q,
            _ => p == q,
        }).ToArray();
        // 250, 255 and 200 read as int8 would be negative and below 10, 2 and 1: these rows tell the orders apart.
        Assert.Equal(new[] { false, true, false, true, false, false }, (bool[])outputs[0]);
        for (int i = 0; i < Comparisons.Length; i++)
        {
            Assert.Equal(Expected(Comparisons[i], A.Select(v => (int)v), broadcast.Select(v => (int)v)), (bool[])outputs[2 * i]);
            Assert.Equal(Expected(Comparisons[i], Enumerable.Repeat(7, 6), A.Select(v => (int)v)), (bool[])outputs[2 * i + 1]);
        }
    }

    [Fact]
    public void Where_GatherElements_OneHot_and_integer_casts_move_uint8_values()
    {
        var graph = new GraphBuilder(13).Input("a", ElementType.UInt8, 2, 3).Input("b", ElementType.UInt8, 3)
            .Input("rowsAt", ElementType.Int64, 2, 3).Input("hot", ElementType.Int64, 2)
            .Constant("fill", Bytes(T.S(1, 3), 100, 101, 102))
            .Constant("depth", T.I(T.S(), 3)).Constant("offOn", Bytes(T.S(2), 0, 255))
            .Node("Less", new[] { "a", "b" }, new[] { "below" })
            .Node("Where", new[] { "below", "a", "fill" }, new[] { "kept" })
            .Node("GatherElements", new[] { "a", "rowsAt" }, new[] { "gathered" }, Int("axis", 0))
            .Node("OneHot", new[] { "hot", "depth", "offOn" }, new[] { "marked" })
            .Node("Cast", new[] { "a" }, new[] { "signed" }, Int("to", (long)ElementType.Int8))
            .Node("Cast", new[] { "signed" }, new[] { "unsigned" }, Int("to", (long)ElementType.UInt8))
            .Node("Cast", new[] { "a" }, new[] { "wide" }, Int("to", (long)ElementType.Int32))
            .Node("Cast", new[] { "a" }, new[] { "flags" }, Int("to", (long)ElementType.Bool))
            .Node("Cast", new[] { "rowsAt" }, new[] { "narrowed" }, Int("to", (long)ElementType.UInt8))
            .Output("kept", "gathered", "marked", "signed", "unsigned", "wide", "flags", "narrowed").Graph;
        var rowsAt = new long[] { 1, 0, -1, 0, 257, -2 };
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(graph, new Array[] { A, B, rowsAt, new long[] { 1, -1 } });
        Assert.Single(steps.OfType<Select>(), s => s.Output.Type == ElementType.UInt8);
        Assert.Single(steps.OfType<GatherIndexed>(), g => g.Output.Type == ElementType.UInt8);
        Assert.Single(steps.OfType<OneHotKernel>(), o => o.Output.Type == ElementType.UInt8);
        Assert.Equal(5, steps.OfType<Conversion>().Count(c => c.Input.Type == ElementType.UInt8 || c.Output.Type == ElementType.UInt8));
        Assert.Equal(new byte[] { 100, 0, 102, 7, 101, 102 }, (byte[])outputs[0]);
        // output[r, c] = a[rowsAt[r, c], c]; −1 → row 1, −2 → row 0, 257 is outside the axis: 0.
        Assert.Equal(new byte[] { 7, 0, 3, 250, 0, 255 }, (byte[])outputs[1]);
        Assert.Equal(new byte[] { 0, 255, 0, 0, 0, 255 }, (byte[])outputs[2]);
        Assert.Equal(new sbyte[] { -6, 0, -1, 7, -56, 3 }, (sbyte[])outputs[3]);
        Assert.Equal(A, (byte[])outputs[4]);
        Assert.Equal(A.Select(v => (int)v).ToArray(), (int[])outputs[5]);
        Assert.Equal(new[] { true, false, true, true, true, true }, (bool[])outputs[6]);
        Assert.Equal(new byte[] { 1, 0, 255, 0, 1, 254 }, (byte[])outputs[7]);      // the low 8 bits: −1 → 255, 257 → 1
    }

    public static TheoryData<string> UInt8NodeCases() => new()
    {
        "test_div_uint8", "test_equal_uint8", "test_greater_equal_uint8", "test_greater_uint8", "test_less_equal_uint8",
        "test_less_uint8", "test_max_uint8", "test_min_uint8", "test_mod_uint8", "test_mul_uint8",
    };

    /// <summary>The ONNX backend cases on uint8 tensors, baked int8 for nanoFramework: every way equal, and equal to the case's outputs.</summary>
    [Theory]
    [MemberData(nameof(UInt8NodeCases))]
    public void ONNX_uint8_node_cases_give_their_expected_outputs_on_nanoFramework(string name)
    {
        var testCase = ConformanceCase.Find(TestData.Path("onnx", "node", name)).Single();
        var graph = OnnxModelReader.Load(testCase.ModelPath);
        foreach (var dataSet in testCase.DataSets)
        {
            var inputs = graph.Inputs.Select((t, i) => TensorArrays.ToArray(TensorConverter.ReadTensorFile(dataSet.Inputs[i]), graph[t].Type)).ToArray();
            Assert.Contains(inputs, a => a is byte[]);
            var (outputs, _) = NanoSelectionLogicTests.RunEveryWay(graph, inputs);
            for (int o = 0; o < outputs.Length; o++)
            {
                var expected = TensorConverter.ReadTensorFile(dataSet.Outputs[o]);
                Assert.Equal(TensorArrays.ToArray(expected, expected.Type).Cast<object>(), outputs[o].Cast<object>());
            }
        }
    }
}
