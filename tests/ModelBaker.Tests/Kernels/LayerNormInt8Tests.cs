using ModelBaker.Core.Calibration;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Passes;
using ModelBaker.Core.Plan;
using ModelBaker.Core.Quantization;
using Xunit.Abstractions;

namespace ModelBaker.Tests.Kernels;

/// <summary>
/// The integer layer normalization (<see cref="LayerNormInt8"/>) against the float kernel: on exact int8 rows it is the
/// rounded real result, and on the activations of a trained transformer its error is that of an int8 output.
/// </summary>
public sealed class LayerNormInt8Tests
{
    private readonly ITestOutputHelper _output;

    public LayerNormInt8Tests(ITestOutputHelper output) => _output = output;

    /// <summary>The int8 step of a float layer normalization of rows of <paramref name="size"/>, with these ranges.</summary>
    private static LayerNormInt8 Quantized(int outer, int size, float[] scale, float[] bias, float epsilon, (float, float) inputRange, (float, float) outputRange)
    {
        var x = new ArenaSlice("x", ElementType.Float32, outer * size);
        var y = new ArenaSlice("y", ElementType.Float32, outer * size);
        var norm = LayerNormFloat.For("'n' (LayerNormalization)", x, y, outer, size, scale, bias, epsilon, LayerNormResult.Normalized);
        var context = new QuantizationContext(new Dictionary<ArenaSlice, (float Min, float Max)> { [x] = inputRange, [y] = outputRange });
        return Assert.IsType<LayerNormInt8>(norm.Quantize(context));
    }

    [Fact]
    public void Each_output_is_the_real_result_of_its_int8_row_rounded_within_one_step()
    {
        var rng = new Random(17);
        foreach (int size in new[] { 1, 2, 7, 64, 768 })
        {
            var scale = Enumerable.Range(0, size).Select(_ => (float)(rng.NextDouble() * 3 - 1)).ToArray();
            var bias = Enumerable.Range(0, size).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            const int outer = 20;
            var step = Quantized(outer, size, scale, bias, 1e-5f, (-3f, 5f), (-6f, 6f));
            var input = QuantizationParameters.FromRange(-3f, 5f);
            var output = QuantizationParameters.FromRange(-6f, 6f);
            var q = new sbyte[outer * size];
            for (int i = 0; i < q.Length; i++) q[i] = (sbyte)rng.Next(-128, 128);
            for (int i = 0; i < size; i++) q[i] = 17;            // a constant row: every output is β
            for (int i = size; i < 2 * size; i++) q[i] = (sbyte)(i % 2 == 0 ? -128 : 127); // the widest
            var result = new sbyte[q.Length];
            LayerNormInt8.LayerNormInt8s(q, outer, size, step.HalfShift, step.EpsilonTerm, step.Gamma, step.Beta, step.GammaShift, step.OutputZeroPoint, result);
            int exact = 0;
            for (int row = 0; row < outer; row++)
            {
                var x = q.Skip(row * size).Take(size).Select(v => input.Scale * (v - input.ZeroPoint)).ToArray();
                double mean = x.Average(), variance = x.Select(v => (v - mean) * (v - mean)).Average();
                for (int i = 0; i < size; i++)
                {
                    double real = (x[i] - mean) / Math.Sqrt(variance + 1e-5) * scale[i] + bias[i];
                    double ideal = Math.Clamp(real / output.Scale + output.ZeroPoint, -128, 127);
                    double off = Math.Abs(result[row * size + i] - ideal);
                    Assert.True(off <= 0.5 + 1e-3, $"size {size}, row {row}, element {i}: {result[row * size + i]}, the real result is {ideal}");
                    exact += off <= 0.5 ? 1 : 0;
                }
            }
            Assert.True(exact >= outer * size * 99 / 100, $"size {size}: {exact} of {outer * size} within half a step");
            for (int i = 0; i < size; i++)
                Assert.Equal(Math.Clamp(Math.Round(bias[i] / output.Scale) + output.ZeroPoint, -128, 127), result[i], 0);
        }
    }

    [Fact]
    public void An_epsilon_larger_than_the_variance_damps_the_row_as_the_float_kernel_does()
    {
        var scale = new[] { 1f, 1f, 1f, 1f };
        var step = Quantized(1, 4, scale, new float[0], 4f, (-1f, 1f), (-1f, 1f));
        var q = new sbyte[] { -100, -20, 30, 90 };
        var result = new sbyte[4];
        LayerNormInt8.LayerNormInt8s(q, 1, 4, step.HalfShift, step.EpsilonTerm, step.Gamma, step.Beta, step.GammaShift, step.OutputZeroPoint, result);
        var input = QuantizationParameters.FromRange(-1f, 1f);
        var x = q.Select(v => (float)(input.Scale * (v - input.ZeroPoint))).ToArray();
        var y = new float[4];
        LayerNormFloat.LayerNorm(x, 1, 4, scale, Array.Empty<float>(), 4f, 0, y);
        var output = QuantizationParameters.FromRange(-1f, 1f);
        for (int i = 0; i < 4; i++) Assert.Equal(Math.Round(y[i] / output.Scale) + output.ZeroPoint, result[i], 0);
    }

