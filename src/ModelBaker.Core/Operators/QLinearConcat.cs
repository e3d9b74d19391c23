using System.Collections.Generic;
using System.Linq;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;
using static ModelBaker.Core.Operators.QuantizationAxis;

namespace ModelBaker.Core.Operators;

/// <summary>
/// com.microsoft QLinearConcat: (Y_scale, Y_zero_point, X1, X1_scale, X1_zero_point, X2, …) → Y =
/// quantize(Concat(dequantize(X1), dequantize(X2), …)) along <c>axis</c>; every X and Y int8 or uint8 of one type,
/// parameters per tensor. Int8 plans: the int8 concatenation, copying the parts whose parameters are Y's and
/// requantizing the others.
/// </summary>
public sealed class QLinearConcat : QdqFormOperator
{
    /// <summary>Inputs exporters write as initializers: Y's and every X's scale and zero point (up to 64 inputs).</summary>
    public override IReadOnlyList<int> BakeTimeInputs { get; } =
        new[] { 0, 1 }.Concat(Enumerable.Range(0, 64).SelectMany(i => new[] { 3 + 3 * i, 4 + 3 * i })).ToArray();

    public override string OpType => "com.microsoft:QLinearConcat";
    public override OperatorSupport Support { get; } = QOperator("Concat (axis) of quantized tensors", "the int8 concat step (parts of other parameters requantized)");

    protected override void Check(Node node, Graph graph)
    {
        if (node.Inputs.Count < 5 || (node.Inputs.Count - 2) % 3 != 0)
            throw InvalidGraph(node, $"it has {node.Inputs.Count} inputs; QLinearConcat takes Y_scale, Y_zero_point, then (tensor, scale, zero point) for each input.");
        RequireFloatScale(node, graph, 0);
        var type = RequireQuantized(node, graph, 2, "X1");
        for (int i = 2; i < node.Inputs.Count; i += 3)
        {
            if (RequireQuantized(node, graph, i, $"X{(i + 1) / 3}") != type) throw InvalidGraph(node, $"its inputs are not all {type}.");
            RequireFloatScale(node, graph, i + 1);
        }
        foreach (int i in Enumerable.Range(0, node.Inputs.Count).Where(i => i == 1 || i > 1 && (i - 2) % 3 == 2))
            if (OptionalInput(node, i) != null && Input(node, graph, i).Type != type)
                throw InvalidGraph(node, $"its zero point '{node.Inputs[i]}' is {Input(node, graph, i).Type}, not {type}.");
    }

    public override void Build(Node node, QdqFormBuilder form)
    {
        var parts = new List<string>();
        for (int i = 2; i < node.Inputs.Count; i += 3) parts.Add(form.Dequantize(i, i + 1, i + 2));
        form.Quantize(form.Float("Concat", parts, GraphAttribute.Int("axis", node.GetInt("axis", 0))), 0, 1, form.TypeOf(2));
    }
}
