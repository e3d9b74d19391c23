using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;
using static ModelBaker.Core.Operators.QuantizationAxis;

namespace ModelBaker.Core.Operators;

/// <summary>
/// com.microsoft QGemm: (A, a_scale, a_zero_point, B, b_scale, b_zero_point, C, y_scale, y_zero_point) → Y =
/// quantize(alpha · dequantize(A)' · dequantize(B)' + dequantize(C)), transA / transB as Gemm's; A and B int8 or uint8,
/// a per tensor, b per tensor or per column of Y; C int32 at scale alpha · a_scale · b_scale (zero point 0); without
/// y_scale Y is float32. The form folds alpha into B's scale. Int8 plans: the int8 fully connected step with the model's
/// weights and parameters (B constant, symmetric: zero point 0, or 128 for uint8).
/// </summary>
public sealed class QGemm : QdqFormOperator
{
    /// <summary>Inputs exporters write as initializers: 1, 2, 3, 4, 5, 6, 7, 8.</summary>
    public override IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2, 3, 4, 5, 6, 7, 8 };

    public override string OpType => "com.microsoft:QGemm";
    public override OperatorSupport Support { get; } = QOperator("Gemm with int8 or uint8 A and B (alpha, transA, transB, an int32 C; a float output without y_scale)", "an int8 fully connected step with the model's weights", "a_scale or b_scale computed at run time", "more than one a_scale");

    protected override void Check(Node node, Graph graph)
    {
        RequireInputCount(node, 6, 9);
        var aType = RequireQuantized(node, graph, 0, "A");
        var bType = RequireQuantized(node, graph, 3, "B");
        RequireFloatScale(node, graph, 1);
        RequireFloatScale(node, graph, 4);
        if (OptionalInput(node, 2) != null && Input(node, graph, 2).Type != aType) throw InvalidGraph(node, "a_zero_point must have A's type.");
        if (OptionalInput(node, 5) != null && Input(node, graph, 5).Type != bType) throw InvalidGraph(node, "b_zero_point must have B's type.");
        if (OptionalInput(node, 6) != null && Input(node, graph, 6).Type != ElementType.Int32) throw InvalidGraph(node, "C must be int32.");
        if (OptionalInput(node, 7) != null) RequireFloatScale(node, graph, 7);
        if (OptionalInput(node, 8) != null && OptionalInput(node, 7) == null) throw InvalidGraph(node, "it has y_zero_point without y_scale.");
        if (OptionalInput(node, 8) != null) RequireQuantized(node, graph, 8, "y_zero_point");
        foreach (int i in new[] { 1, 4 })
            if (!Input(node, graph, i).IsConstant)
                throw UnsupportedUsage(node, $"its scale '{node.Inputs[i]}' is computed at run time.", "Give a_scale and b_scale as initializers, as ONNX Runtime's quantizer writes them.");
    }

    public override void Build(Node node, QdqFormBuilder form)
    {
        float alpha = node.GetFloat("alpha", 1f);
        bool transB = node.GetInt("transB", 0) != 0;
        int[] bShape = form.ShapeOf(3);
        if (bShape.Length != 2) throw ShapeError(node, $"B has shape {ShapeMath.Format(bShape)}; QGemm takes a 2-D B.");
        int columns = transB ? bShape[0] : bShape[1];
        float aScale = form.ConstantOf(1)!.AsFloats()[0];
        float[] bScales = form.ConstantOf(4)!.AsFloats();
        if (form.ConstantOf(1)!.Length != 1) throw UnsupportedUsage(node, $"a_scale has {form.ConstantOf(1)!.Length} values.", "Give one a_scale for the whole of A.");
        bool perColumn = bScales.Length != 1;
        if (perColumn && bScales.Length != columns)
            throw ShapeError(node, $"b_scale has {bScales.Length} values; give one, or one per column of Y ({columns}).");
        string a = form.Dequantize(0, 1, 2);
        // alpha · A · B = A · (alpha · B): B's scales take alpha in, so the form's Gemm has alpha 1.
        string b = form.DequantizeWeights(3, 4, 5, transB ? 0 : 1, bScales.Select(s => alpha * s).ToArray());
        var inputs = new List<string> { a, b };
        if (form.Has(6))
        {
            int[] cShape = form.ShapeOf(6);
            if (perColumn && (cShape.Length == 0 || cShape[cShape.Length - 1] != columns))
                throw ShapeError(node, $"C {ShapeMath.Format(cShape)} must have one value per column of Y ({columns}) on its last axis, as b_scale has.");
            // C's scale: alpha · a_scale · b_scale, one per column when b's is.
            inputs.Add(form.DequantizeBias(6, bScales.Select(s => alpha * aScale * s).ToArray(), cShape.Length - 1));
        }
        string y = form.Float("Gemm", inputs, GraphAttribute.Int("transA", node.GetInt("transA", 0)), GraphAttribute.Int("transB", transB ? 1 : 0));
        if (form.Has(7)) form.Quantize(y, 7, 8, form.Has(8) ? form.TypeOf(8) : ElementType.UInt8);
        else form.Output(y);
    }
}
