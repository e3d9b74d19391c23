using ModelBaker.Core.Kernels;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Operators;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Kernels;

/// <summary>
/// The int8 Softmax and LogSoftmax exp table (issue 16, item 8): 32 integers, exp(−s · 16h) and exp(−s · l) for
/// d = 16h + l, instead of 256 (1,024 bytes, a fifth of a small MLP's baked bytes). The interpreter, the generated .NET
/// and nanoFramework code computing the same integers from it is tested where every kernel is (ElementwiseInt8Tests,
/// NanoGraphTests); here, that the split costs nothing in accuracy and what it saves.
/// </summary>
public sealed class SoftmaxTableTests
{
    [Theory]
    [InlineData(0.004)]
    [InlineData(0.03)]
    [InlineData(0.1)]
    [InlineData(0.25)]
    [InlineData(1.5)]
    public void The_split_table_gives_every_exp_the_256_entry_table_gave_within_two_millionths(double scale)
    {
        var table = SoftmaxInt8.Tabulate(scale);
        Assert.Equal(32, table.Length);
        Assert.Equal(1L << 20, SoftmaxInt8.Exp(table, 0)); // so a group's sum is at least 2^20, as LogSoftmax needs
        for (int d = 0; d < 256; d++)
        {
            long direct = (long)Math.Round((1 << 20) * Math.Exp(-scale * d));
            Assert.InRange(SoftmaxInt8.Exp(table, d) - direct, -2, 2); // in units of 2^−20; an output step is 2^−8
        }
    }

    /// <summary>Every output of the kernel is within one output step (1/256) of the float softmax of the dequantized input.</summary>
    [Theory]
    [InlineData(0.02)]
    [InlineData(0.12)]
    [InlineData(0.6)]
    public void The_int8_softmax_is_within_one_step_of_the_float_softmax(double scale)
    {
        var random = new Random(16);
        var table = SoftmaxInt8.Tabulate(scale);
        for (int trial = 0; trial < 200; trial++)
        {
            int size = 2 + random.Next(40);
            var input = Enumerable.Range(0, size).Select(_ => (sbyte)random.Next(-128, 128)).ToArray();
            var output = new sbyte[size];
            SoftmaxInt8.Softmax(input, 1, size, 1, table, output);
            double max = input.Max(q => (double)q);
            double sum = input.Sum(q => Math.Exp(scale * (q - max)));
            for (int j = 0; j < size; j++)
            {
                double expected = Math.Min(127, Math.Exp(scale * (input[j] - max)) / sum * 256 - 128);
                Assert.InRange(output[j] - expected, -1, 1);
            }
        }
    }

    /// <summary>An integer-only (nanoFramework) head keeps the int8 forms: 128 bytes of exp table for Softmax, 128 + 1,028 (the log2 table) for LogSoftmax.</summary>
    [Theory]
    [InlineData("Softmax", 128)]
    [InlineData("LogSoftmax", 128 + 4 * 257)]
    public void An_int8_head_costs_its_split_table(string op, int bytes)
    {
        using var folder = new TempFolder();
        var random = new Random(8);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var graph = new GraphBuilder(13).Input("x", 1, 8)
            .Constant("w", T.F(T.S(8, 10), Random(80))).Constant("b", T.F(T.S(10), Random(10)))
            .Node("Gemm", new[] { "x", "w", "b" }, new[] { "logits" })
            .Node(op, new[] { "logits" }, new[] { "y" })
            .Output("y").Graph;
        string data = folder.Path("data.npy");
        Npy.Write(data, Enumerable.Range(0, 16).Select(_ => Random(8)).ToArray());
        var options = new BakeOptions("head.onnx", "Head", "Tests") { Precision = Precision.Int8, CalibrationPath = data, Target = CodeTarget.NanoFramework };
        var (plan, report) = Baker.BakeWithReport(graph, "test", options, new RecordingLog());

        var head = plan.Kernels[^1];
        Assert.Equal(op == "Softmax" ? typeof(SoftmaxInt8) : typeof(LogSoftmaxInt8), head.GetType());
        Assert.Equal(bytes, head.WeightBytes);
        Assert.Equal(bytes, report.Layers[^1].Bytes);
    }
}