    /// <summary>The int8 statistics step (Mean or InvStdDev) of rows of <paramref name="size"/>, with these ranges.</summary>
    private static LayerNormStatisticsInt8 Statistics(LayerNormResult result, int outer, int size, float epsilon, (float, float) inputRange, (float, float) outputRange)
    {
        var x = new ArenaSlice("x", ElementType.Float32, outer * size);
        var y = new ArenaSlice("s", ElementType.Float32, outer);
        var norm = LayerNormFloat.For("'n' (LayerNormalization)", x, y, outer, size, new float[size], new float[0], epsilon, result);
        var context = new QuantizationContext(new Dictionary<ArenaSlice, (float Min, float Max)> { [x] = inputRange, [y] = outputRange });
        return Assert.IsType<LayerNormStatisticsInt8>(norm.Quantize(context));
    }

    [Theory]
    [InlineData(LayerNormResult.Mean, 1e-5f, -2f, 4f)]
    [InlineData(LayerNormResult.InverseStandardDeviation, 1e-5f, 0f, 12f)]
    [InlineData(LayerNormResult.InverseStandardDeviation, 0.3f, 0f, 2f)]
    [InlineData(LayerNormResult.InverseStandardDeviation, 1e-5f, 0f, 3000f)] // a wide grid: C = size / (scales) far below 2^29
    public void Mean_and_InvStdDev_are_the_real_statistic_of_the_int8_row_rounded_within_one_step(LayerNormResult result, float epsilon, float low, float high)
    {
        var rng = new Random(23);
        foreach (int size in new[] { 1, 2, 7, 64, 768 })
        {
            const int outer = 40;
            var step = Statistics(result, outer, size, epsilon, (-3f, 5f), (low, high));
            var input = QuantizationParameters.FromRange(-3f, 5f);
            var output = QuantizationParameters.FromRange(low, high);
            var q = new sbyte[outer * size];
            for (int i = 0; i < q.Length; i++) q[i] = (sbyte)rng.Next(-128, 128);
            for (int i = 0; i < size; i++) q[i] = 17;                                         // a constant row: variance 0
            for (int i = size; i < 2 * size; i++) q[i] = (sbyte)(i % 2 == 0 ? -128 : 127);    // the widest
            for (int row = 2; row < 6; row++)                                                 // rows of small spread
                for (int i = 0; i < size; i++) q[row * size + i] = (sbyte)(row * 10 + rng.Next(0, 3));
            var codes = new sbyte[outer];
            LayerNormStatisticsInt8.LayerNormStatistics(q, outer, size, (int)result, step.HalfShift, step.EpsilonTerm, step.Multiplier, step.Shift,
                step.InputZeroPoint, step.OutputZeroPoint, codes);
            for (int row = 0; row < outer; row++)
            {
                var x = q.Skip(row * size).Take(size).Select(v => input.Scale * (v - input.ZeroPoint)).ToArray();
                double mean = x.Average(), variance = x.Select(v => (v - mean) * (v - mean)).Average();
                double real = result == LayerNormResult.Mean ? mean : 1 / Math.Sqrt(variance + epsilon);
                double ideal = Math.Clamp(real / output.Scale + output.ZeroPoint, -128, 127);
                Assert.True(Math.Abs(codes[row] - ideal) <= 0.5 + 1e-3, $"{result}, size {size}, row {row}: {codes[row]}, the real result is {ideal}");
            }
        }
    }

    [Fact]
    public void A_constant_row_with_no_epsilon_has_an_infinite_InvStdDev_which_saturates()
    {
        var step = Statistics(LayerNormResult.InverseStandardDeviation, 1, 4, 0f, (-1f, 1f), (0f, 10f));
        var codes = new sbyte[1];
        LayerNormStatisticsInt8.LayerNormStatistics(new sbyte[] { 5, 5, 5, 5 }, 1, 4, 2, step.HalfShift, step.EpsilonTerm, step.Multiplier, step.Shift,
            step.InputZeroPoint, step.OutputZeroPoint, codes);
        Assert.Equal(127, codes[0]);
    }

