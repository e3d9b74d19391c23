using System.Collections.Generic;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;
using static ModelBaker.Core.Operators.QuantizationAxis;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Y (int32) = Σ (X − x_zero_point) · (W − w_zero_point) over Conv's windows, X and W int8 or uint8, x_zero_point per
/// tensor, w_zero_point per tensor or per output channel, with Conv's attributes (pads, strides, dilations, group,
/// auto_pad); padding is real 0. Plans run 1-D and 2-D convolutions with constant W as one <see cref="IntegerConv"/> step.
/// </summary>
public sealed class ConvInteger : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1, 2, 3.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2, 3 };

    public string OpType => "ConvInteger";

    public OperatorSupport Support { get; } = new(OperatorFamily.QuantizedModels, 10, "Conv's attributes; int8 or uint8 X and W; x_zero_point per tensor (a constant, or computed at run time as DynamicQuantizeLinear does), w_zero_point per tensor or output channel; W constant; an exact integer conv step (int32 out)", Int8Form.Integer, "QuantizeLinear → ConvInteger → Cast → Mul (the integer-operator form): int8 conv with the model's integers and zero points, the Mul folded into the requantization", Nano: true)
    {
        NanoDetails = "the integer-operator form (an int8 conv step); integer tensors in and out: no (MB1106)",
        Refuses = new[] { "3 or more spatial dimensions", "x_zero_point of more than one value", "W or w_zero_point computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 4);
        var xType = RequireQuantized(node, graph, 0, "X");
        var wType = RequireQuantized(node, graph, 1, "W");
        if (OptionalInput(node, 2) != null && Input(node, graph, 2).Type != xType) throw InvalidGraph(node, "x_zero_point must have X's type.");
        if (OptionalInput(node, 3) != null && Input(node, graph, 3).Type != wType) throw InvalidGraph(node, "w_zero_point must have W's type.");
        SetOutput(node, graph, 0, ElementType.Int32, IntegerConvolution.OutputShape(node, InputShape(node, graph, 0), InputShape(node, graph, 1)));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var w = Required(node, inputs, 1);
        var g = IntegerConvolution.Geometry(node, x.Shape, w.Shape);
        int xZeroPoint = IntegerConvolution.InputZeroPoint(node, inputs.Length > 2 ? inputs[2] : null, "x_zero_point");
        var weights = IntegerConvolution.CenteredWeights(node, w, inputs.Length > 3 ? inputs[3] : null);
        var y = IntegerConvolution.Accumulate(g, x.Int64s!, xZeroPoint, weights, null);
        return new[] { Tensor.FromInt64s(IntegerConvolution.OutputShape(node, x.Shape, w.Shape), System.Array.ConvertAll(y, v => (long)v), ElementType.Int32) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var x = context.Activation(node, 0, "X");
        var w = context.Constant(node, 1, "W");
        var (xZeroPoint, xZeroPointSlice) = IntegerConvolution.InputZeroPoint(node, context, 2, "x_zero_point");
        var weights = IntegerConvolution.CenteredWeights(node, w, context.HasInput(node, 3) ? context.Constant(node, 3, "w_zero_point") : null);
        context.Add(new IntegerConv(node.Describe(), context.Slice(x.Name), context.Slice(node.Outputs[0]),
            IntegerConvolution.Geometry(node, context.Shape(x.Name), w.Shape), weights, new int[0], xZeroPoint, xZeroPointSlice));
    }
}
