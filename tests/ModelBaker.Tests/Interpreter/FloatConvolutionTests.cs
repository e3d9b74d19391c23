using ModelBaker.Core.Interpreter;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Plan;

namespace ModelBaker.Tests.Interpreter;

/// <summary>
/// The bake's vectorized float convolution (<see cref="FloatConvolution"/>: calibration, reconstruction and reports run
/// it) against the reference kernel <see cref="ConvFloat.Conv"/>: bit for bit, on shapes with padding on every side,
/// strides, dilation, groups, a batch, output channels that do not fill a vector, a clamp, and zeros and negative zeros in
/// the input.
/// </summary>
public sealed class FloatConvolutionTests
{
    public static TheoryData<int, int, int, int, int, int, int, int, int, int> Shapes => new()
    {
        // batch, in, out, height, width, kernel, stride, dilation, pad, groups
        { 1, 3, 64, 15, 13, 7, 2, 1, 3, 1 },
        { 1, 16, 13, 9, 9, 3, 1, 1, 1, 1 },
        { 2, 8, 12, 7, 10, 3, 2, 2, 2, 4 },
        { 1, 12, 12, 6, 6, 3, 1, 1, 1, 12 },
        { 1, 5, 9, 5, 7, 1, 2, 1, 0, 1 },
        { 1, 4, 17, 3, 3, 5, 1, 1, 2, 1 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Equals_the_reference_kernel_bit_for_bit(int batch, int inputs, int outputs, int height, int width, int kernel, int stride, int dilation, int pad, int groups)
    {
        int outHeight = (height + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
        int outWidth = (width + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
        var geometry = new ConvGeometry(batch, inputs, height, width, outputs, outHeight, outWidth, kernel, kernel, stride, stride,
            dilation, dilation, pad, pad, groups);
        var random = new Random(outputs * 31 + kernel);
        float Value() => random.Next(5) switch { 0 => 0f, 1 => -0f, _ => (float)(random.NextDouble() * 4 - 2) };
        var weights = Enumerable.Range(0, outputs * geometry.WeightsPerChannel).Select(_ => Value()).ToArray();
        var bias = Enumerable.Range(0, outputs).Select(_ => Value()).ToArray();
        int inputLength = batch * inputs * height * width, outputLength = batch * outputs * outHeight * outWidth;
        var input = new ArenaSlice("x", ElementType.Float32, inputLength, 0);
        var output = new ArenaSlice("y", ElementType.Float32, outputLength, inputLength);
        var lengths = new Dictionary<ElementType, int> { [ElementType.Float32] = inputLength + outputLength };
        foreach (var (min, max) in new[] { (float.NegativeInfinity, float.PositiveInfinity), (0f, 1.5f) })
        {
            var conv = new ConvFloat("conv", input, output, geometry, weights, bias, min, max);
            Assert.True(FloatConvolution.Handles(conv) || !System.Numerics.Vector.IsHardwareAccelerated);
            var reference = new PlanArena(lengths);
            var fast = new PlanArena(lengths);
            for (int i = 0; i < inputLength; i++) reference.Float[i] = fast.Float[i] = Value();
            conv.Run(reference);
            FloatConvolution.Run(conv, fast);
            for (int i = 0; i < outputLength; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(reference.Float[inputLength + i]), BitConverter.SingleToInt32Bits(fast.Float[inputLength + i]));
        }
    }
}
