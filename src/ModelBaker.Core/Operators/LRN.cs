using System;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Local response normalization across channels (AlexNet, ZFNet, GoogLeNet): for X of shape N × C × spatial…,
/// Y = X / (bias + alpha / size · Σ X²)^beta, the sum over channels c − ⌊(size − 1) / 2⌋ … c + ⌈(size − 1) / 2⌉
/// (clipped to [0, C)). Float only in plans: the power of a data-dependent sum has no exact integer-only form.
/// </summary>
public sealed class LRN : IOperator
{
    public string OpType => "LRN";

    public OperatorSupport Support { get; } = new(OperatorFamily.Normalisation, 1, "across channels: size, alpha, beta, bias; an LRN step", Int8Form.FloatIsland, "a fractional power of a sum of squares has no exact integer form", Nano: false);

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        RequireFloat(node, graph, 0);
        int[] x = InputShape(node, graph, 0);
        Check(node, x);
        SetOutput(node, graph, 0, ElementType.Float32, x);
    }

    /// <summary>X has a channel axis, and size (required) is a positive window.</summary>
    private static int Check(Node node, int[] x)
    {
        if (x.Length < 3) throw ShapeError(node, $"X {ShapeMath.Format(x)} must be N × C × at least one spatial dimension.");
        if (!node.Attributes.ContainsKey("size")) throw InvalidGraph(node, "it has no size attribute, which LRN requires.");
        long size = node.GetInt("size", 0);
        if (size < 1 || size > int.MaxValue) throw InvalidGraph(node, $"its size {size} must be a positive number of channels.");
        return (int)size;
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        int size = Check(node, x.Shape);
        float[] xv = Floats(node, x, 0);
        float alpha = node.GetFloat("alpha", 1e-4f), beta = node.GetFloat("beta", 0.75f), bias = node.GetFloat("bias", 1f);
        int batch = x.Shape[0], channels = x.Shape[1], inner = Product(x.Shape, 2, x.Shape.Length);
        int before = (size - 1) / 2, after = size - 1 - before;
        var y = new float[xv.Length];
        for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++)
        for (int i = 0; i < inner; i++)
        {
            double squares = 0; // double: the reference is as exact as float inputs allow
            for (int k = Math.Max(0, c - before); k <= Math.Min(channels - 1, c + after); k++)
            {
                double v = xv[(n * channels + k) * inner + i];
                squares += v * v;
            }
            int at = (n * channels + c) * inner + i;
            y[at] = (float)(xv[at] / Math.Pow(bias + (double)alpha / size * squares, beta));
        }
        return new[] { Tensor.FromFloats(x.Shape, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var x = context.Activation(node, 0, "X");
        int[] shape = context.Shape(x.Name);
        int size = Check(node, shape);
        context.Add(new LrnFloat(node.Describe(), context.Slice(x.Name), context.Slice(node.Outputs[0]),
            shape[0], shape[1], Product(shape, 2, shape.Length), size,
            node.GetFloat("alpha", 1e-4f), node.GetFloat("beta", 0.75f), node.GetFloat("bias", 1f)));
    }
}
