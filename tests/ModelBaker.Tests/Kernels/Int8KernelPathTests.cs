using System.Reflection;
using ModelBaker.Core.Codegen;
using ModelBaker.Core.Kernels;
using ModelBaker.Tests.Support;

namespace ModelBaker.Tests.Kernels;

/// <summary>
/// The vectorised int8 kernels. The blocked convolution (bands of padded rows, the Int8Gemm micro-kernel, vectorised requantization) on
/// geometries chosen to reach every branch: in place and gathered, several bands, the window-loop fallbacks, channel and pixel tails. The reference interpreter's scalar path must equal a naive seven-loop
/// convolution, and the vectorised path of generated code (whatever instruction set this machine has; the
/// <see cref="InstructionSetTests"/> run this class again with each one switched off) must equal the scalar path. Max
/// pooling's vectorised rows and the requantization lanes likewise.
/// </summary>
public sealed class Int8KernelPathTests
{
    /// <summary>A convolution's geometry: channels, sizes, kernel, strides, dilations, pads before and after, groups.</summary>
    public sealed record Shape(string Name, int Batch, int Channels, int Height, int Width, int Outputs, int Groups,
        int KernelHeight, int KernelWidth, int StrideHeight = 1, int StrideWidth = 1, int DilationHeight = 1, int DilationWidth = 1,
        int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0)
    {
        public int OutputHeight => (Height + PadTop + PadBottom - ((KernelHeight - 1) * DilationHeight + 1)) / StrideHeight + 1;
        public int OutputWidth => (Width + PadLeft + PadRight - ((KernelWidth - 1) * DilationWidth + 1)) / StrideWidth + 1;
        public override string ToString() => Name;
    }

