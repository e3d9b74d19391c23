using ModelBaker.Core.Codegen;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Core.Plan;
using ModelBaker.Tests.Support;
using static ModelBaker.Tests.Kernels.Int8KernelPathTests;

namespace ModelBaker.Tests.Kernels;

/// <summary>
/// The channels-last int8 kernels compute exactly what the channels-first ones compute, element for element: the
/// convolution (matrix product and depthwise; every branch: in place and banded, channel, tap and pixel tails) and
/// pooling, in the interpreter's scalar form and in generated code's vectorised form (whatever this machine has;
/// <see cref="InstructionSetTests"/> runs this class again with each instruction set switched off). And whole plans:
/// the .NET flavour's channels-last plan gives the same bits as the channels-first plan of the nanoFramework flavour.
/// </summary>
public sealed class ChannelsLastTests
{
    public static TheoryData<Shape> ConvShapes
    {
        get
        {
            var shapes = new TheoryData<Shape>();
            foreach (Shape shape in Shapes)
            {
                if (ConvInt8ChannelsLast.Supports(Geometry(shape))) shapes.Add(shape);
            }
            // Branches of the channels-last kernels themselves.
            shapes.Add(new("1×1 in place, 16 → 13 (channel tail)", 1, 16, 6, 7, 13, 1, 1, 1));
            shapes.Add(new("1×1 in place, batch 2, 8 → 24", 2, 8, 5, 5, 24, 1, 1, 1));
            shapes.Add(new("1×1 stride 2 in place", 1, 12, 9, 9, 8, 1, 1, 1, 2, 2));
            shapes.Add(new("3×3 stem, 3 → 16, stride 2 (taps not whole groups of four)", 1, 3, 17, 17, 16, 1, 3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1));
            shapes.Add(new("3×3 valid, in place, 4 → 9", 1, 4, 7, 10, 9, 1, 3, 3));
            shapes.Add(new("depthwise 32 channels in place", 1, 32, 6, 6, 32, 32, 3, 3));
            shapes.Add(new("depthwise 40 channels padded (sixteen-channel tail)", 1, 40, 7, 5, 40, 40, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1));
            shapes.Add(new("depthwise 24 channels, stride 2", 1, 24, 9, 9, 24, 24, 3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1));
            shapes.Add(new("depthwise 5×5, 16 channels, several bands", 1, 16, 80, 120, 16, 16, 5, 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2));
            // AVX2 depthwise takes taps in pairs: an even number of taps, and channels ending inside an eight-channel group.
            shapes.Add(new("depthwise 2×2, 12 channels (even taps, channel tail)", 1, 12, 6, 7, 12, 12, 2, 2));
            shapes.Add(new("depthwise 3×1, 5 channels, stride 2 × 1", 1, 5, 9, 6, 5, 5, 3, 1, 2, 1, PadTop: 1, PadBottom: 1));
            shapes.Add(new("64 → 40, several bands", 1, 64, 30, 60, 40, 1, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1));
            // AVX2 without AVX-VNNI widens each output row's windows to int16 up to 16 K taps of rows (3 × 66 × 96 here is more).
            shapes.Add(new("3×3, 96 → 12, rows too wide to widen", 1, 96, 5, 64, 12, 1, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1));
            shapes.Add(new("5×5 stem, 1 → 8, pixel tail (MNIST's first layer)", 1, 1, 13, 14, 8, 1, 5, 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2));
            // AVX2's sixteen-channel blocks of widened weights: an odd number of taps per window row, channels ending inside a block's second half.
            shapes.Add(new("1×1, 7 → 20, odd taps, pixel tail", 1, 7, 5, 7, 20, 1, 1, 1));
            shapes.Add(new("3×3 stride 2, 5 → 33, odd taps, three sixteen-channel blocks", 1, 5, 11, 9, 33, 1, 3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1));
            return shapes;
        }
    }

