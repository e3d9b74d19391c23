using ModelBaker.Core.Ir;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// Parameters that ONNX moved from attributes to inputs in newer opsets (Squeeze/Unsqueeze axes, Slice starts/ends,
/// Pad pads): read from wherever the node's opset puts them. As inputs they must be known at bake time, because
/// ModelBaker plans every shape and memory place before the model runs.
/// </summary>
internal static class ShapeInputs
{
    /// <summary>
    /// The integers of the attribute <paramref name="attribute"/> when it is not null (older opsets), otherwise of
    /// input <paramref name="index"/>; null when neither is given.
    /// </summary>
    public static long[]? Ints(Node node, Graph graph, int index, string role, string? attribute) =>
        attribute != null ? node.GetInts(attribute) : Constant(node, graph, index, role)?.Int64s;

    /// <summary>The same during evaluation, when every input's data is at hand.</summary>
    public static long[]? Ints(Node node, Tensor?[] inputs, int index, string? attribute)
    {
        if (attribute != null) return node.GetInts(attribute);
        var tensor = index < inputs.Length ? inputs[index] : null;
        if (tensor == null) return null;
        return tensor.Int64s ?? throw InvalidGraph(node, $"its input {index} must hold integers, not {tensor.Type}.");
    }

    /// <summary>The data of optional input <paramref name="index"/> (null when omitted), which must be a bake-time constant.</summary>
    public static Tensor? Constant(Node node, Graph graph, int index, string role)
    {
        string? name = OptionalInput(node, index);
        if (name == null) return null;
        var value = graph.Values[name];
        if (value.Constant == null || graph.Inputs.Contains(name))
            throw UnsupportedUsage(node, $"its {role} '{name}' is computed at run time, but ModelBaker needs it at bake time to plan shapes and memory.",
                "Export the model with fixed shapes, or simplify it (for example with onnxsim) so the value becomes an initializer.");
        return value.Constant;
    }
}
