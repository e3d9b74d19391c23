using System.Collections.Generic;
using System;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Inference: Y = scale · (X − mean) / sqrt(var + epsilon) + B per channel (axis 1), opsets 7 to 15+. In a plan the map
/// folds into the convolution or fully connected step before it when that step feeds only this node; otherwise it is
/// a per-channel affine step; used statistics outputs are refused. Training mode (training_mode = 1 from opset 14)
/// normalises with the batch's own statistics and outputs the updated running mean and variance: float steps that
/// compute them at run time (<see cref="BatchStatisticsFloat"/>), refused in int8.
/// </summary>
public sealed class BatchNormalization : IOperator, IChannelMapping, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1, 2, 3, 4.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2, 3, 4 };

    /// <summary>Each channel on its own, with one scale, bias, mean and variance per channel (inputs 1–4).</summary>
    public ChannelFlow ChannelFlow(Node node, Graph graph) =>
        Operators.ChannelFlow.UnlessExtraOutputsUsed(node, new ChannelFlow.PassThrough(new[] { 1, 2, 3, 4 }));

    public string OpType => "BatchNormalization";

    public OperatorSupport Support { get; } = new(OperatorFamily.Convolution, 7, "inference: folded into the Conv or Gemm before it, else a per-channel affine step; training_mode = 1: batch statistics computed at run time, and the updated running mean and variance", Int8Form.Integer, "an int8 per-channel affine step; training_mode = 1: in a float island", Nano: true)
    {
        NanoDetails = "training_mode = 1: no (MB1135)",
        Refuses = new[] { "spatial = 0 (opsets before 9)", "its statistics outputs used in inference mode" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 5, 5);
        for (int i = 0; i < 5; i++) RequireFloat(node, graph, i);
        int[] x = InputShape(node, graph, 0);
        CheckShapes(node, x, new[] { 1, 2, 3, 4 }.Select(i => InputShape(node, graph, i)));
        SetOutput(node, graph, 0, ElementType.Float32, x);
        // Statistics outputs: running mean and variance (opset 14+), or mean, var, saved mean, saved var (before).
        for (int i = 1; i < node.Outputs.Count; i++) SetOutput(node, graph, i, ElementType.Float32, new[] { x[1] });
    }

    private static void CheckShapes(Node node, int[] x, System.Collections.Generic.IEnumerable<int[]> parameters)
    {
        if (node.GetInt("spatial", 1) == 0)
            throw UnsupportedUsage(node, "it has spatial = 0 (statistics per element rather than per channel).",
                "Re-export the model with opset 9 or later, where BatchNormalization is always per channel.");
        if (x.Length < 2) throw ShapeError(node, $"X {ShapeMath.Format(x)} must be N × C × ….");
        foreach (int[] p in parameters)
            if (p.Length != 1 || p[0] != x[1])
                throw ShapeError(node, $"scale, B, mean and var must be vectors of {x[1]} values (one per channel of X {ShapeMath.Format(x)}); one is {ShapeMath.Format(p)}.");
    }

    private static bool TrainingMode(Node node) => node.GetInt("training_mode", 0) != 0;

    /// <summary>Per-channel a and b of y = x · a + b for the running statistics.</summary>
    private static (float[] Scale, float[] Shift) Affine(Node node, float[] scale, float[] bias, float[] mean, float[] variance)
    {
        float epsilon = node.GetFloat("epsilon", 1e-5f);
        var a = new float[scale.Length];
        var b = new float[scale.Length];
        for (int c = 0; c < a.Length; c++)
        {
            double factor = scale[c] / Math.Sqrt((double)variance[c] + epsilon);
            a[c] = (float)factor;
            b[c] = (float)(bias[c] - mean[c] * factor);
        }
        return (a, b);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var tensors = new Tensor[4];
        for (int i = 0; i < 4; i++) tensors[i] = Required(node, inputs, i + 1);
        CheckShapes(node, x.Shape, Array.ConvertAll(tensors, t => t.Shape));
        float[] xv = Floats(node, x, 0), scale = Floats(node, tensors[0], 1), bias = Floats(node, tensors[1], 2);
        float[] mean = Floats(node, tensors[2], 3), variance = Floats(node, tensors[3], 4);
        int channels = x.Shape[1], inner = Product(x.Shape, 2, x.Shape.Length), batch = x.Shape[0];
        var outputs = new Tensor[node.Outputs.Count];
        if (TrainingMode(node))
        {
            // The baked step's own code: batch statistics, then Y (0) or the updated running mean (1) and variance (2).
            for (int o = 0; o < outputs.Length; o++)
            {
                var value = new float[o == 0 ? xv.Length : channels];
                BatchStatisticsFloat.BatchStatistics(xv, batch, inner, scale, bias, mean, variance,
                    node.GetFloat("epsilon", 1e-5f), node.GetFloat("momentum", 0.9f), o, value);
                outputs[o] = Tensor.FromFloats(o == 0 ? x.Shape : new[] { channels }, value);
            }
            return outputs;
        }
        var (a, b) = Affine(node, scale, bias, mean, variance);
        var y = new float[xv.Length];
        for (int i = 0; i < y.Length; i++)
        {
            int c = i / inner % channels;
            y[i] = xv[i] * a[c] + b[c];
        }
        outputs[0] = Tensor.FromFloats(x.Shape, y);
        // Inference leaves the statistics as they are: mean, var (and, before opset 14, the saved mean and var).
        for (int o = 1; o < outputs.Length; o++) outputs[o] = Tensor.FromFloats(new[] { channels }, (float[])(o % 2 == 1 ? mean : variance).Clone());
        return outputs;
    }

    public void Lower(Node node, LoweringContext context)
    {
        if (TrainingMode(node))
        {
            LowerTrainingMode(node, context);
            return;
        }
        for (int i = 1; i < node.Outputs.Count; i++)
            if (node.Outputs[i].Length > 0 && context.IsUsed(node.Outputs[i]))
                throw UnsupportedUsage(node, $"its statistics output '{node.Outputs[i]}' is used; baked plans compute Y only.",
                    "Export the model in evaluation mode so BatchNormalization has a single output.");
        string input = context.Activation(node, 0, "X").Name;
        var (a, b) = Affine(node, context.Constant(node, 1, "scale").AsFloats(), context.Constant(node, 2, "B").AsFloats(),
            context.Constant(node, 3, "mean").AsFloats(), context.Constant(node, 4, "var").AsFloats());
        int[] shape = context.Shape(input);
        var output = context.Slice(node.Outputs[0]);

        // Fold into the step before: scale its weights per output channel and map its bias.
        var producer = context.FusableProducer(input);
        string source = producer?.Source + " + " + node.Describe();
        var folded = producer?.WithChannelAffine(source, output, shape, a, b);
        if (folded != null)
        {
            context.Replace(producer!, folded);
            return;
        }
        context.Add(new ChannelAffineFloat(node.Describe(), context.Slice(input), output, Product(shape, 2, shape.Length), a, b,
            float.NegativeInfinity, float.PositiveInfinity));
    }

    /// <summary>One batch-statistics step per used output: Y, and the running mean and variance (opset 14+).</summary>
    private static void LowerTrainingMode(Node node, LoweringContext context)
    {
        string input = context.Activation(node, 0, "X").Name;
        int[] shape = context.Shape(input);
        var parameters = Enumerable.Range(1, 4).Select(i => context.Constant(node, i, "scale, B, mean and var").AsFloats()).ToArray();
        for (int o = 0; o < node.Outputs.Count && o < 3; o++)
        {
            if (node.Outputs[o].Length == 0 || (o > 0 && !context.IsUsed(node.Outputs[o]))) continue;
            context.Add(new BatchStatisticsFloat(node.Describe(), context.Slice(input), context.Slice(node.Outputs[o]), shape[0],
                Product(shape, 2, shape.Length), (BatchStatisticsFloat.Result)o, parameters[0], parameters[1], parameters[2], parameters[3],
                node.GetFloat("epsilon", 1e-5f), node.GetFloat("momentum", 0.9f)));
        }
    }

}
