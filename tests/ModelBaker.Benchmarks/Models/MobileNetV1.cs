using System;
using ModelBaker.Core.Ir;

namespace ModelBaker.Benchmarks.Models;

/// <summary>
/// MobileNetV1 with width multiplier 0.25 at 96×96 — the visual wake words model: 2 classes, 213 k parameters — as PyTorch
/// exports it (each convolution followed by BatchNormalization and ReLU6 as Clip; global average pooling, Flatten, Gemm),
/// with random weights from a seed (<see cref="GraphBuilder"/>).
/// </summary>
internal static class MobileNetV1
{
    public const int Size = 96;

    /// <summary>Channels of the depthwise-separable blocks at width 1.0, and the stride of each depthwise step.</summary>
    private static readonly (int Channels, int Stride)[] Blocks =
    {
        (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1),
    };

    public static Graph Build(int seed, double width = 0.25, int classes = 2)
    {
        var builder = new GraphBuilder("mobilenet_v1_025_96", seed);
        int channels = (int)(32 * width);
        string x = builder.ConvBlock(builder.Input("image", 1, 3, Size, Size), 3, channels, 3, 2, groups: 1, BlockActivation.Relu6);
        foreach (var (full, stride) in Blocks)
        {
            x = builder.ConvBlock(x, channels, channels, 3, stride, groups: channels, BlockActivation.Relu6); // depthwise
            int outputs = (int)(full * width);
            x = builder.ConvBlock(x, channels, outputs, 1, 1, groups: 1, BlockActivation.Relu6); // pointwise
            channels = outputs;
        }
        builder.Classifier(x, channels, classes);
        return builder.Graph;
    }
}