    [Fact]
    public void Rows_longer_than_the_integer_sums_take_are_refused_with_MB1120()
    {
        int size = LayerNormInt8.MaxSize + 1;
        var e = Assert.Throws<Core.Diagnostics.BakeException>(() => Quantized(1, size, new float[size], new float[0], 1e-5f, (-1f, 1f), (-1f, 1f)));
        Assert.Equal("MB1120", e.Code);
        Assert.Contains("'n' (LayerNormalization)", e.Message);
    }

    /// <summary>
    /// The three LayerNormalization nodes of the digits transformer on their real inputs: ranges from the 64 calibration
    /// digits, the signal-to-noise ratio measured on 64 held-out digits, against the float kernel on the same int8 input
    /// (the kernel's own error) and on the float input (with the input's quantization).
    /// </summary>
    [Fact]
    public void On_a_trained_transformers_activations_the_int8_kernel_is_as_close_as_an_int8_output_can_be()
    {
        var graph = OnnxModelReader.Load(TestData.Path("transformer", "digits_transformer.onnx"));
        ShapeInference.Run(graph);
        var norms = graph.Nodes.Where(n => n.OpType == "LayerNormalization").ToList();
        Assert.Equal(3, norms.Count);
        List<IReadOnlyDictionary<string, Tensor>> Activations(string file)
        {
            var t = NpyReader.Read(TestData.Path("transformer", file));
            var all = t.AsFloats();
            return Enumerable.Range(0, t.Shape[0]).Select(i => FloatInterpreter.Run(graph,
                new Dictionary<string, Tensor> { ["rows"] = Tensor.FromFloats(new[] { 1, 8, 8 }, all.AsSpan(i * 64, 64).ToArray()) }, keepIntermediates: true)).ToList();
        }
        var calibration = Activations("calibration.npy");
        var test = Activations("test_x.npy");
        foreach (var node in norms)
        {
            (float, float) Range(string name) => (calibration.Min(a => a[name].AsFloats().Min()), calibration.Max(a => a[name].AsFloats().Max()));
            float[] scale = graph.Values[node.Inputs[1]].Constant!.AsFloats(), bias = graph.Values[node.Inputs[2]].Constant!.AsFloats();
            int size = scale.Length, outer = graph.Values[node.Inputs[0]].Shape!.Aggregate(1, (a, b) => a * b) / size;
            float epsilon = node.GetFloat("epsilon", 1e-5f);
            var step = Quantized(outer, size, scale, bias, epsilon, Range(node.Inputs[0]), Range(node.Outputs[0]));
            var input = QuantizationParameters.FromRange(Range(node.Inputs[0]).Item1, Range(node.Inputs[0]).Item2);
            var output = QuantizationParameters.FromRange(Range(node.Outputs[0]).Item1, Range(node.Outputs[0]).Item2);
            double signal = 0, kernelNoise = 0, totalNoise = 0;
            foreach (var activations in test)
            {
                var x = activations[node.Inputs[0]].AsFloats();
                var q = x.Select(v => FixedPoint.Quantize(v, input.Scale, input.ZeroPoint)).ToArray();
                var result = new sbyte[q.Length];
                LayerNormInt8.LayerNormInt8s(q, outer, size, step.HalfShift, step.EpsilonTerm, step.Gamma, step.Beta, step.GammaShift, step.OutputZeroPoint, result);
                var onInt8 = new float[q.Length];
                LayerNormFloat.LayerNorm(q.Select(v => FixedPoint.Dequantize(v, input.Scale, input.ZeroPoint)).ToArray(), outer, size, scale, bias, epsilon, 0, onInt8);
                var reference = activations[node.Outputs[0]].AsFloats();
                for (int i = 0; i < q.Length; i++)
                {
                    double ours = output.Scale * (result[i] - output.ZeroPoint);
                    signal += (double)reference[i] * reference[i];
                    kernelNoise += (ours - onInt8[i]) * (ours - onInt8[i]);
                    totalNoise += (ours - reference[i]) * (ours - reference[i]);
                }
            }
            double kernelSnr = 10 * Math.Log10(signal / kernelNoise), totalSnr = 10 * Math.Log10(signal / totalNoise);
            // An int8 output alone (uniform rounding error, step² / 12) over this signal:
            double rounding = 10 * Math.Log10(signal / (test.Count * outer * size * output.Scale * output.Scale / 12));
            _output.WriteLine($"{node.Describe()}: kernel SNR {kernelSnr:0.0} dB, with the input's quantization {totalSnr:0.0} dB (int8 output rounding alone: {rounding:0.0} dB)");
            Assert.True(kernelSnr >= rounding - 1, $"{node.Describe()}: kernel SNR {kernelSnr:0.0} dB, an int8 output's rounding {rounding:0.0} dB");
            Assert.True(totalSnr >= 25, $"{node.Describe()}: SNR {totalSnr:0.0} dB with the input's quantization");
        }
    }
}