    [Theory]
    [MemberData(nameof(ConvShapes))]
    public void Channels_last_convolution_equals_the_channels_first_one(Shape shape)
    {
        foreach (int seed in new[] { 1, 2 })
        {
            var layer = Layer.Random(shape, seed);
            var g = Geometry(shape);
            var expected = ToChannelsLast(Int8KernelPathTests.Core(layer), shape.Batch, shape.Outputs, shape.OutputHeight * shape.OutputWidth);
            var input = ToChannelsLast(layer.Input, shape.Batch, shape.Channels, shape.Height * shape.Width);
            var stage = new OutputStage(layer.Bias, layer.Multipliers.Select(m => m << 16).ToArray(), layer.Shifts.Select(s => (int)s).ToArray(),
                layer.OutputZeroPoint, layer.ActivationMin, layer.ActivationMax);
            bool depthwise = shape.Groups > 1;
            var parameters = ConvInt8ChannelsLast.PackChannelParameters(layer.Weights, stage.Bias, stage.StoredMultipliers, stage.StoredShifts, shape.Outputs);
            var core = new sbyte[expected.Length];
            var generated = new sbyte[expected.Length];
            int[] geometry = { g.Batch, g.InputChannels, g.InputHeight, g.InputWidth, g.OutputChannels, g.OutputHeight, g.OutputWidth, g.KernelHeight, g.KernelWidth,
                g.StrideHeight, g.StrideWidth, g.PadTop, g.PadLeft, layer.InputZeroPoint, layer.OutputZeroPoint, layer.ActivationMin, layer.ActivationMax };
            if (depthwise)
            {
                var packed = ConvInt8ChannelsLast.PackDepthwiseWeights(layer.Weights, shape.Outputs, shape.KernelHeight, shape.KernelWidth);
                ConvInt8ChannelsLast.DepthwiseChannelsLast(input, packed, parameters, g.Batch, g.InputChannels, g.InputHeight, g.InputWidth, g.OutputHeight, g.OutputWidth,
                    g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth, g.PadTop, g.PadLeft, layer.InputZeroPoint, layer.OutputZeroPoint,
                    layer.ActivationMin, layer.ActivationMax, core);
                Probe.Value.GetMethod("DepthwiseArrays")!.Invoke(null, new object[] { input, packed, parameters, geometry, generated });
            }
            else
            {
                var packed = ConvInt8ChannelsLast.PackMatrixWeights(layer.Weights, shape.Outputs, shape.Channels, shape.KernelHeight, shape.KernelWidth);
                ConvInt8ChannelsLast.ConvChannelsLast(input, packed, ReadOnlySpan<short>.Empty, parameters, g.Batch, g.InputChannels, g.InputHeight, g.InputWidth, g.OutputChannels,
                    g.OutputHeight, g.OutputWidth, g.KernelHeight, g.KernelWidth, g.StrideHeight, g.StrideWidth, g.PadTop, g.PadLeft,
                    layer.InputZeroPoint, layer.OutputZeroPoint, layer.ActivationMin, layer.ActivationMax, core);
                Probe.Value.GetMethod("ConvArrays")!.Invoke(null, new object[] { input, packed, layer.Weights, false, parameters, geometry, generated });
                // With the weights widened to int16 too (AVX2 without AVX-VNNI: sixteen channels per micro-kernel call; elsewhere the same path as above).
                var widened = new sbyte[expected.Length];
                Probe.Value.GetMethod("ConvArrays")!.Invoke(null, new object[] { input, packed, layer.Weights, true, parameters, geometry, widened });
                Assert.Equal(expected, widened);
            }
            Assert.Equal(expected, core);
            Assert.Equal(expected, generated);
        }
    }

    [Fact]
    public void Convolutions_without_a_channels_last_form_are_told_apart()
    {
        Assert.False(ConvInt8ChannelsLast.Supports(Geometry(new("dilated", 1, 3, 11, 6, 5, 1, 3, 3, DilationHeight: 2, DilationWidth: 2))));
        Assert.False(ConvInt8ChannelsLast.Supports(Geometry(new("two groups", 1, 4, 7, 8, 6, 2, 3, 3))));
        Assert.False(ConvInt8ChannelsLast.Supports(Geometry(new("rows too wide for a band", 1, 1024, 3, 20, 2, 1, 3, 3))));
        Assert.True(ConvInt8ChannelsLast.Supports(Geometry(new("depthwise", 1, 8, 7, 8, 8, 8, 3, 3))));
    }

