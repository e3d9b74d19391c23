using System;
using System.Text;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// The geometry Conv and the pooling operators share: per spatial dimension the kernel size, stride, dilation, the
/// padding before and after, and the output size, resolved from kernel_shape, strides, dilations, pads, auto_pad and
/// ceil_mode exactly as ONNX (and ONNX Runtime) define them.
/// </summary>
public sealed class SlidingWindow
{
    private SlidingWindow(int[] input, int[] kernel, int[] strides, int[] dilations, int[] padBegin, int[] padEnd, int[] output)
    {
        Input = input;
        Kernel = kernel;
        Strides = strides;
        Dilations = dilations;
        PadBegin = padBegin;
        PadEnd = padEnd;
        Output = output;
    }

    /// <summary>Spatial input sizes (the dimensions after N and C).</summary>
    public int[] Input { get; }
    public int[] Kernel { get; }
    public int[] Strides { get; }
    public int[] Dilations { get; }
    public int[] PadBegin { get; }
    /// <summary>Padding after the input; positions from Input + PadEnd on (reached only with ceil_mode) are not padding.</summary>
    public int[] PadEnd { get; }
    public int[] Output { get; }
    public int Rank => Input.Length;

    /// <summary>Kernel extent with dilation: (k − 1)·d + 1.</summary>
    public int Extent(int i) => (Kernel[i] - 1) * Dilations[i] + 1;

    /// <summary>
    /// Resolves the window of <paramref name="node"/> over spatial sizes <paramref name="input"/> with kernel sizes
    /// <paramref name="kernel"/> (kernel_shape, or a Conv's weight shape). ceil_mode only applies to pooling.
    /// </summary>
    public static SlidingWindow Resolve(Node node, int[] input, int[] kernel, bool allowCeilMode)
    {
        int rank = input.Length;
        int[] strides = Attribute(node, "strides", rank, 1, minimum: 1);
        int[] dilations = Attribute(node, "dilations", rank, 1, minimum: 1);
        bool ceil = allowCeilMode && node.GetInt("ceil_mode", 0) != 0;
        string autoPad = AutoPad(node);
        var padBegin = new int[rank];
        var padEnd = new int[rank];
        var output = new int[rank];
        if (autoPad == "NOTSET")
        {
            int[] pads = Attribute(node, "pads", 2 * rank, 0, minimum: 0);
            Array.Copy(pads, 0, padBegin, 0, rank);
            Array.Copy(pads, rank, padEnd, 0, rank);
        }
        for (int i = 0; i < rank; i++)
        {
            if (kernel[i] < 1) throw ShapeError(node, $"its kernel size {kernel[i]} along spatial dimension {i} is not positive.");
            int extent = (kernel[i] - 1) * dilations[i] + 1;
            if (autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                // Output ceil(in / stride); the padding that needs, split evenly, the odd one at the end (UPPER) or start (LOWER).
                output[i] = (input[i] + strides[i] - 1) / strides[i];
                int total = Math.Max(0, (output[i] - 1) * strides[i] + extent - input[i]);
                int small = total / 2;
                padBegin[i] = autoPad == "SAME_UPPER" ? small : total - small;
                padEnd[i] = total - padBegin[i];
                continue;
            }
            int span = input[i] + padBegin[i] + padEnd[i] - extent;
            if (span < 0)
                throw ShapeError(node, $"its window (extent {extent} along spatial dimension {i}) is larger than the padded input " +
                                       $"({input[i]} + {padBegin[i]} + {padEnd[i]}).");
            output[i] = span / strides[i] + 1;
            if (ceil && span % strides[i] != 0)
            {
                output[i]++;
                // ONNX Runtime and PyTorch: the last window must start inside the input or its leading padding.
                if ((output[i] - 1) * strides[i] >= input[i] + padBegin[i]) output[i]--;
            }
        }
        return new SlidingWindow(input, kernel, strides, dilations, padBegin, padEnd, output);
    }

    private static string AutoPad(Node node)
    {
        string value = node.GetString("auto_pad") ?? "NOTSET";
        if (value is "NOTSET" or "SAME_UPPER" or "SAME_LOWER" or "VALID") return value;
        throw InvalidGraph(node, $"its auto_pad is '{Diagnostics.Text.Printable(value)}'; ONNX allows NOTSET, SAME_UPPER, SAME_LOWER and VALID.");
    }

    /// <summary>An ints attribute with <paramref name="count"/> entries, or <paramref name="fallback"/> everywhere when absent.</summary>
    private static int[] Attribute(Node node, string name, int count, int fallback, int minimum)
    {
        long[]? values = node.GetInts(name);
        var result = new int[count];
        if (values == null)
        {
            for (int i = 0; i < count; i++) result[i] = fallback;
            return result;
        }
        if (values.Length != count)
            throw ShapeError(node, $"its {name} has {values.Length} entries; an input with {(name == "pads" ? count / 2 : count)} spatial dimensions needs {count}.");
        for (int i = 0; i < count; i++)
        {
            if (values[i] < minimum || values[i] > int.MaxValue)
                throw InvalidGraph(node, $"its {name}[{i}] is {values[i]}; it must be at least {minimum}.");
            result[i] = (int)values[i];
        }
        return result;
    }

    /// <summary>One window over the whole input: what the global pools use.</summary>
    public static SlidingWindow Whole(int[] spatial)
    {
        int rank = spatial.Length;
        var ones = new int[rank];
        for (int i = 0; i < rank; i++) ones[i] = 1;
        return new SlidingWindow((int[])spatial.Clone(), (int[])spatial.Clone(), ones, (int[])ones.Clone(), new int[rank], new int[rank], (int[])ones.Clone());
    }

    /// <summary>kernel_shape of a pooling node: required, one entry per spatial dimension.</summary>
    public static int[] KernelShape(Node node, int rank)
    {
        long[] values = node.GetInts("kernel_shape")
            ?? throw InvalidGraph(node, "it has no kernel_shape attribute, which pooling requires.");
        if (values.Length != rank)
            throw ShapeError(node, $"its kernel_shape has {values.Length} entries, but the input has {rank} spatial dimensions.");
        var kernel = new int[rank];
        for (int i = 0; i < rank; i++) kernel[i] = (int)values[i];
        return kernel;
    }

    public override string ToString()
    {
        var s = new StringBuilder();
        s.Append("kernel ").Append(ShapeMath.Format(Kernel)).Append(" strides ").Append(ShapeMath.Format(Strides))
            .Append(" dilations ").Append(ShapeMath.Format(Dilations)).Append(" pads ").Append(ShapeMath.Format(PadBegin))
            .Append(ShapeMath.Format(PadEnd));
        return s.ToString();
    }
}
