using ModelBaker.Core.Codegen;
using ModelBaker.Core.Generation;
using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Onnx;
using ModelBaker.Core.Options;
using ModelBaker.Core.Pipeline;
using ModelBaker.Tests.Codegen;
using ModelBaker.Tests.Support;
using Shape = ModelBaker.Tests.Kernels.Int8KernelPathTests.Shape;

namespace ModelBaker.Tests.Kernels;

/// <summary>
/// The vectorised float32 kernels (the FloatGemm micro-kernel behind the convolution's im2col panels and pointwise
/// products, the depthwise row kernel, the fully connected dot products). Each must equal, bit for bit, a plain loop
/// written here that adds the products in the kernel's documented order; the reference interpreter runs the scalar
/// path, generated code the vectorised one of this machine (<see cref="InstructionSetTests"/> runs this class again
/// with each instruction set switched off).
/// </summary>
public sealed class FloatKernelPathTests
{
    public static TheoryData<Shape> Shapes => new()
    {
        new("depthwise 3×3, stride 1, rows of 9", 1, 5, 9, 9, 5, 5, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depthwise 3×3, stride 2", 1, 6, 10, 7, 6, 6, 3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depthwise 3×3, stride 2, rows of 20", 1, 3, 11, 40, 3, 3, 3, 3, 2, 2, PadTop: 0, PadLeft: 1, PadBottom: 1, PadRight: 0),
        new("depthwise 3×3, stride 2, 48×48 → 24×24 (column phases in whole vectors of eight)", 1, 2, 48, 48, 2, 2, 3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depthwise 3×3, stride 2, rows of 18 from 35 (phases with tails of one and two)", 1, 2, 9, 35, 2, 2, 3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depthwise 3×3, 30 rows of 26 (four rows in flight, a last group of two)", 1, 2, 30, 26, 2, 2, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depthwise, dilation 2 and 3, stride 3", 1, 2, 14, 17, 2, 2, 3, 3, 3, 3, 2, 3, PadTop: 2, PadLeft: 3, PadBottom: 1, PadRight: 2),
        new("depthwise, several bands", 1, 2, 120, 60, 2, 2, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depthwise, rows too wide for a band", 1, 2, 4, 3000, 2, 2, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depthwise across channels: 19 channels (a short last block), 6×6, batch 2", 2, 19, 6, 6, 19, 19, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depthwise across channels: 3 channels, 5×4 kernel, strides 2 and 3, asymmetric padding", 1, 3, 13, 11, 3, 3, 5, 4, 2, 3, PadTop: 2, PadLeft: 0, PadBottom: 1, PadRight: 3),
        new("depthwise across channels: 12 channels, 3×3 map, stride 2, no padding", 1, 12, 3, 3, 12, 12, 3, 3, 2, 2),
        new("depthwise across channels: 8 channels, 15×15 (the widest rows, a four-pixel tail of 3)", 1, 8, 15, 15, 8, 8, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depthwise across channels: 17 channels, 2×3 planes (fewer than eight pixels)", 1, 17, 2, 3, 17, 17, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depthwise across channels: 9 channels, 5×6, stride 2, no padding (input past the windows)", 1, 9, 5, 6, 9, 9, 3, 3, 2, 2),
        new("depthwise, narrow rows too tall for interleaved planes", 1, 2, 700, 5, 2, 2, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depth multiplier 3", 1, 3, 6, 6, 9, 3, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("pointwise 1×1, 7 → 9, 25 pixels", 1, 7, 5, 5, 9, 1, 1, 1),
        new("pointwise 1×1, 16 → 8, 32 pixels", 1, 16, 4, 8, 8, 1, 1, 1),
        new("pointwise 1×1, 3 pixels", 1, 12, 1, 3, 5, 1, 1, 1),
        new("pointwise 1×1 stride 2", 1, 6, 9, 9, 6, 1, 1, 1, 2, 2),
        new("pointwise 1×1 padded", 1, 4, 5, 5, 3, 1, 1, 1, PadTop: 1, PadLeft: 0, PadBottom: 0, PadRight: 1),
        new("3×3 dilated 2", 1, 3, 11, 6, 5, 1, 3, 3, DilationHeight: 2, DilationWidth: 2, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2),
        new("5×3, strides 2 and 1", 1, 4, 12, 9, 6, 1, 5, 3, 2, 1, PadTop: 2, PadLeft: 1, PadBottom: 2, PadRight: 1),
        new("grouped, 2 groups", 1, 4, 7, 8, 6, 2, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("groups of 2 channels, one output each, stride 2", 1, 10, 7, 9, 5, 5, 3, 3, 2, 2, PadTop: 1, PadLeft: 1),
        new("many bands of padded rows", 1, 9, 40, 100, 3, 1, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("many panels (stride 2)", 1, 9, 40, 100, 5, 1, 3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("stride 2, rows too wide for a padded band (im2col panels)", 1, 40, 5, 300, 3, 1, 3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("stride 1, rows too wide for a padded band", 1, 20, 3, 500, 3, 1, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("stride 1, windows too deep for a padded band", 1, 300, 4, 5, 6, 1, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("windows deeper than a panel (taps summed in chunks)", 1, 130, 6, 6, 5, 1, 3, 3, 2, 2, PadTop: 1, PadLeft: 1),
        new("1-D, kernel 5", 1, 3, 1, 30, 4, 1, 1, 5, PadLeft: 2, PadRight: 2),
        new("one channel, seven outputs (depth multiplier 7)", 1, 1, 8, 8, 7, 1, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("asymmetric padding", 1, 2, 5, 6, 3, 1, 3, 2, 1, 2, PadTop: 0, PadLeft: 1, PadBottom: 2, PadRight: 0),
        new("batch 2, 7×7 stride 2", 2, 3, 15, 13, 4, 1, 7, 7, 2, 2, PadTop: 3, PadLeft: 3, PadBottom: 3, PadRight: 3),
        new("one output pixel", 1, 12, 3, 3, 5, 1, 3, 3),
        new("small map, half the band's pixels dropped: 3×3 on 4×4, 16 → 7", 1, 16, 4, 4, 7, 1, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("small map with a pixel tail: 3×3 on 5×5, 3 → 9", 1, 3, 5, 5, 9, 1, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("channels in lanes: pointwise 1×1 on 3×3, 24 → 37 (a short channel block, a pixel tail)", 1, 24, 3, 3, 37, 1, 1, 1),
        new("channels in lanes: pointwise 1×1 on 6×6, 20 → 32, batch 2", 2, 20, 6, 6, 32, 1, 1, 1),
        new("channels in lanes: 3×3 on 4×4, 16 → 32", 1, 16, 4, 4, 32, 1, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("channels in lanes: 3×3 stride 2 on 7×9, 5 → 17", 1, 5, 7, 9, 17, 1, 3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("channels in lanes: 2 groups of 8 → 16, 3×3 on 5×5", 1, 16, 5, 5, 32, 2, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("channels in lanes: pointwise 1×1 on 2×2, 5 → 20 (fewer than eight taps)", 1, 5, 2, 2, 20, 1, 1, 1),
        new("stem of one channel, 5×5 on 28×20, 1 → 8", 1, 1, 28, 20, 8, 1, 5, 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2),
        new("stem of one channel, 5×5 on 28×28, 1 → 8 (mnist-8's: blocks along rows, the last overlapping)", 1, 1, 28, 28, 8, 1, 5, 5, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2),
        new("3×3 stride 2 on 13×41 → 7×21, 3 → 6 (blocks along strided rows, the last overlapping)", 1, 3, 13, 41, 6, 1, 3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("window wider than the padded input's rows", 1, 2, 3, 2, 3, 1, 3, 3, PadTop: 1, PadLeft: 2, PadBottom: 1, PadRight: 2),
    };

    /// <summary>A layer's random data; every other seed clamps the output (ReLU6), the others leave it linear.</summary>
    private sealed record Layer(Shape Shape, float[] Input, float[] Weights, float[] Bias, float Min, float Max)
    {
        public int OutputLength => Shape.Batch * Shape.Outputs * Shape.OutputHeight * Shape.OutputWidth;

        public static Layer Random(Shape s, int seed)
        {
            var rng = new Random(seed);
            int depth = s.Channels / s.Groups * s.KernelHeight * s.KernelWidth;
            float Next() => (float)(rng.NextDouble() * 2 - 1);
            var input = Enumerable.Range(0, s.Batch * s.Channels * s.Height * s.Width).Select(_ => Next() * 3).ToArray();
            var weights = Enumerable.Range(0, s.Outputs * depth).Select(i => i % 5 == 0 ? 0f : Next()).ToArray();
            var bias = Enumerable.Range(0, s.Outputs).Select(_ => Next()).ToArray();
            return seed % 2 == 0
                ? new Layer(s, input, weights, bias, 0f, 6f)
                : new Layer(s, input, weights, bias, float.NegativeInfinity, float.PositiveInfinity);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_interpreters_convolution_equals_a_plain_loop_bit_for_bit(Shape shape)
    {
        foreach (int seed in new[] { 1, 2 })
        {
            var layer = Layer.Random(shape, seed);
            Assert.Equal(Bits(Naive(layer)), Bits(Core(layer)));
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Vectorised_generated_convolution_equals_the_interpreters_bit_for_bit(Shape shape)
    {
        foreach (int seed in new[] { 3, 4 })
        {
            var layer = Layer.Random(shape, seed);
            Assert.Equal(Bits(Core(layer)), Bits(Generated(layer)));
        }
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    private static float[] Core(Layer l)
    {
        var s = l.Shape;
        var output = new float[l.OutputLength];
        ConvFloat.Conv(l.Input, l.Weights, l.Bias, s.Batch, s.Channels, s.Height, s.Width, s.Outputs, s.OutputHeight, s.OutputWidth, s.Groups,
            s.KernelHeight, s.KernelWidth, s.StrideHeight, s.StrideWidth, s.DilationHeight, s.DilationWidth, s.PadTop, s.PadLeft, l.Min, l.Max, output);
        return output;
    }

    private static float[] Generated(Layer l)
    {
        var s = l.Shape;
        var output = new float[l.OutputLength];
        int[] geometry = { s.Batch, s.Channels, s.Height, s.Width, s.Outputs, s.OutputHeight, s.OutputWidth, s.Groups, s.KernelHeight, s.KernelWidth,
            s.StrideHeight, s.StrideWidth, s.DilationHeight, s.DilationWidth, s.PadTop, s.PadLeft };
        Probe.Value.GetMethod("ConvArrays")!.Invoke(null, new object[] { l.Input, l.Weights, l.Bias, geometry, l.Min, l.Max, output });
        return output;
    }

    /// <summary>The definition: each output a sum from +0 over its window in (input channel, ky, kx) order, then the bias, then the clamp.</summary>
    private static float[] Naive(Layer l)
    {
        var s = l.Shape;
        int groupChannels = s.Channels / s.Groups, groupOutputs = s.Outputs / s.Groups;
        var output = new float[l.OutputLength];
        int i = 0;
        for (int n = 0; n < s.Batch; n++)
            for (int m = 0; m < s.Outputs; m++)
                for (int oy = 0; oy < s.OutputHeight; oy++)
                    for (int ox = 0; ox < s.OutputWidth; ox++)
                    {
                        float sum = 0f;
                        int w = m * groupChannels * s.KernelHeight * s.KernelWidth;
                        for (int c = 0; c < groupChannels; c++)
                            for (int ky = 0; ky < s.KernelHeight; ky++)
                                for (int kx = 0; kx < s.KernelWidth; kx++, w++)
                                {
                                    int y = oy * s.StrideHeight - s.PadTop + ky * s.DilationHeight;
                                    int x = ox * s.StrideWidth - s.PadLeft + kx * s.DilationWidth;
                                    int channel = m / groupOutputs * groupChannels + c;
                                    if (y >= 0 && y < s.Height && x >= 0 && x < s.Width)
                                        sum += l.Input[((n * s.Channels + channel) * s.Height + y) * s.Width + x] * l.Weights[w];
                                }
                        float value = sum + l.Bias[m];
                        output[i++] = value < l.Min ? l.Min : value > l.Max ? l.Max : value;
                    }
        return output;
    }

    /// <summary>
    /// The fully connected kernel against the plain loop of the graph interpreter's Gemm (sums in depth order): units
    /// around multiples of eight and four (the vector widths) and of 32 (four groups of eight per pass), strided,
    /// repeated and batched inputs. The kernel reads the weights packed (<see cref="FullyConnectedFloat.PackUnits"/>).
    /// </summary>
    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(1, 7, 3, 1)]
    [InlineData(1, 8, 4, 1)]
    [InlineData(1, 9, 17, 1)]
    [InlineData(1, 64, 128, 1)]
    [InlineData(1, 13, 10, 1)]
    [InlineData(3, 23, 9, 1)]
    [InlineData(2, 40, 6, 3)]
    [InlineData(4, 17, 5, 0)]
    [InlineData(1, 33, 40, 1)]
    [InlineData(2, 5, 75, 1)]
    [InlineData(1, 256, 10, 1)]
    public void Fully_connected_paths_equal_a_plain_loop_bit_for_bit(int rows, int depth, int units, int columnStride)
    {
        var rng = new Random(rows * 1000 + depth * 10 + units);
        float Next() => (float)(rng.NextDouble() * 2 - 1);
        // Transposed when strided: element (m, k) at k·rows·… + m, the way a MatMul reads a transposed input.
        int rowStride = columnStride == 1 ? depth : 1, stride = columnStride == 0 ? 0 : columnStride == 1 ? 1 : rows;
        var input = Enumerable.Range(0, rows * depth * Math.Max(1, columnStride)).Select(_ => Next()).ToArray();
        var weights = Enumerable.Range(0, units * depth).Select(i => i % 7 == 0 ? 0f : Next()).ToArray();
        var bias = Enumerable.Range(0, units).Select(_ => Next()).ToArray();
        foreach (var (min, max) in new[] { (float.NegativeInfinity, float.PositiveInfinity), (0f, 0.5f) })
        {
            var expected = new float[rows * units];
            for (int m = 0; m < rows; m++)
                for (int n = 0; n < units; n++)
                {
                    float sum = 0f;
                    for (int k = 0; k < depth; k++) sum += input[m * rowStride + k * stride] * weights[n * depth + k];
                    float value = sum + bias[n];
                    expected[m * units + n] = value < min ? min : value > max ? max : value;
                }
            var packed = FullyConnectedFloat.PackUnits(weights, units, depth);
            var core = new float[rows * units];
            FullyConnectedFloat.FullyConnected(input, rows, depth, rowStride, stride, packed, bias, min, max, core);
            Assert.Equal(Bits(expected), Bits(core));
            var generated = new float[rows * units];
            Probe.Value.GetMethod("FullyConnectedArrays")!.Invoke(null, new object[] { input, new[] { rows, depth, rowStride, stride }, packed, bias, min, max, generated });
            Assert.Equal(Bits(expected), Bits(generated));
        }
    }

    /// <summary>Random float CNNs baked end to end: generated Predict (vectorised) gives the plan interpreter's bits and allocates nothing.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(11)]
    [InlineData(17)]
    public void Generated_float_cnn_equals_the_interpreter_bit_for_bit_and_allocates_nothing(int seed)
    {
        var cnn = new RandomCnn(seed);
        using var folder = new TempFolder();
        string path = folder.Path("cnn.onnx");
        OnnxModelWriter.Save(cnn.Graph, path);
        var plan = Baker.Bake(new BakeOptions(path, "RandomCnn", "Tests") { Precision = Precision.Float32 }, new RecordingLog());
        Assert.Contains(plan.Kernels, k => k is ConvFloat);
        float[] input = cnn.Input.Floats!;
        var expected = PlanInterpreter.Run(plan, new[] { input })[0];
        var generated = GeneratedAssembly.Compile(ClassEmitter.Emit(plan), "Tests.RandomCnn");
        Assert.Equal(Bits(expected), Bits(generated.Predict(input, expected.Length)));
        Assert.Equal(0, generated.AllocatedBytes(input, new float[expected.Length], calls: 200));
    }

    /// <summary>
    /// Float pooling (interior windows take a path without bounds) against the definition: taps inside the input in
    /// (kh, kw) order, the first largest kept, sums from +0; average 1 divides by the taps inside, average 2 by those
    /// inside the padded extent.
    /// Wider rows reach the vectorised runs of interior windows (stride 1 read in place, strided rows split into column
    /// phases, a last vector overlapping the one before), maps narrower than a vector one panel per plane, whole-plane windows the global pooling path (four planes at a
    /// time, then the rest); the input holds NaN, ±0, −∞ and float.MinValue, where the first largest and the sums' order show.
    /// </summary>
    [Theory]
    [InlineData(0, 2, 2, 2, 2, 1, 0, 0, 0, 0, 13)]
    [InlineData(0, 3, 3, 3, 3, 1, 1, 1, 2, 1, 13)]
    [InlineData(1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 13)]
    [InlineData(2, 3, 2, 2, 1, 2, 1, 0, 1, 2, 13)]
    [InlineData(1, 5, 7, 5, 7, 1, 0, 0, 0, 0, 13)]
    [InlineData(0, 2, 2, 2, 2, 1, 0, 0, 0, 0, 28)]
    [InlineData(1, 2, 2, 2, 2, 1, 0, 0, 0, 0, 28)]
    [InlineData(0, 3, 3, 1, 1, 1, 1, 1, 1, 1, 29)]
    [InlineData(1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 29)]
    [InlineData(2, 3, 3, 2, 2, 2, 1, 1, 1, 1, 40)]
    [InlineData(0, 3, 3, 3, 3, 1, 0, 2, 0, 1, 50)]
    [InlineData(1, 2, 3, 1, 2, 1, 0, 0, 0, 0, 21)]
    [InlineData(0, 2, 2, 2, 2, 1, 0, 0, 0, 0, 8)]
    [InlineData(1, 3, 3, 1, 1, 1, 0, 0, 0, 0, 5)]
    [InlineData(0, 3, 2, 2, 1, 2, 0, 1, 0, 1, 6)]
    [InlineData(0, 9, 13, 1, 1, 1, 0, 0, 0, 0, 13)]
    [InlineData(1, 9, 13, 1, 1, 1, 0, 0, 0, 0, 13)]
    [InlineData(2, 9, 5, 1, 1, 1, 0, 0, 0, 0, 5)]
    public void Pooling_equals_a_plain_loop_bit_for_bit(int kind, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int dilation,
        int padTop, int padLeft, int padBottom, int padRight, int width)
    {
        int planes = 6, height = 9;
        int paddedHeight = height + padTop + padBottom, paddedWidth = width + padLeft + padRight;
        int outputHeight = (paddedHeight - ((kernelHeight - 1) * dilation + 1)) / strideHeight + 1;
        int outputWidth = (paddedWidth - ((kernelWidth - 1) * dilation + 1)) / strideWidth + 1;
        var rng = new Random(kind * 100 + kernelHeight * 10 + kernelWidth);
        var input = Enumerable.Range(0, planes * height * width).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] special = { float.NaN, 0f, -0f, float.NegativeInfinity, float.MinValue };
        for (int i = 0; i < input.Length; i += 7) input[i] = special[i / 7 % special.Length];
        for (int i = 3 * height * width; i < 4 * height * width; i++) input[i] = i % 2 == 0 ? 0f : -0f; // a plane of ties
        var expected = new float[planes * outputHeight * outputWidth];
        for (int p = 0, o = 0; p < planes; p++)
            for (int oy = 0; oy < outputHeight; oy++)
                for (int ox = 0; ox < outputWidth; ox++, o++)
                {
                    float best = float.MinValue, sum = 0f;
                    int inside = 0, padded = 0;
                    for (int ky = 0; ky < kernelHeight; ky++)
                        for (int kx = 0; kx < kernelWidth; kx++)
                        {
                            int y = oy * strideHeight - padTop + ky * dilation, x = ox * strideWidth - padLeft + kx * dilation;
                            if (y + padTop < paddedHeight && x + padLeft < paddedWidth) padded++;
                            if (y < 0 || y >= height || x < 0 || x >= width) continue;
                            float value = input[(p * height + y) * width + x];
                            if (value > best) best = value;
                            sum += value;
                            inside++;
                        }
                    expected[o] = kind == 0 ? best : sum / (kind == 1 ? inside : padded);
                }
        int[] geometry = { planes, 1, height, width, 1, outputHeight, outputWidth, 1, kernelHeight, kernelWidth, 1, strideHeight, strideWidth,
            1, dilation, dilation, 0, padTop, padLeft, 1, paddedHeight, paddedWidth };
        var actual = new float[expected.Length];
        PoolFloat.Pool(kind, input, planes, 1, height, width, 1, outputHeight, outputWidth, 1, kernelHeight, kernelWidth, 1, strideHeight, strideWidth,
            1, dilation, dilation, 0, padTop, padLeft, 1, paddedHeight, paddedWidth, actual);
        Assert.Equal(Bits(expected), Bits(actual));
        var generated = new float[expected.Length];
        Probe.Value.GetMethod("PoolArrays")!.Invoke(null, new object[] { kind, input, geometry, generated });
        Assert.Equal(Bits(expected), Bits(generated));
    }

    /// <summary>
    /// Float element-wise steps (runs of merged trailing dimensions, vectorised Add, Sub, Mul and Div) against the
    /// definition: each output from its own coordinates through the broadcast strides.
    /// </summary>
    [Theory]
    [InlineData(new[] { 1, 32, 8, 8 }, new[] { 1, 32, 8, 8 })]
    [InlineData(new[] { 2, 3, 5, 7 }, new[] { 1, 3, 1, 1 })]
    [InlineData(new[] { 3, 1, 13 }, new[] { 1, 4, 1 })]
    [InlineData(new[] { 1 }, new[] { 37 })]
    [InlineData(new[] { 5, 19 }, new[] { 19 })]
    public void Element_wise_steps_equal_a_plain_loop_bit_for_bit(int[] aShape, int[] bShape)
    {
        int rank = Math.Max(aShape.Length, bShape.Length);
        int[] Padded(int[] s) => Enumerable.Repeat(1, rank - s.Length).Concat(s).ToArray();
        int[] pa = Padded(aShape), pb = Padded(bShape);
        int[] shape = pa.Zip(pb, Math.Max).ToArray();
        int[] StridesOf(int[] s)
        {
            var strides = new int[rank];
            for (int d = rank - 1, step = 1; d >= 0; step *= s[d], d--) strides[d] = s[d] == 1 ? 0 : step;
            return strides;
        }
        int[] aStrides = StridesOf(pa), bStrides = StridesOf(pb);
        var rng = new Random(rank * 31 + shape.Sum());
        var a = Enumerable.Range(0, pa.Aggregate(1, (x, y) => x * y)).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var b = Enumerable.Range(0, pb.Aggregate(1, (x, y) => x * y)).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        int length = shape.Aggregate(1, (x, y) => x * y);
        foreach (int operation in new[] { 0, 1, 2, 3, 4, 6 })
            foreach (var (min, max) in new[] { (float.NegativeInfinity, float.PositiveInfinity), (0f, 1f) })
            {
                var expected = new float[length];
                for (int i = 0; i < length; i++)
                {
                    int aIndex = 0, bIndex = 0, rest = i;
                    for (int d = rank - 1; d >= 0; d--)
                    {
                        aIndex += rest % shape[d] * aStrides[d];
                        bIndex += rest % shape[d] * bStrides[d];
                        rest /= shape[d];
                    }
                    float value = BinaryFloat.Apply(operation, a[aIndex], b[bIndex]);
                    expected[i] = value < min ? min : value > max ? max : value;
                }
                var core = new float[length];
                BinaryFloat.Binary(operation, a, aStrides, b, bStrides, shape, min, max, core);
                Assert.Equal(Bits(expected), Bits(core));
                var generated = new float[length];
                Probe.Value.GetMethod("BinaryArrays")!.Invoke(null, new object[] { operation, a, aStrides, b, bStrides, shape, min, max, generated });
                Assert.Equal(Bits(expected), Bits(generated));
            }
    }

    /// <summary>The float kernel blocks of generated code, vectorised, with array entry points for reflection.</summary>
    private static readonly Lazy<Type> Probe = new(() =>
    {
        string blocks = string.Join("\n", new[] { nameof(ConvFloat), nameof(FloatGemm), nameof(WindowBounds), nameof(FullyConnectedFloat), nameof(BinaryFloat),
                nameof(PoolFloat) }
            .Select(KernelSources.Get));
        string source = "using System;\nnamespace Probe\n{\npublic static class Kernels\n{\n" + blocks + """

            public static void ConvArrays(float[] input, float[] weights, float[] bias, int[] g, float min, float max, float[] output) =>
                Conv(input, weights, bias, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15],
                    min, max, output);

            public static void BinaryArrays(int operation, float[] a, int[] aStrides, float[] b, int[] bStrides, int[] shape, float min, float max, float[] output) =>
                Binary(operation, a, aStrides, b, bStrides, shape, min, max, output);

            public static void PoolArrays(int kind, float[] input, int[] g, float[] output) =>
                Pool(kind, input, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15],
                    g[16], g[17], g[18], g[19], g[20], g[21], output);

            public static void FullyConnectedArrays(float[] input, int[] g, float[] weights, float[] bias, float min, float max, float[] output) =>
                FullyConnected(input, g[0], g[1], g[2], g[3], weights, bias, min, max, output);
            }
            }
            """;
        return GeneratedAssembly.CompileLibrary(vectorized: true, source).GetType("Probe.Kernels")!;
    });
}