    [Theory]
    [InlineData(0, 3, 3, 2, 2, 1, 1)]
    [InlineData(0, 2, 2, 2, 2, 0, 0)]
    [InlineData(1, 3, 3, 1, 1, 1, 1)]
    [InlineData(2, 3, 3, 2, 2, 1, 1)]
    [InlineData(1, 7, 5, 1, 1, 0, 0)]
    public void Channels_last_pooling_equals_the_channels_first_one(int kind, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padTop, int padLeft)
    {
        foreach (int channels in new[] { 1, 5, 8, 16, 29, 37 }) // sixteen- and eight-byte vectors, and their tails
        {
            int batch = 2, height = 7, width = 5;
            int outputHeight = (height + 2 * padTop - kernelHeight) / strideHeight + 1, outputWidth = (width + 2 * padLeft - kernelWidth) / strideWidth + 1;
            int paddedHeight = height + 2 * padTop, paddedWidth = width + 2 * padLeft, zeroPoint = -7;
            var rng = new Random(channels + kind);
            var input = Enumerable.Range(0, batch * channels * height * width).Select(_ => (sbyte)rng.Next(-128, 128)).ToArray();
            var first = new sbyte[batch * channels * outputHeight * outputWidth];
            PoolInt8.Pool(kind, input, batch * channels, 1, height, width, 1, outputHeight, outputWidth, 1, kernelHeight, kernelWidth, 1, strideHeight, strideWidth,
                1, 1, 1, 0, padTop, padLeft, 1, paddedHeight, paddedWidth, zeroPoint, first);
            var expected = ToChannelsLast(first, batch, channels, outputHeight * outputWidth);
            var last = ToChannelsLast(input, batch, channels, height * width);
            var core = new sbyte[expected.Length];
            PoolInt8ChannelsLast.PoolChannelsLast(kind, last, batch, channels, height, width, outputHeight, outputWidth, kernelHeight, kernelWidth,
                strideHeight, strideWidth, padTop, padLeft, paddedHeight, paddedWidth, zeroPoint, core);
            Assert.Equal(expected, core);
            var generated = new sbyte[expected.Length];
            Probe.Value.GetMethod("PoolArrays")!.Invoke(null, new object[] { kind, last, new[] { batch, channels, height, width, outputHeight, outputWidth,
                kernelHeight, kernelWidth, strideHeight, strideWidth, padTop, padLeft, paddedHeight, paddedWidth, zeroPoint }, generated });
            Assert.Equal(expected, generated);
        }
    }