    public static TheoryData<Shape> Shapes => new()
    {
        new("depthwise 3×3, stride 1", 1, 5, 9, 9, 5, 5, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depthwise 3×3, stride 2", 1, 6, 10, 7, 6, 6, 3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("pointwise 1×1, 7 → 9", 1, 7, 5, 5, 9, 1, 1, 1),
        new("3×3 dilated 2", 1, 3, 11, 6, 5, 1, 3, 3, DilationHeight: 2, DilationWidth: 2, PadTop: 2, PadLeft: 2, PadBottom: 2, PadRight: 2),
        new("5×3, strides 2 and 1", 1, 4, 12, 9, 6, 1, 5, 3, 2, 1, PadTop: 2, PadLeft: 1, PadBottom: 2, PadRight: 1),
        new("grouped, 2 groups", 1, 4, 7, 8, 6, 2, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depth multiplier 2", 1, 3, 6, 6, 6, 3, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("groups of 2 channels, one output each", 1, 10, 7, 9, 5, 5, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("groups of 2 channels, one output each, stride 2", 1, 10, 7, 9, 5, 5, 3, 3, 2, 2, PadTop: 1, PadLeft: 1),
        new("many bands", 1, 64, 40, 100, 3, 1, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("strided, deep windows", 1, 256, 6, 6, 5, 1, 3, 3, 2, 2, PadTop: 1, PadLeft: 1),
        new("strided, windows too deep for a panel", 1, 700, 5, 5, 3, 1, 3, 3, 2, 2, PadTop: 1, PadLeft: 1),
        new("rows too wide for a band", 1, 1024, 3, 20, 2, 1, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("windows too deep for the tap table", 1, 2000, 3, 3, 2, 1, 3, 3),
        new("one output per group, four panels too deep for the stack", 1, 400, 5, 5, 2, 2, 3, 3, 2, 2, PadTop: 1, PadLeft: 1),
        new("1-D, kernel 5", 1, 3, 1, 30, 4, 1, 1, 5, PadLeft: 2, PadRight: 2),
        new("one channel, odd depth, channel tail", 1, 1, 8, 8, 7, 1, 3, 3, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("asymmetric padding", 1, 2, 5, 6, 3, 1, 3, 2, 1, 2, PadTop: 0, PadLeft: 1, PadBottom: 2, PadRight: 0),
        new("batch 2, 7×7 stride 2", 2, 3, 15, 13, 4, 1, 7, 7, 2, 2, PadTop: 3, PadLeft: 3, PadBottom: 3, PadRight: 3),
        new("one output pixel", 1, 12, 3, 3, 5, 1, 3, 3),
        new("stride 2, rows of 35 (vector gather)", 1, 3, 9, 70, 4, 1, 3, 3, 2, 2, PadTop: 1, PadLeft: 1, PadBottom: 1, PadRight: 1),
        new("depthwise stride 2, rows of 32", 1, 4, 6, 64, 4, 4, 3, 3, 2, 2, PadTop: 1, PadLeft: 1),
    };

    /// <summary>One layer's data: int8 input and weights (some pruned), biases, per-channel or shared requantization.</summary>
    internal sealed record Layer(Shape Shape, sbyte[] Input, sbyte[] Weights, int[] Bias, short[] Multipliers, sbyte[] Shifts,
        int InputZeroPoint, int OutputZeroPoint, int ActivationMin, int ActivationMax)
    {
        public int OutputLength => Shape.Batch * Shape.Outputs * Shape.OutputHeight * Shape.OutputWidth;

        public static Layer Random(Shape s, int seed)
        {
            var rng = new Random(seed);
            int depth = s.Channels / s.Groups * s.KernelHeight * s.KernelWidth;
            // Extremes on purpose: −128 inputs, ±127 weights, a third of the weights pruned.
            var input = Enumerable.Range(0, s.Batch * s.Channels * s.Height * s.Width)
                .Select(i => (sbyte)(i % 11 == 0 ? -128 : rng.Next(-128, 128))).ToArray();
            var weights = Enumerable.Range(0, s.Outputs * depth)
                .Select(i => (sbyte)(i % 3 == 0 ? 0 : i % 13 == 0 ? (rng.Next(2) == 0 ? -127 : 127) : rng.Next(-127, 128))).ToArray();
            var bias = Enumerable.Range(0, s.Outputs).Select(_ => rng.Next(-20000, 20000)).ToArray();
            bool shared = seed % 2 == 0;
            int units = shared ? 1 : s.Outputs;
            // Scales that keep typical outputs inside int8, so the comparison is not all clamps.
            int shift = -(int)Math.Round(Math.Log2(Math.Sqrt(depth) * 127 * 64)) - 1;
            var multipliers = Enumerable.Range(0, units).Select(_ => (short)rng.Next(16384, 32768)).ToArray();
            var shifts = Enumerable.Range(0, units).Select(_ => (sbyte)(shift + rng.Next(0, 3))).ToArray();
            return new Layer(s, input, weights, bias, multipliers, shifts, rng.Next(-128, 10), rng.Next(-30, 30), -128 + rng.Next(0, 2) * 100, 127);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_interpreters_convolution_equals_a_naive_one(Shape shape)
    {
        var layer = Layer.Random(shape, shape.Name.Length);
        Assert.Equal(Naive(layer), Core(layer));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Vectorised_generated_convolution_equals_the_interpreters(Shape shape)
    {
        foreach (int seed in new[] { 1, 2 })
        {
            var layer = Layer.Random(shape, seed);
            Assert.Equal(Core(layer), Generated(layer));
        }
    }

    internal static sbyte[] Core(Layer l)
    {
        var s = l.Shape;
        var output = new sbyte[l.OutputLength];
        ConvInt8.Conv(l.Input, l.Weights, l.Bias, l.Multipliers, l.Shifts, s.Batch, s.Channels, s.Height, s.Width, s.Outputs,
            s.OutputHeight, s.OutputWidth, s.Groups, s.KernelHeight, s.KernelWidth, s.StrideHeight, s.StrideWidth, s.DilationHeight,
            s.DilationWidth, s.PadTop, s.PadLeft, l.InputZeroPoint, l.OutputZeroPoint, l.ActivationMin, l.ActivationMax, output);
        return output;
    }

    private static sbyte[] Generated(Layer l)
    {
        var s = l.Shape;
        var output = new sbyte[l.OutputLength];
        int[] geometry = { s.Batch, s.Channels, s.Height, s.Width, s.Outputs, s.OutputHeight, s.OutputWidth, s.Groups, s.KernelHeight, s.KernelWidth,
            s.StrideHeight, s.StrideWidth, s.DilationHeight, s.DilationWidth, s.PadTop, s.PadLeft, l.InputZeroPoint, l.OutputZeroPoint, l.ActivationMin, l.ActivationMax };
        Probe.Value.GetMethod("ConvArrays")!.Invoke(null, new object[] { l.Input, l.Weights, l.Bias, l.Multipliers, l.Shifts, geometry, output });
        return output;
    }

    /// <summary>The definition: every output a sum over its window, padding reading the input zero point.</summary>
    private static sbyte[] Naive(Layer l)
    {
        var s = l.Shape;
        int groupChannels = s.Channels / s.Groups, groupOutputs = s.Outputs / s.Groups;
        var output = new sbyte[l.OutputLength];
        int i = 0;
        for (int n = 0; n < s.Batch; n++)
            for (int m = 0; m < s.Outputs; m++)
                for (int oy = 0; oy < s.OutputHeight; oy++)
                    for (int ox = 0; ox < s.OutputWidth; ox++)
                    {
                        int sum = l.Bias[m], w = m * groupChannels * s.KernelHeight * s.KernelWidth;
                        for (int c = 0; c < groupChannels; c++)
                            for (int ky = 0; ky < s.KernelHeight; ky++)
                                for (int kx = 0; kx < s.KernelWidth; kx++, w++)
                                {
                                    int y = oy * s.StrideHeight - s.PadTop + ky * s.DilationHeight;
                                    int x = ox * s.StrideWidth - s.PadLeft + kx * s.DilationWidth;
                                    int channel = m / groupOutputs * groupChannels + c;
                                    int value = y >= 0 && y < s.Height && x >= 0 && x < s.Width
                                        ? l.Input[((n * s.Channels + channel) * s.Height + y) * s.Width + x] : l.InputZeroPoint;
                                    sum += value * l.Weights[w];
                                }
                        int unit = l.Multipliers.Length == 1 ? 0 : m;
                        output[i++] = FixedPoint.Requantize(sum, l.Multipliers[unit] << 16, l.Shifts[unit], l.OutputZeroPoint, l.ActivationMin, l.ActivationMax);
                    }
        return output;
    }

    [Theory]
    [InlineData(2, 2, 2, 2, 0, 0)]
    [InlineData(3, 3, 2, 2, 1, 1)]
    [InlineData(3, 2, 1, 3, 0, 2)]
    public void Vectorised_max_pooling_equals_a_naive_one(int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padTop, int padLeft)
    {
        int planes = 3, height = 21, width = 37;
        int outputHeight = (height + 2 * padTop - kernelHeight) / strideHeight + 1, outputWidth = (width + 2 * padLeft - kernelWidth) / strideWidth + 1;
        var rng = new Random(kernelHeight * 10 + kernelWidth);
        var input = Enumerable.Range(0, planes * height * width).Select(_ => (sbyte)rng.Next(-128, 128)).ToArray();
        var expected = new sbyte[planes * outputHeight * outputWidth];
        for (int p = 0, o = 0; p < planes; p++)
            for (int oy = 0; oy < outputHeight; oy++)
                for (int ox = 0; ox < outputWidth; ox++, o++)
                {
                    int best = -128;
                    for (int ky = 0; ky < kernelHeight; ky++)
                        for (int kx = 0; kx < kernelWidth; kx++)
                        {
                            int y = oy * strideHeight - padTop + ky, x = ox * strideWidth - padLeft + kx;
                            if (y >= 0 && y < height && x >= 0 && x < width) best = Math.Max(best, input[(p * height + y) * width + x]);
                        }
                    expected[o] = (sbyte)best;
                }
        int[] geometry = { planes, 1, height, width, 1, outputHeight, outputWidth, 1, kernelHeight, kernelWidth, 1, strideHeight, strideWidth, 1, 1, 1,
            0, padTop, padLeft, 1, height + 2 * padTop, width + 2 * padLeft };
        var core = new sbyte[expected.Length];
        PoolInt8.Pool(0, input, planes, 1, height, width, 1, outputHeight, outputWidth, 1, kernelHeight, kernelWidth, 1, strideHeight, strideWidth, 1, 1, 1,
            0, padTop, padLeft, 1, height + 2 * padTop, width + 2 * padLeft, 0, core);
        Assert.Equal(expected, core);
        var generated = new sbyte[expected.Length];
        Probe.Value.GetMethod("MaxPoolArrays")!.Invoke(null, new object[] { input, geometry, generated });
        Assert.Equal(expected, generated);
    }

    [Fact]
    public void Vectorised_requantization_equals_the_scalar_functions_lane_for_lane()
    {
        var rng = new Random(7);
        var values = new List<int> { int.MinValue, int.MinValue + 1, int.MaxValue, int.MaxValue - 1, 0, 1, -1, 16383, 16384, -16384, -16385,
            32767, 32768, -32768, 65535, 65536, -65536, 1 << 30, -(1 << 30), 12345678, -12345678 };
        for (int b = 0; b < 31; b++) { values.Add(1 << b); values.Add(-(1 << b)); values.Add((1 << b) + 1); values.Add(-(1 << b) - 1); }
        while (values.Count % 4 != 0 || values.Count < 400) values.Add(rng.Next(int.MinValue, int.MaxValue) >> rng.Next(0, 31));
        var x = values.ToArray();
        var requantize = Probe.Value.GetMethod("RequantizeLanes")!;
        var multiply = Probe.Value.GetMethod("MultiplyLanes")!;
        foreach (short q15 in new short[] { 0, 1, 16384, 23170, 32767 })
            foreach (int shift in new[] { -31, -20, -15, -8, -1, 0, 1, 3, 10 })
            {
                var lanes = (int[])requantize.Invoke(null, new object[] { x, (int)q15, shift, 5, -128, 127 })!;
                for (int i = 0; i < x.Length; i++)
                    Assert.True(FixedPoint.Requantize(x[i], q15 << 16, shift, 5, -128, 127) == lanes[i], $"Requantize({x[i]}, {q15}, {shift})");
                int multiplier = q15 << 16 | rng.Next(0, 65536);
                lanes = (int[])multiply.Invoke(null, new object[] { x, multiplier, shift })!;
                for (int i = 0; i < x.Length; i++)
                    Assert.True(FixedPoint.MultiplyByQuantizedMultiplier(x[i], multiplier, shift) == lanes[i], $"MultiplyByQuantizedMultiplier({x[i]}, {multiplier}, {shift})");
            }
    }

    /// <summary>
    /// AVX2's eight-channel requantization straight to bytes (saturating packs, the zero point and clamp on int16 and int8
    /// lanes) against the scalar function, on edge accumulators, every shift kind, zero points at both ends and ReLU6-like ranges.
    /// </summary>
    [Fact]
    public void Requantization_narrowed_to_bytes_equals_the_scalar_function()
    {
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported) return; // the function is AVX2's; InstructionSetTests reruns this class without it
        var rng = new Random(5);
        var values = new List<int> { int.MinValue, int.MinValue + 1, int.MaxValue, int.MaxValue - 1, 0, 1, -1, 127, 128, -128, -129, 32639, 32640, 32767, 32768,
            -32768, -32769, 32895, -32896, 65535, 65536, -65536, 1 << 30, -(1 << 30) };
        for (int b = 0; b < 31; b++) { values.Add(1 << b); values.Add(-(1 << b)); values.Add((1 << b) - 1); values.Add(-(1 << b) + 1); }
        while (values.Count % 8 != 0 || values.Count < 400) values.Add(rng.Next(int.MinValue, int.MaxValue) >> rng.Next(0, 31));
        var x = values.ToArray();
        var narrow = Probe.Value.GetMethod("RequantizeBytes")!;
        foreach (short q15 in new short[] { 0, 1, 16384, 23170, 32767 })
            foreach (int shift in new[] { -31, -20, -8, -1, 0, 1, 10 })
                foreach (var (zeroPoint, min, max) in new[] { (0, -128, 127), (-128, -128, 127), (127, -128, 127), (-128, -128, -80), (5, 5, 127), (-3, -100, 60) })
                {
                    var bytes = (sbyte[])narrow.Invoke(null, new object[] { x, (int)q15, shift, zeroPoint, min, max })!;
                    for (int i = 0; i < x.Length; i++)
                        Assert.True(FixedPoint.Requantize(x[i], q15 << 16, shift, zeroPoint, min, max) == bytes[i],
                            $"Requantize({x[i]}, {q15}, {shift}, {zeroPoint}, {min}, {max}) = {FixedPoint.Requantize(x[i], q15 << 16, shift, zeroPoint, min, max)}, vector {bytes[i]}");
                }
    }

    [Fact]
    public void Vectorised_input_quantization_equals_the_scalar_function()
    {
        var rng = new Random(11);
        var values = new List<float> { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, float.Epsilon, -float.Epsilon,
            float.MaxValue, float.MinValue, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 127.5f, 128.5f, -128.5f, 255.5f, 256f, 256.5f, -256.5f, 300f, -300f };
        while (values.Count < 203) values.Add((float)((rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-20, 12))));
        var input = values.ToArray();
        var quantize = Probe.Value.GetMethod("QuantizeArrays")!;
        foreach (double scale in new[] { 1.0, 0.5, 1.0 / 255, 0.0078286118805408478, 3.7 })
            foreach (int zeroPoint in new[] { -128, 0, 5, 127 })
            {
                var lanes = (sbyte[])quantize.Invoke(null, new object[] { input, scale, zeroPoint })!;
                for (int i = 0; i < input.Length; i++)
                    Assert.True(FixedPoint.Quantize(input[i], scale, zeroPoint) == lanes[i], $"Quantize({input[i]}, {scale}, {zeroPoint}) = {lanes[i]}");
            }
    }

    /// <summary>A same-shape Add or Sub (a residual connection) in generated code's vector paths equals the interpreter's element loop.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Vectorised_same_shape_add_equals_the_element_loop(int operation)
    {
        var rng = new Random(17 + operation);
        foreach (int length in new[] { 1, 15, 16, 37, 1000 })
            for (int trial = 0; trial < 8; trial++)
            {
                var a = Enumerable.Range(0, length).Select(i => (sbyte)(i % 9 == 0 ? -128 : i % 7 == 0 ? 127 : rng.Next(-128, 128))).ToArray();
                var b = Enumerable.Range(0, length).Select(_ => (sbyte)rng.Next(-128, 128)).ToArray();
                var (am, ashift) = FixedPoint.QuantizeMultiplier(rng.NextDouble() * 0.9 + 0.05);
                var (bm, bshift) = FixedPoint.QuantizeMultiplier(rng.NextDouble() * 0.9 + 0.05);
                var (om, oshift) = FixedPoint.QuantizeMultiplier(Math.Pow(2, -20) * (rng.NextDouble() * 3 + 0.2));
                int[] shape = { length }, strides = { 1 };
                int aZero = rng.Next(-128, 128), bZero = rng.Next(-128, 128), outZero = rng.Next(-128, 128), min = trial % 2 == 0 ? -128 : outZero;
                var expected = new sbyte[length];
                BinaryInt8.Binary(operation, a, strides, aZero, am, ashift, b, strides, bZero, bm, bshift, shape, om, oshift, outZero, min, 127, expected);
                var generated = new sbyte[length];
                Probe.Value.GetMethod("BinaryArrays")!.Invoke(null, new object[] { operation, a, aZero, am, ashift, b, bZero, bm, bshift, om, oshift, outZero, min, generated });
                Assert.Equal(expected, generated);
            }
    }

    /// <summary>The kernel blocks of generated code, vectorised, with array entry points for reflection.</summary>
    private static readonly Lazy<Type> Probe = new(() =>
    {
        string blocks = string.Join("\n", new[] { nameof(ConvInt8), nameof(Int8Gemm), nameof(FixedPoint), nameof(FixedPointVectors), nameof(WindowBounds), nameof(PoolInt8),
                nameof(BinaryInt8), nameof(BinaryInt8) + "#Element" }.Select(KernelSources.Get));
        string source = "using System;\nnamespace Probe\n{\npublic static class Kernels\n{\n" + blocks + """

            public static void ConvArrays(sbyte[] input, sbyte[] weights, int[] bias, short[] multipliers, sbyte[] shifts, int[] g, sbyte[] output) =>
                Conv(input, weights, bias, multipliers, shifts, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13],
                    g[14], g[15], g[16], g[17], g[18], g[19], output);

            public static void BinaryArrays(int operation, sbyte[] a, int aZero, int am, int ashift, sbyte[] b, int bZero, int bm, int bshift,
                int om, int oshift, int outZero, int min, sbyte[] output) =>
                Binary(operation, a, new[] { 1 }, aZero, am, ashift, b, new[] { 1 }, bZero, bm, bshift, new[] { a.Length }, om, oshift, outZero, min, 127, output);

            public static void MaxPoolArrays(sbyte[] input, int[] g, sbyte[] output) =>
                Pool(0, input, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15], g[16], g[17], g[18],
                    g[19], g[20], g[21], 0, output);

            public static sbyte[] QuantizeArrays(float[] values, double scale, int zeroPoint)
            {
                var result = new sbyte[values.Length];
                QuantizeAll(values, scale, zeroPoint, result);
                return result;
            }

            public static int[] RequantizeLanes(int[] x, int multiplier, int shift, int zeroPoint, int min, int max)
            {
                var result = new int[x.Length];
                for (int i = 0; i < x.Length; i += 4)
                    System.Runtime.Intrinsics.Vector128.CopyTo(RequantizeQ15(System.Runtime.Intrinsics.Vector128.Create(x, i), multiplier, shift, zeroPoint, min, max), result, i);
                return result;
            }

            public static sbyte[] RequantizeBytes(int[] x, int multiplier, int shift, int zeroPoint, int min, int max)
            {
                // Eight lanes, each with the same parameters as PackChannelParameters lays them out.
                int right = shift > 0 ? 0 : -shift;
                var m = System.Runtime.Intrinsics.Vector256.Create(multiplier);
                var left = System.Runtime.Intrinsics.Vector256.Create((uint)(shift > 0 ? shift : 0));
                var rightShift = System.Runtime.Intrinsics.Vector256.Create((uint)right);
                var mask = System.Runtime.Intrinsics.Vector256.Create((1 << right) - 1);
                var half = System.Runtime.Intrinsics.Vector256.Create(((1 << right) - 1) >> 1);
                var result = new sbyte[x.Length];
                for (int i = 0; i < x.Length; i += 8)
                {
                    long eight = System.Runtime.Intrinsics.Vector128.ToScalar(System.Runtime.Intrinsics.Vector128.AsInt64(
                        RequantizeLanesToBytes(System.Runtime.Intrinsics.Vector256.Create(x, i), m, left, rightShift, mask, half, zeroPoint, min, max)));
                    for (int j = 0; j < 8; j++) result[i + j] = (sbyte)(eight >> (8 * j));
                }
                return result;
            }

            public static int[] MultiplyLanes(int[] x, int multiplier, int shift)
            {
                var result = new int[x.Length];
                for (int i = 0; i < x.Length; i += 4)
                    System.Runtime.Intrinsics.Vector128.CopyTo(MultiplyByQuantizedMultiplier(System.Runtime.Intrinsics.Vector128.Create(x, i), multiplier, shift), result, i);
                return result;
            }
            }
            }
            """;
        return GeneratedAssembly.CompileLibrary(vectorized: true, source).GetType("Probe.Kernels")!;
    });
}
