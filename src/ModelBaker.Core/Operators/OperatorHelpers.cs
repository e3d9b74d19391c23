using System;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;

namespace ModelBaker.Core.Operators;

/// <summary>
/// What every operator needs: reading input values, setting outputs, checking arity and types, and
/// building user-facing errors that name the node.
/// </summary>
internal static class OperatorHelpers
{
    /// <summary>Shown with shape errors: most come from a model exported for other input sizes.</summary>
    private const string ShapeHint =
        "Check that the model is valid (for example with onnx.checker) and that its input shapes are the ones it was " +
        "exported for; ModelBaker bakes dynamic dimensions as 1.";

    public static BakeException ShapeError(Node node, string what) =>
        new(ErrorCodes.ShapeError, $"Node {node.Describe()}: {what} {ShapeHint}");

    public static BakeException UnsupportedUsage(Node node, string what, string fix) =>
        new(ErrorCodes.UnsupportedOperatorUsage, $"Node {node.Describe()}: {what} {fix}");

    public static BakeException InvalidGraph(Node node, string what) =>
        new(ErrorCodes.InvalidGraph,
            $"Node {node.Describe()}: {what} The model is not valid ONNX; re-export it or check it with onnx.checker.");

    /// <summary>Checks the number of inputs given (trailing omitted optional inputs may be left out).</summary>
    public static void RequireInputCount(Node node, int min, int max)
    {
        int count = node.Inputs.Count;
        if (count < min || count > max || string.IsNullOrEmpty(node.Inputs[0]))
            throw InvalidGraph(node, min == max
                ? $"it has {count} inputs; {node.OpType} takes {min}."
                : $"it has {count} inputs; {node.OpType} takes {min} to {max}.");
        for (int i = 1; i < min; i++)
            if (string.IsNullOrEmpty(node.Inputs[i]))
                throw InvalidGraph(node, $"its required input {i} is empty.");
    }

    /// <summary>Name of optional input <paramref name="index"/>, or null when it is omitted.</summary>
    public static string? OptionalInput(Node node, int index) =>
        index < node.Inputs.Count && !string.IsNullOrEmpty(node.Inputs[index]) ? node.Inputs[index] : null;

    public static Value Input(Node node, Graph graph, int index) => graph.Values[node.Inputs[index]];

    /// <summary>The inferred shape of input <paramref name="index"/>; shape inference runs in node order, so it is known.</summary>
    public static int[] InputShape(Node node, Graph graph, int index) =>
        Input(node, graph, index).Shape
        ?? throw new BakeException(ErrorCodes.InternalError,
            $"Node {node.Describe()}: the shape of input '{node.Inputs[index]}' is not known yet. Shape inference must run before this node.");

    /// <summary>Sets the type and shape of output <paramref name="index"/>, creating its value if the importer did not.</summary>
    public static void SetOutput(Node node, Graph graph, int index, ElementType type, int[] shape)
    {
        if (index >= node.Outputs.Count || string.IsNullOrEmpty(node.Outputs[index])) return; // optional output not requested
        string name = node.Outputs[index];
        if (graph.Values.TryGetValue(name, out var value))
        {
            value.Type = type;
            value.Shape = shape;
        }
        else
        {
            graph.Add(new Value(name, type, shape));
        }
    }

    public static void RequireFloat(Node node, Graph graph, int index)
    {
        var value = Input(node, graph, index);
        if (value.Type != ElementType.Float32) throw NotFloat(node, value.Name, value.Type);
    }

    /// <summary>The float data of a kernel input; integer data is refused, not silently converted.</summary>
    public static float[] Floats(Node node, Tensor? tensor, int index)
    {
        if (tensor == null) throw InvalidGraph(node, $"its required input {index} is missing.");
        return tensor.Floats ?? throw NotFloat(node, node.Inputs[index], tensor.Type);
    }

    public static Tensor Required(Node node, Tensor?[] inputs, int index) =>
        index < inputs.Length && inputs[index] != null
            ? inputs[index]!
            : throw InvalidGraph(node, $"its required input {index} is missing.");

    private static BakeException NotFloat(Node node, string valueName, ElementType type) =>
        new(ErrorCodes.UnsupportedElementType,
            $"Node {node.Describe()}: input '{valueName}' is {type}; ModelBaker supports {node.OpType} on Float32 only. " +
            "Convert the model to float32 before baking (for example, export without half precision).");

    /// <summary>Resolves a possibly negative axis against <paramref name="rank"/>; <paramref name="inclusiveEnd"/> allows axis == rank (Flatten).</summary>
    public static int NormalizeAxis(Node node, long axis, int rank, bool inclusiveEnd = false)
    {
        int upper = inclusiveEnd ? rank : rank - 1;
        if (axis < -rank || axis > upper)
            throw UnsupportedUsage(node, $"axis {axis} is out of range for an input of rank {rank} (allowed: {-rank} to {upper}).",
                "Fix the axis attribute in the model.");
        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>Product of shape[from..to), the size of a group of dimensions.</summary>
    public static int Product(int[] shape, int from, int to)
    {
        int p = 1;
        for (int i = from; i < to; i++) p *= shape[i];
        return p;
    }

    /// <summary>A copy of <paramref name="t"/> viewed with another shape of the same length (Reshape, Flatten, Identity).
    /// Copied, not shared, so no caller can change another value's data through it.</summary>
    public static Tensor WithShape(Tensor t, int[] shape) =>
        t.IsUniform // still one value: a reshaped ConstantOfShape fill is not written out
            ? t.Type == ElementType.Float32 ? Tensor.UniformFloats(shape, t.UniformFloat) : Tensor.UniformInt64s(shape, t.UniformInt64, t.Type)
        : t.Floats != null
            ? Tensor.FromFloats(shape, (float[])t.Floats.Clone())
            : Tensor.FromInt64s(shape, (long[])t.Int64s!.Clone(), t.Type);
}
