using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.NanoFramework;
using static ModelBaker.Tests.Operators.GraphBuilder;

namespace ModelBaker.Tests.Operators;

/// <summary>
/// Cast between float and int8, uint8, int32, int64 or bool in int8 plans (<see cref="CastInt8"/>): integer steps, no float
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

    [Fact]
    public void Casts_between_float_and_uint8_are_table_steps_on_both_targets()
    {
        // float → uint8 truncates the real value and keeps its low 8 bits (−3.4 → −3 → 253); uint8 → float reads the
        // value unsigned (200 is 200, not −56).
        var toBytes = new GraphBuilder(13).Input("x", 1, 6)
            .Node("Cast", new[] { "x" }, new[] { "bytes" }, Int("to", (long)ElementType.UInt8)).Output("bytes").Graph;
        var x = new float[] { -3.4f, -1.6f, 0f, 0.7f, 2.3f, 3.1f };
        var (bytes, steps) = NanoSelectionLogicTests.RunEveryWay(toBytes, new Array[] { x }, NanoSelectionLogicTests.Uniform(64, 6, 7, 3.5f));
        Assert.Equal(new[] { KernelKind.CastInt8 }, steps.Select(k => k.Kind));
        Assert.Equal(new byte[] { 253, 255, 0, 0, 2, 3 }, (byte[])bytes[0]);

        var fromBytes = new GraphBuilder(13).Input("u", ElementType.UInt8, 1, 6).Constant("half", T.F(T.S(), 0.5f))
            .Node("Cast", new[] { "u" }, new[] { "f" }, Int("to", (long)ElementType.Float32))
            .Node("Mul", new[] { "f", "half" }, new[] { "y" }).Output("y").Graph;
        var u = new byte[] { 0, 1, 200, 255, 30, 128 };
        // Calibrated on uint8 values over 0 … 255 (a float .npy, converted to the input's type).
        var calibration = Enumerable.Range(0, 32).Select(k => Enumerable.Range(0, 6).Select(j => (float)((k * 8 + j * 41) % 256)).ToArray())
            .Append(new[] { 255f, 0f, 255f, 0f, 255f, 0f }).ToArray();
        var (halves, fromSteps) = NanoSelectionLogicTests.RunEveryWay(fromBytes, new Array[] { u }, calibration);
        Assert.DoesNotContain(fromSteps, k => k is IFloatOnlyKernel || k is FloatIslandBoundary);
        var cast = Assert.Single(fromSteps.OfType<CastInt8>());
        Assert.Equal(ElementType.UInt8, cast.Input.Type);
        // The output's grid spans 0 … 127.5 in 255 steps of 0.5: u / 2 within half a step (and well apart from −56 / 2).
        AssertNear(u.Select(v => v / 2f).ToArray(), (float[])halves[0], 0.3f);
    }

    [Fact]
    public void Uint8_tables_give_what_dequantize_cast_quantize_gives_for_every_value()
    {
        // Grids that reach beyond uint8's range (wrapping) and saturate int8 codes: every int8 code and every uint8 value.
        var q = new Core.Quantization.QuantizationContext(new Dictionary<ArenaSlice, (float Min, float Max)>());
        var wide = new ArenaSlice("wide", ElementType.Float32, 256, 0);
        var bytes = new ArenaSlice("bytes", ElementType.UInt8, 256, 0);
        var narrow = new ArenaSlice("narrow", ElementType.Float32, 256, 0);
        q.Fix(wide, new Core.Quantization.QuantizationParameters(2.5, -7));
        q.Fix(narrow, new Core.Quantization.QuantizationParameters(1.1, -100));

        var toBytes = CastInt8.From(new Conversion("to uint8", wide, bytes), q);
        var codes = Enumerable.Range(-128, 256).Select(c => (sbyte)c).ToArray();
        var cast = new byte[256];
        CastInt8.CastFromInt8<byte>(codes, (byte[])toBytes.Table, cast);
        var real = codes.Select(c => FixedPoint.Dequantize(c, 2.5, -7)).ToArray();
        var expected = new byte[256];
        Conversion.Cast(real, expected);
        Assert.Equal(expected, cast);
        Assert.Contains(expected, v => v != 0 && v < 100); // wrapped: −320 … 317 covers several turns

        var fromBytes = CastInt8.From(new Conversion("from uint8", bytes, narrow), q);
        var values = Enumerable.Range(0, 256).Select(v => (byte)v).ToArray();
        var quantized = new sbyte[256];
        CastInt8.CastToInt8(values, (sbyte[])fromBytes.Table, quantized);
        var floats = new float[256];
        Conversion.Cast(values, floats);
        Assert.Equal(floats.Select(f => FixedPoint.Quantize(f, 1.1, -100)), quantized);
        Assert.Equal(127, quantized[255]); // saturated
    }

    [Fact]
    public void On_a_grid_finer_than_one_every_integer_comes_back_from_its_code_and_other_cells_truncate()
    {
        // Scale 0.03, zero point 5 (about −4 … 3.7): the integers' codes dequantize up to 0.015 below or above them; a
        // plain truncation of the dequantized value would give 2 for 3's code when it lies below 3.
        var q = new Core.Quantization.QuantizationContext(new Dictionary<ArenaSlice, (float Min, float Max)>());
        var x = new ArenaSlice("x", ElementType.Float32, 1, 0);
        q.Fix(x, new Core.Quantization.QuantizationParameters(0.03, 5));
        var table = (long[])CastInt8.From(new Conversion("to int64", x, new ArenaSlice("i", ElementType.Int64, 1, 0)), q).Table;
        for (int k = -3; k <= 3; k++)
            Assert.Equal(k, table[FixedPoint.Quantize(k, 0.03, 5) + 128]);
        Assert.Contains(Enumerable.Range(-3, 7), k => FixedPoint.Dequantize(FixedPoint.Quantize(k, 0.03, 5), 0.03, 5) < k); // the case that matters
        for (int code = -128; code <= 127; code++)
        {
            float real = FixedPoint.Dequantize((sbyte)code, 0.03, 5);
            long expected = Math.Abs(real - Math.Round(real)) <= 0.015 ? (long)Math.Round(real) : (long)Math.Truncate(real);
            Assert.Equal(expected, table[code + 128]);
        }
    }

    private static void AssertNear(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.InRange(actual[i], expected[i] - tolerance, expected[i] + tolerance);
    }
}
