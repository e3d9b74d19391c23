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
/// A quantized MatMul: y = saturate(round(numpy.matmul(a − a_zero_point, b − b_zero_point) · a_scale · b_scale / y_scale)
/// + y_zero_point), a, b and y int8 or uint8; a and y per tensor, b per tensor or per column. The requantization
/// follows the ONNX reference (multiplier in float32, product in float64, rounding half to even). Plans take a constant
/// b: an <see cref="IntegerMatMul"/> step into int32 accumulators, then a <see cref="Requantization"/> step. Int8 plans take
/// its QDQ form (<see cref="IQdqForm"/>): the int8 fully connected step with the model's weights, scales and zero points.
/// </summary>
public sealed class QLinearMatMul : IOperator, IBakeTimeInputs, IQdqForm
{
    /// <summary>Inputs exporters write as initializers: 1, 2, 3, 4, 5, 6, 7.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2, 3, 4, 5, 6, 7 };

    public string OpType => "QLinearMatMul";

    public OperatorSupport Support { get; } = new(OperatorFamily.QuantizedModels, 10, "int8 or uint8; a and y per tensor, b per tensor or column; b constant; an integer matmul step, then a requantization step (ONNX reference rounding)", Int8Form.Integer, "QuantizeLinear → QLinearMatMul → DequantizeLinear: int8 fully connected with the model's weights, scales and zero points (docs/compression.md §6)", Nano: true)
    {
        NanoDetails = "the quantized form between a QuantizeLinear and a DequantizeLinear (an int8 fully connected step); integer tensors in and out: no (MB1106)",
        Refuses = new[] { "b_scale neither one value nor one per column", "b, scales or zero points computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 8, 8);
        RequireQuantized(node, graph, 0, "a");
        RequireQuantized(node, graph, 3, "b");
        var yType = RequireQuantized(node, graph, 7, "y_zero_point");
        foreach (int i in new[] { 1, 4, 6 }) RequireFloatScale(node, graph, i);
        SetOutput(node, graph, 0, yType, IntegerMatrixProduct.Plan(node, InputShape(node, graph, 0), InputShape(node, graph, 3)).Output);
    }

    private sealed record Parameters(MatMul.MatMulPlan Plan, int AZeroPoint, int[] B, float[] Multipliers, int YZeroPoint, ElementType YType);

    private static Parameters Resolve(Node node, int[] aShape, System.Func<int, string, Tensor> input)
    {
        var b = input(3, "b");
        var plan = IntegerMatrixProduct.Plan(node, aShape, b.Shape);
        int aZeroPoint = IntegerConvolution.InputZeroPoint(node, input(2, "a_zero_point"), "a_zero_point");
        var centered = IntegerMatrixProduct.CenteredB(node, b, input(5, "b_zero_point"), plan.N);
        float aScale = IntegerConvolution.Scalar(node, input(1, "a_scale"), "a_scale");
        float yScale = IntegerConvolution.Scalar(node, input(6, "y_scale"), "y_scale");
        float[] bScales = Floats(node, input(4, "b_scale"), 4);
        if (bScales.Length != 1 && bScales.Length != plan.N)
            throw UnsupportedUsage(node, $"b_scale has {bScales.Length} values.", $"Give one, or one per column of b ({plan.N}).");
        var multipliers = bScales.Select(s => aScale * s / yScale).ToArray(); // float32, in the ONNX reference's order
        var yZeroPoint = input(7, "y_zero_point");
        return new Parameters(plan, aZeroPoint, centered, multipliers, IntegerConvolution.InputZeroPoint(node, yZeroPoint, "y_zero_point"), yZeroPoint.Type);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var a = Required(node, inputs, 0);
        var p = Resolve(node, a.Shape, (i, _) => Required(node, inputs, i));
        var accumulators = IntegerMatrixProduct.Accumulate(p.Plan, a.Int64s!, p.AZeroPoint, p.B);
        var y = IntegerConvolution.Requantize(accumulators, p.Multipliers, 1, p.YZeroPoint, p.YType);
        return new[] { Tensor.FromInt64s(p.Plan.Output, y, p.YType) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var a = context.Activation(node, 0, "a");
        var p = Resolve(node, context.Shape(a.Name), (i, role) => context.Constant(node, i, role));
        var plan = p.Plan;
        var (aOffsets, bOffsets) = IntegerMatrixProduct.Offsets(plan);
        var accumulators = new ArenaSlice(node.Outputs[0] + ":accumulators", ElementType.Int32, aOffsets.Length * plan.M * plan.N, shape: context.Shape(node.Outputs[0]));
        context.Add(new IntegerMatMul(node.Describe(), context.Slice(a.Name), accumulators, plan.M, plan.K, plan.N, aOffsets, bOffsets, p.B, p.AZeroPoint));
        context.Add(new Requantization(node.Describe(), accumulators, context.Slice(node.Outputs[0]), p.Multipliers, 1, p.YZeroPoint));
    }

    /// <summary>DequantizeLinear of a and b (per column of a 2-D b), MatMul, QuantizeLinear.</summary>
    public void Build(Node node, QdqFormBuilder form)
    {
        string a = form.Dequantize(0, 1, 2);
        string b = form.ConstantOf(3) != null ? form.DequantizeWeights(3, 4, 5, form.ShapeOf(3).Length - 1) : form.Dequantize(3, 4, 5);
        form.Quantize(form.Float("MatMul", new[] { a, b }), 6, 7, form.TypeOf(7));
    }
}
