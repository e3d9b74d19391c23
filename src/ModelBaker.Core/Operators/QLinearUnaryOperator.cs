using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;
using static ModelBaker.Core.Operators.QuantizationAxis;
using Attribute = ModelBaker.Core.Ir.Attribute;

namespace ModelBaker.Core.Operators;

/// <summary>
/// A com.microsoft quantized operator of one tensor — (X, X_scale, X_zero_point, Y_scale, Y_zero_point) → Y, X and Y
/// int8 or uint8 of one type, scales and zero points per tensor (a scalar or a one-element tensor; zero points may be
/// omitted) — whose meaning is a float operator between DequantizeLinear and QuantizeLinear.
/// </summary>
public abstract class QLinearUnaryOperator : QdqFormOperator
{
    /// <summary>Inputs exporters write as initializers: 1, 2, 3, 4.</summary>
    public override IReadOnlyList<int> BakeTimeInputs { get; } = new[] { 1, 2, 3, 4 };

    /// <summary>The float operator and its attributes (the node's, where they mean the same).</summary>
    protected abstract (string OpType, Attribute[] Attributes) FloatOperator(Node node);

    protected override void Check(Node node, Graph graph)
    {
        RequireInputCount(node, 4, 5);
        var type = RequireQuantized(node, graph, 0, "X");
        RequireFloatScale(node, graph, 1);
        RequireFloatScale(node, graph, 3);
        foreach (int i in new[] { 2, 4 })
            if (OptionalInput(node, i) != null && Input(node, graph, i).Type != type)
                throw InvalidGraph(node, $"its zero point '{node.Inputs[i]}' is {Input(node, graph, i).Type} but X is {type}; they must have one type.");
        if (node.GetInt("channels_last", 0) != 0)
            throw UnsupportedUsage(node, "channels_last = 1 is not supported.", "Give X in NCHW order (channels_last = 0), as ONNX Runtime's quantizer writes it.");
    }

    public override void Build(Node node, QdqFormBuilder form)
    {
        var (opType, attributes) = FloatOperator(node);
        string x = form.Dequantize(0, 1, 2);
        form.Quantize(form.Float(opType, new[] { x }, attributes), 3, 4, form.TypeOf(0));
    }

    /// <summary>The node's attributes but <paramref name="except"/>.</summary>
    protected static Attribute[] AttributesBut(Node node, params string[] except) =>
        node.Attributes.Values.Where(a => !except.Contains(a.Name)).ToArray();
}
