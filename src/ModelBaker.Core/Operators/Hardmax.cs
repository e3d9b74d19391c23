using System.Collections.Generic;
using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Hardmax: 1 at the first largest element along an axis, 0 elsewhere — written by shape inference as ArgMax
/// (keepdims 0) → OneHot along that axis, with values [0, 1] (<see cref="IExpansion"/>). Before opset 13 the input is
/// seen as 2-D, [product of dimensions before axis, product from axis on], as those opsets define it: Flatten before,
/// Reshape after.
/// </summary>
public sealed class Hardmax : ExpandedOperator
{
    public override string OpType => "Hardmax";

    public override OperatorSupport Support { get; } = new(OperatorFamily.SelectionAndLogic, 1,
        "1 at the first largest element along axis (any axis; before opset 13 over the flattened dimensions from axis on), 0 elsewhere: ArgMax, then OneHot",
        Int8Form.Integer, "as ArgMax and OneHot", Nano: true) { NanoDetails = "as ArgMax and OneHot" };

    public override IReadOnlyList<Node> Expand(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        RequireFloat(node, graph, 0);
        if (node.Outputs.Count != 1) throw InvalidGraph(node, $"it has {node.Outputs.Count} outputs; Hardmax has one.");
        int[] shape = InputShape(node, graph, 0);
        bool flattened = graph.Opset < 13;
        int axis = NormalizeAxis(node, node.GetInt("axis", flattened ? 1 : -1), shape.Length);
        int depth = flattened ? Product(shape, axis, shape.Length) : shape[axis];
        var writer = new ExpansionWriter(node, graph);
        string x = node.Inputs[0];
        if (flattened)
        {
            x = writer.Add("Flatten", "Flatten", new[] { x }, GraphAttribute.Int("axis", axis));
            axis = 1;
        }
        string indices = writer.Add("ArgMax", "ArgMax", new[] { x }, GraphAttribute.Int("axis", axis), GraphAttribute.Int("keepdims", 0));
        string depthName = writer.NewConstant("depth", Tensor.FromInt64s(new[] { 1 }, new long[] { depth }));
        string values = writer.NewConstant("values", Tensor.FromFloats(new[] { 2 }, new[] { 0f, 1f }));
        var oneHotInputs = new[] { indices, depthName, values };
        if (!flattened)
        {
            writer.Add("OneHot", "OneHot", oneHotInputs, node.Outputs, GraphAttribute.Int("axis", axis));
            return writer.Nodes;
        }
        string oneHot = writer.Add("OneHot", "OneHot", oneHotInputs, GraphAttribute.Int("axis", 1));
        string shapeName = writer.NewConstant("shape", Tensor.FromInt64s(new[] { shape.Length }, System.Array.ConvertAll(shape, d => (long)d)));
        writer.Add("Reshape", "Reshape", new[] { oneHot, shapeName }, node.Outputs);
        return writer.Nodes;
    }
}
