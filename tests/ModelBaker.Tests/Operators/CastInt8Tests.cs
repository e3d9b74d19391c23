using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.NanoFramework;
using static ModelBaker.Tests.Operators.GraphBuilder;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Cast between float and int8, int32, int64 or bool in int8 plans (<see cref="CastInt8"/>): integer steps, no float
/// island, on .NET and nanoFramework alike (interpreter = .NET class = nanoFramework class, bit for bit), giving what the
/// float Cast gives on the dequantized values; integer-to-integer casts run on nanoFramework too. Values checked by hand.
/// </summary>
public sealed class CastInt8Tests
{
    [Fact]
    public void Casts_to_and_from_float_are_integer_steps_on_both_targets()
    {
        var graph = new GraphBuilder(13).Input("x", 1, 6)
            .Node("Cast", new[] { "x" }, new[] { "truncated" }, Int("to", (long)ElementType.Int32))
            .Node("Cast", new[] { "x" }, new[] { "nonzero" }, Int("to", (long)ElementType.Bool))
            .Node("Cast", new[] { "x" }, new[] { "small" }, Int("to", (long)ElementType.Int8))
            .Node("ArgMax", new[] { "x" }, new[] { "index" }, Int("axis", 1))
            .Node("Cast", new[] { "index" }, new[] { "indexFloat" }, Int("to", (long)ElementType.Float32))
            .Node("Cast", new[] { "nonzero" }, new[] { "nonzeroFloat" }, Int("to", (long)ElementType.Float32))
            .Node("Cast", new[] { "small" }, new[] { "smallFloat" }, Int("to", (long)ElementType.Float32))
            .Node("Cast", new[] { "truncated" }, new[] { "truncatedLong" }, Int("to", (long)ElementType.Int64))
            .Node("Cast", new[] { "truncatedLong" }, new[] { "truncatedFloat" }, Int("to", (long)ElementType.Float32))
            .Output("truncated", "nonzero", "indexFloat", "nonzeroFloat", "smallFloat", "truncatedFloat")
            .Graph;
        var x = new float[] { -3.4f, -1.6f, 0f, 0.7f, 2.3f, 3.1f };
        var (outputs, steps) = NanoSelectionLogicTests.RunEveryWay(graph, new Array[] { x }, NanoSelectionLogicTests.Uniform(64, 6, 7, 3.5f));
        Assert.DoesNotContain(steps, k => k is IFloatOnlyKernel || k is FloatIslandBoundary);
        Assert.Equal(7, steps.Count(k => k.Kind == KernelKind.CastInt8));
        Assert.Single(steps, k => k.Kind == KernelKind.Conversion); // int32 → int64
        Assert.Equal(new[] { -3, -1, 0, 0, 2, 3 }, (int[])outputs[0]);
        Assert.Equal(new[] { true, true, false, true, true, true }, (bool[])outputs[1]);
        AssertNear(new[] { 5f }, (float[])outputs[2], 0.05f);
        AssertNear(new[] { 1f, 1f, 0f, 1f, 1f, 1f }, (float[])outputs[3], 0.01f);
        AssertNear(new[] { -3f, -1f, 0f, 0f, 2f, 3f }, (float[])outputs[4], 0.05f);
        AssertNear(new[] { -3f, -1f, 0f, 0f, 2f, 3f }, (float[])outputs[5], 0.05f);
    }

    [Fact]
    public void Thresholds_give_every_int64_value_the_code_the_float_cast_and_quantization_give()
    {
        // int64 → float quantized at scale 0.37, zero point 11: the thresholds' code equals Quantize((float)v) for every v
        // near the grid, far beyond it and at the extremes.
        var floats = new ArenaSlice("f", ElementType.Float32, 1, 0);
        var cast = new Conversion("cast", new ArenaSlice("i", ElementType.Int64, 1, 0), floats);
        var q = new Core.Quantization.QuantizationContext(new Dictionary<ArenaSlice, (float Min, float Max)>());
        q.Fix(floats, new Core.Quantization.QuantizationParameters(0.37, 11));
        var step = CastInt8.From(cast, q);
        var values = Enumerable.Range(-200, 400).Select(v => (long)v)
            .Concat(new[] { long.MinValue, long.MinValue + 1, -1L << 40, 1L << 40, long.MaxValue - 1, long.MaxValue }).ToArray();
        var codes = new sbyte[values.Length];
        CastInt8.CastToInt8(values, (long[])step.Table, codes);
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(FixedPoint.Quantize((float)values[i], 0.37, 11), codes[i]);
    }

    private static void AssertNear(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.InRange(actual[i], expected[i] - tolerance, expected[i] + tolerance);
    }
}
