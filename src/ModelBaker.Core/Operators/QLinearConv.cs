using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;
using static ModelBaker.Core.Operators.QuantizationAxis;

namespace ModelBaker.Core.Operators;

/// <summary>
/// A quantized Conv: y = saturate(round((Σ (x − x_zero_point) · (w − w_zero_point) + B) · x_scale · w_scale / y_scale)
/// + y_zero_point), x, w and y int8 or uint8, B int32 at scale x_scale · w_scale. Scales and zero points per tensor,
/// the weights' also per output channel. The requantization follows the ONNX reference: multiplier in float32, product
/// in float64, rounding half to even. Plans: an <see cref="IntegerConv"/> step into int32 accumulators, then a
/// <see cref="Requantization"/> step. Int8 plans take its QDQ form (<see cref="IQdqForm"/>): the int8 convolution with the
/// model's weights, scales and zero points.
/// </summary>
public sealed class QLinearConv : IOperator, IBakeTimeInputs, IQdqForm
{
    /// <summary>Inputs exporters write as initializers: 1, 2, 3, 4, 5, 6, 7, 8.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2, 3, 4, 5, 6, 7, 8 };

    public string OpType => "QLinearConv";

    public OperatorSupport Support { get; } = new(OperatorFamily.QuantizedModels, 10, "Conv's attributes; int8 or uint8; scales and zero points per tensor, the weights' also per output channel; W and B constant; an integer conv step, then a requantization step (ONNX reference rounding)", Int8Form.Integer, "QuantizeLinear → QLinearConv → DequantizeLinear: int8 conv with the model's weights, scales and zero points (docs/compression.md §6)", Nano: true)
    {
        NanoDetails = "the quantized form between a QuantizeLinear and a DequantizeLinear (an int8 conv step); integer tensors in and out: no (MB1106)",
        Refuses = new[] { "3 or more spatial dimensions", "x or y scale or zero point of more than one value", "W, B, scales or zero points computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 8, 9);
        RequireQuantized(node, graph, 0, "x");
        RequireQuantized(node, graph, 3, "w");
        var yType = RequireQuantized(node, graph, 7, "y_zero_point");
        foreach (int i in new[] { 1, 4, 6 }) RequireFloatScale(node, graph, i);
        if (OptionalInput(node, 8) != null && Input(node, graph, 8).Type != ElementType.Int32) throw InvalidGraph(node, "B must be int32.");
        SetOutput(node, graph, 0, yType, IntegerConvolution.OutputShape(node, InputShape(node, graph, 0), InputShape(node, graph, 3)));
    }

    private sealed record Parameters(ConvGeometry Geometry, int XZeroPoint, int[] Weights, int[]? Bias, float[] Multipliers, int YZeroPoint, ElementType YType);

    /// <summary>Everything but x, from the constant inputs (<paramref name="input"/> gives input i, or null when omitted).</summary>
    private static Parameters Resolve(Node node, int[] xShape, System.Func<int, string, Tensor?> input)
    {
        var w = input(3, "w")!;
        var g = IntegerConvolution.Geometry(node, xShape, w.Shape);
        int xZeroPoint = IntegerConvolution.InputZeroPoint(node, input(2, "x_zero_point"), "x_zero_point");
        var weights = IntegerConvolution.CenteredWeights(node, w, input(5, "w_zero_point"));
        var bias = input(8, "B")?.Int64s;
        if (bias != null && bias.Length != g.OutputChannels)
            throw ShapeError(node, $"B has {bias.Length} values; it must have one per output channel ({g.OutputChannels}).");
        var yZeroPoint = input(7, "y_zero_point")!;
        var multipliers = IntegerConvolution.Multipliers(node, IntegerConvolution.Scalar(node, input(1, "x_scale")!, "x_scale"),
            Floats(node, input(4, "w_scale"), 4), IntegerConvolution.Scalar(node, input(6, "y_scale")!, "y_scale"), g.OutputChannels);
        return new Parameters(g, xZeroPoint, weights, bias == null ? null : System.Array.ConvertAll(bias, v => (int)v), multipliers,
            IntegerConvolution.InputZeroPoint(node, yZeroPoint, "y_zero_point"), yZeroPoint.Type);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var p = Resolve(node, x.Shape, (i, _) => i < inputs.Length ? inputs[i] : null);
        var g = p.Geometry;
        var accumulators = IntegerConvolution.Accumulate(g, x.Int64s!, p.XZeroPoint, p.Weights, p.Bias);
        var y = IntegerConvolution.Requantize(accumulators, p.Multipliers, g.OutputHeight * g.OutputWidth, p.YZeroPoint, p.YType);
        return new[] { Tensor.FromInt64s(IntegerConvolution.OutputShape(node, x.Shape, inputs[3]!.Shape), y, p.YType) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var x = context.Activation(node, 0, "x");
        var p = Resolve(node, context.Shape(x.Name), (i, role) => context.HasInput(node, i) ? context.Constant(node, i, role) : null);
        var g = p.Geometry;
        var accumulators = new ArenaSlice(node.Outputs[0] + ":accumulators", ElementType.Int32, g.OutputLength, shape: context.Shape(node.Outputs[0]));
        context.Add(new IntegerConv(node.Describe(), context.Slice(x.Name), accumulators, g, p.Weights, p.Bias ?? new int[0], p.XZeroPoint));
        context.Add(new Requantization(node.Describe(), accumulators, context.Slice(node.Outputs[0]), p.Multipliers,
            g.OutputHeight * g.OutputWidth, p.YZeroPoint));
    }

    /// <summary>DequantizeLinear of x, w (per output channel) and B (at x_scale · w_scale), Conv with the node's attributes, QuantizeLinear.</summary>
    public void Build(Node node, QdqFormBuilder form)
    {
        string x = form.Dequantize(0, 1, 2);
        string w = form.DequantizeWeights(3, 4, 5, 0);
        var inputs = new List<string> { x, w };
        if (form.Has(8))
        {
            float xScale = IntegerConvolution.Scalar(node, form.ConstantOf(1)!, "x_scale");
            inputs.Add(form.DequantizeBias(8, Floats(node, form.ConstantOf(4), 4).Select(s => xScale * s).ToArray(), 0));
        }
        form.Quantize(form.Float("Conv", inputs, node.Attributes.Values.ToArray()), 6, 7, form.TypeOf(7));
    }
}
