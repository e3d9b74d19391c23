using ModelBaker.Core.Ir;

namespace ModelBaker.Benchmarks.Models;

/// <summary>
/// ResNet-18 at 224×224 (He et al. 2015, torchvision's layout): a 7×7 stride-2 stem and 3×3 stride-2 max pooling, four
/// stages of two basic blocks (3×3 conv, BN, ReLU, 3×3 conv, BN, plus the shortcut — a 1×1 stride-2 conv and BN where
/// the stage halves the map — then ReLU) with 64, 128, 256 and 512 channels, global average pooling and a 1000-way
/// Gemm: 11.7 M parameters, 1.8 G multiply-accumulates. Random weights from a seed (<see cref="GraphBuilder"/>).
/// </summary>
internal static class ResNet18
{
    public const int Size = 224;

    public static Graph Build(int seed, int classes = 1000)
    {
        var builder = new GraphBuilder("resnet18_224", seed);
        string x = builder.ConvBlock(builder.Input("image", 1, 3, Size, Size), 3, 64, 7, 2, groups: 1, BlockActivation.Relu);
        x = builder.Node("MaxPool", new[] { x }, null, GraphBuilder.Attr.Ints("kernel_shape", 3, 3), GraphBuilder.Attr.Ints("strides", 2, 2),
            GraphBuilder.Attr.Ints("pads", 1, 1, 1, 1));
        int channels = 64;
        foreach (int width in new[] { 64, 128, 256, 512 })
        {
            for (int block = 0; block < 2; block++)
            {
                int stride = block == 0 && width != channels ? 2 : 1;
                string shortcut = stride == 1 ? x : builder.ConvBlock(x, channels, width, 1, stride, groups: 1, BlockActivation.None);
                string y = builder.ConvBlock(x, channels, width, 3, stride, groups: 1, BlockActivation.Relu);
                y = builder.ConvBlock(y, width, width, 3, 1, groups: 1, BlockActivation.None);
                x = builder.Node("Relu", new[] { builder.Node("Add", new[] { y, shortcut }) });
                channels = width;
            }
        }
        builder.Classifier(x, channels, classes);
        return builder.Graph;
    }
}