    [Theory]
    [InlineData(1, 40)]
    [InlineData(2, 33)]
    [InlineData(3, 9216)]
    [InlineData(3, 47)]
    [InlineData(4, 16)]
    [InlineData(5, 21)]
    [InlineData(16, 16)]
    public void Layout_changes_transpose_every_item(int rows, int columns)
    {
        int batch = 2;
        var input = Enumerable.Range(0, batch * rows * columns).Select(i => (sbyte)(i * 7 % 251 - 125)).ToArray();
        var expected = new sbyte[input.Length];
        for (int n = 0; n < batch; n++)
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < columns; j++)
                    expected[(n * columns + j) * rows + i] = input[(n * rows + i) * columns + j];
        Assert.Equal(expected, ToChannelsLast(input, batch, rows, columns));
        var generated = new sbyte[input.Length];
        Probe.Value.GetMethod("TransposeArrays")!.Invoke(null, new object[] { input, batch, rows, columns, generated });
        Assert.Equal(expected, generated);
    }

    /// <summary>
    /// Whole plans: random CNNs (convolutions of every kind, pooling, residual Adds, activations, a classifier) baked for
    /// .NET (channels last) and for nanoFramework (the model's order, the same quantization) give the same bits.
    /// </summary>
    [Fact]
    public void A_channels_last_plan_equals_the_channels_first_plan_bit_for_bit()
    {
        int compared = 0, withLayoutSteps = 0;
        foreach (int seed in Enumerable.Range(0, 30))
        {
            var cnn = new Codegen.RandomCnn(seed);
            using var folder = new TempFolder();
            string path = folder.Path("cnn.onnx");
            OnnxModelWriter.Save(cnn.Graph, path);
            var net = Baker.Bake(new BakeOptions(path, "RandomCnn", "Tests"), new RecordingLog());
            BakedPlan nano;
            try { nano = Baker.Bake(new BakeOptions(path, "RandomCnn", "Tests") { Target = CodeTarget.NanoFramework }, new RecordingLog()); }
            catch (BakeException) { continue; } // a step the integer-only flavour refuses
            Assert.DoesNotContain(nano.Kernels, k => k.Kind is KernelKind.ConvInt8ChannelsLast or KernelKind.ChannelsLastTranspose);
            if (net.Kernels.Any(k => k.Kind == KernelKind.ConvInt8ChannelsLast)) withLayoutSteps++;
            Assert.Equal(PlanInterpreter.Run(nano, new[] { cnn.Input.Floats! })[0], PlanInterpreter.Run(net, new[] { cnn.Input.Floats! })[0]);
            compared++;
        }
        Assert.True(compared >= 20 && withLayoutSteps >= 20, $"{compared} plans compared, {withLayoutSteps} with channels-last steps");
    }

    /// <summary>[batch, channels, pixels] → [batch, pixels, channels].</summary>
    private static sbyte[] ToChannelsLast(sbyte[] values, int batch, int channels, int pixels)
    {
        var result = new sbyte[values.Length];
        ChannelsLastTranspose.Transpose(values, batch, channels, pixels, result);
        return result;
    }

    private static ConvGeometry Geometry(Shape s) =>
        new(s.Batch, s.Channels, s.Height, s.Width, s.Outputs, s.OutputHeight, s.OutputWidth, s.KernelHeight, s.KernelWidth, s.StrideHeight, s.StrideWidth,
            s.DilationHeight, s.DilationWidth, s.PadTop, s.PadLeft, s.Groups);

    /// <summary>The channels-last blocks of generated code, vectorised, with array entry points for reflection.</summary>
    private static readonly Lazy<Type> Probe = new(() =>
    {
        string blocks = string.Join("\n", new[] { nameof(ConvInt8ChannelsLast), nameof(PoolInt8ChannelsLast), nameof(PoolInt8), nameof(ChannelsLastTranspose), nameof(FixedPoint),
                nameof(FixedPointVectors), nameof(WindowBounds) }.Select(KernelSources.Get));
        string source = "using System;\nnamespace Probe\n{\npublic static class Kernels\n{\n" + blocks + """

            public static void ConvArrays(sbyte[] input, sbyte[] packed, sbyte[] weights, bool wide, int[] parameters, int[] g, sbyte[] output) =>
                ConvChannelsLast(input, packed, wide ? PackMatrixWeightsWide(weights, g[4], g[1], g[7], g[8]) : Array.Empty<short>(), parameters, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14],
                    g[15], g[16], output);

            public static void DepthwiseArrays(sbyte[] input, int[] packed, int[] parameters, int[] g, sbyte[] output) =>
                DepthwiseChannelsLast(input, packed, parameters, g[0], g[1], g[2], g[3], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14],
                    g[15], g[16], output);

            public static void TransposeArrays(sbyte[] input, int batch, int rows, int columns, sbyte[] output) =>
                Transpose(input, batch, rows, columns, output);

            public static void PoolArrays(int kind, sbyte[] input, int[] g, sbyte[] output) =>
                PoolChannelsLast(kind, input, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], output);
            }
            }
            """;
        return GeneratedAssembly.CompileLibrary(vectorized: true, source).GetType("Probe.Kernels")!;
    });
}
