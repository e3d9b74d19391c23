using System;
using System.Linq;
using ModelBaker.Core.Ir;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Operators;

/// <summary>
/// com.microsoft QLinearSoftmax: Y = quantize(Softmax(dequantize(X))) with the Softmax of its <c>opset</c> attribute:
/// from 13 over the one axis <c>axis</c> (default −1), before 13 over X coerced to 2-D at <c>axis</c> (default 1; written
/// as Flatten → Softmax → Reshape when that is not the last axis). Int8 plans: the int8 softmax, whose output scale 1/256
/// and zero point −128 (uint8: 0) are the ones ONNX Runtime's quantizer gives this node; other output parameters are refused.
/// </summary>
public sealed class QLinearSoftmax : QLinearUnaryOperator
{
    public override string OpType => "com.microsoft:QLinearSoftmax";
    public override OperatorSupport Support { get; } = QOperator("Softmax as its `opset` attribute means it (axis)", "the integer softmax step", "an output scale other than 1/256 in int8 plans", "a non-last axis whose opset-13 meaning the model's opset cannot express");

    protected override (string OpType, Attribute[] Attributes) FloatOperator(Node node) => throw new NotSupportedException(); // Build writes the form

    public override void Build(Node node, QdqFormBuilder form)
    {
        int[] shape = form.ShapeOf(0);
        long opset = node.GetInt("opset", form.Graph.Opset);
        int axis = OperatorHelpers.NormalizeAxis(node, node.GetInt("axis", opset >= 13 ? -1 : 1), Math.Max(shape.Length, 1));
        bool last = axis == shape.Length - 1;
        string x = form.Dequantize(0, 1, 2);
        string y;
        if (last) y = form.Float("Softmax", new[] { x }, GraphAttribute.Int("axis", -1)); // the same under either Softmax
        else if (opset < 13)
        {
            // Over every element from axis on: a 2-D softmax of the flattened tensor.
            string flat = form.Float("Flatten", new[] { x }, GraphAttribute.Int("axis", axis));
            string soft = form.Float("Softmax", new[] { flat }, GraphAttribute.Int("axis", -1));
            y = form.Float("Reshape", new[] { soft, form.Constant(Tensor.FromInt64s(new[] { shape.Length }, shape.Select(d => (long)d).ToArray())) });
        }
        else if (form.Graph.Opset >= 13) y = form.Float("Softmax", new[] { x }, GraphAttribute.Int("axis", axis));
        else
            throw OperatorHelpers.UnsupportedUsage(node, $"opset {opset} with axis {axis} (not the last) needs Softmax over one axis, which this opset-{form.Graph.Opset} model's Softmax does not mean.",
                "Export the model with opset 13 or later, or move the softmax axis last.");
        form.Quantize(y, 3, 4, form.TypeOf(0));
    }
}
