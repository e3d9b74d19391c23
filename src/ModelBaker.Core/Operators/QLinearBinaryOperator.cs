using System.Collections.Generic;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;
using static ModelBaker.Core.Operators.QuantizationAxis;

namespace ModelBaker.Core.Operators;

/// <summary>
/// A com.microsoft quantized element-wise operator — (A, A_scale, A_zero_point, B, B_scale, B_zero_point, C_scale,
/// C_zero_point) → C, numpy broadcasting, A, B and C int8 or uint8 of one type, scales and zero points per tensor (zero
/// points may be omitted) — meaning C = quantize(dequantize(A) op dequantize(B)). Int8 plans: the int8 element-wise step
/// with the model's parameters.
/// </summary>
public abstract class QLinearBinaryOperator : QdqFormOperator
{
    /// <summary>Inputs exporters write as initializers: 1, 2, 4, 5, 6, 7 (B too, when it is constant).</summary>
    public override IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2, 4, 5, 6, 7 };

    /// <summary>The float operator: Add or Mul.</summary>
    protected abstract string FloatOpType { get; }
    public override OperatorSupport Support => QOperator($"{FloatOpType} of two quantized tensors, numpy broadcasting", "an integer element-wise step", "channels_last = 1");

    protected override void Check(Node node, Graph graph)
    {
        RequireInputCount(node, 7, 8);
        var type = RequireQuantized(node, graph, 0, "A");
        if (RequireQuantized(node, graph, 3, "B") != type) throw InvalidGraph(node, $"B is {Input(node, graph, 3).Type} but A is {type}; they must have one type.");
        foreach (int i in new[] { 1, 4, 6 }) RequireFloatScale(node, graph, i);
        foreach (int i in new[] { 2, 5, 7 })
            if (OptionalInput(node, i) != null && Input(node, graph, i).Type != type)
                throw InvalidGraph(node, $"its zero point '{node.Inputs[i]}' is {Input(node, graph, i).Type} but A is {type}; they must have one type.");
    }

    public override void Build(Node node, QdqFormBuilder form)
    {
        string a = form.Dequantize(0, 1, 2), b = form.Dequantize(3, 4, 5);
        form.Quantize(form.Float(FloatOpType, new[] { a, b }), 6, 7, form.TypeOf(0));
    }
}
