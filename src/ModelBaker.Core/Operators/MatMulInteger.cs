using System.Collections.Generic;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;
using static ModelBaker.Core.Operators.QuantizationAxis;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Y (int32) = numpy.matmul(A − a_zero_point, B − b_zero_point), A and B int8 or uint8; a_zero_point per tensor,
/// b_zero_point per tensor or per column. Plans take a constant B: one <see cref="IntegerMatMul"/> step.
/// </summary>
public sealed class MatMulInteger : IOperator, IBakeTimeInputs
{
    /// <summary>Inputs exporters write as initializers: 1, 2, 3.</summary>
    public IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2, 3 };

    public string OpType => "MatMulInteger";

    public OperatorSupport Support { get; } = new(OperatorFamily.QuantizedModels, 10, "int8 or uint8 A and B; a_zero_point per tensor (a constant, or computed at run time as DynamicQuantizeLinear does), b_zero_point per tensor or column; B constant; an exact integer matmul step (int32 out)", Int8Form.Integer, "QuantizeLinear → MatMulInteger → Cast → Mul (the integer-operator form): int8 fully connected with the model's integers and zero points, the Mul folded into the requantization", Nano: true)
    {
        NanoDetails = "the integer-operator form (an int8 fully connected step); integer tensors in and out: no (MB1106)",
        Refuses = new[] { "b_zero_point neither one value nor one per column", "B or b_zero_point computed at run time" },
    };

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 2, 4);
        var aType = RequireQuantized(node, graph, 0, "A");
        var bType = RequireQuantized(node, graph, 1, "B");
        if (OptionalInput(node, 2) != null && Input(node, graph, 2).Type != aType) throw InvalidGraph(node, "a_zero_point must have A's type.");
        if (OptionalInput(node, 3) != null && Input(node, graph, 3).Type != bType) throw InvalidGraph(node, "b_zero_point must have B's type.");
        SetOutput(node, graph, 0, ElementType.Int32, IntegerMatrixProduct.Plan(node, InputShape(node, graph, 0), InputShape(node, graph, 1)).Output);
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var a = Required(node, inputs, 0);
        var b = Required(node, inputs, 1);
        var plan = IntegerMatrixProduct.Plan(node, a.Shape, b.Shape);
        int aZeroPoint = IntegerConvolution.InputZeroPoint(node, inputs.Length > 2 ? inputs[2] : null, "a_zero_point");
        var centered = IntegerMatrixProduct.CenteredB(node, b, inputs.Length > 3 ? inputs[3] : null, plan.N);
        var y = IntegerMatrixProduct.Accumulate(plan, a.Int64s!, aZeroPoint, centered);
        return new[] { Tensor.FromInt64s(plan.Output, System.Array.ConvertAll(y, v => (long)v), ElementType.Int32) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var a = context.Activation(node, 0, "A");
        var b = context.Constant(node, 1, "B");
        var plan = IntegerMatrixProduct.Plan(node, context.Shape(a.Name), b.Shape);
        var (aZeroPoint, aZeroPointSlice) = IntegerConvolution.InputZeroPoint(node, context, 2, "a_zero_point");
        var centered = IntegerMatrixProduct.CenteredB(node, b, context.HasInput(node, 3) ? context.Constant(node, 3, "b_zero_point") : null, plan.N);
        var (aOffsets, bOffsets) = IntegerMatrixProduct.Offsets(plan);
        context.Add(new IntegerMatMul(node.Describe(), context.Slice(a.Name), context.Slice(node.Outputs[0]), plan.M, plan.K, plan.N,
            aOffsets, bOffsets, centered, aZeroPoint, aZeroPointSlice));
    }
}
