using System.Linq;
using ModelBaker.Core.Diagnostics;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using ModelBaker.Core.Plan;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// What the ai.onnx.ml operators share: their domain prefix, the [rows, features] view of an input (rank 1 is one row),
/// post transforms, class labels, string refusals, and inputs of other numeric types read as float.
/// </summary>
internal static class ClassicalModel
{
    public const string Domain = "ai.onnx.ml:";

    /// <summary>The input as [rows, features]: rank 1 is one row, rank 2 [N, F] (as ONNX Runtime reads it).</summary>
    public static (int Rows, int Features) Layout(Node node, int[] shape)
    {
        if (shape.Length == 0 || shape.Length > 2)
            throw ShapeError(node, $"its input has rank {shape.Length}; {node.OpType} takes [features] or [rows, features].");
        return shape.Length == 1 ? (1, shape[0]) : (shape[0], shape[1]);
    }

    /// <summary>Float, int32 or int64 input (the classical operators read all three as float).</summary>
    public static void RequireNumeric(Node node, Graph graph, int index)
    {
        var value = Input(node, graph, index);
        if (value.Type != ElementType.Float32 && value.Type != ElementType.Int64 && value.Type != ElementType.Int32)
            throw new BakeException(ErrorCodes.UnsupportedElementType,
                $"Node {node.Describe()}: input '{value.Name}' is {value.Type}; {node.OpType} takes float32, int32 or int64 here. Cast it to float32 in the model.");
    }

    /// <summary>A copy of the input's values as float, whatever its numeric type.</summary>
    public static float[] FloatValues(Node node, Tensor?[] inputs, int index) => (float[])Required(node, inputs, index).AsFloats().Clone();

    /// <summary>The input's arena place as float: a Cast step first when it is an integer tensor.</summary>
    public static ArenaSlice FloatSlice(Node node, LoweringContext context, int index)
    {
        var slice = context.Slice(node.Inputs[index]);
        if (slice.Type == ElementType.Float32) return slice;
        var converted = new ArenaSlice($"{node.Inputs[index]} (as float)", ElementType.Float32, slice.Length, shape: slice.Shape);
        context.Add(Conversion.Of(node.Describe(), slice, converted));
        return converted;
    }

    public static PostTransform Transform(Node node) => (node.GetString("post_transform") ?? "NONE") switch
    {
        "NONE" => PostTransform.None,
        "LOGISTIC" => PostTransform.Logistic,
        "SOFTMAX" => PostTransform.Softmax,
        "SOFTMAX_ZERO" => PostTransform.SoftmaxZero,
        "PROBIT" => PostTransform.Probit,
        var other => throw UnsupportedUsage(node, $"post_transform '{Text.Printable(other)}' is not one of NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO, PROBIT.",
            "Fix the attribute in the model."),
    };

    /// <summary>
    /// A single score column takes no transform but PROBIT in ONNX Runtime (which leaves it as it is for the others,
    /// where the ONNX spec would apply them): refused rather than guessed.
    /// </summary>
    public static void RequireSingleColumnTransform(Node node, PostTransform transform)
    {
        if (transform is PostTransform.None or PostTransform.Probit) return;
        throw UnsupportedUsage(node, $"it has one score column and post_transform {transform.ToString().ToUpperInvariant()}, which ONNX Runtime does not apply to a single column (the ONNX specification does).",
            "Set post_transform to NONE (and apply the transform in the calling code) or export the scores of both classes.");
    }

    /// <summary>Class labels: int64 labels, or string labels (then also their number as long indices).</summary>
    public static (long[] Labels, string[]? Strings) ClassLabels(Node node, string intsName, string stringsName)
    {
        var strings = node.GetStrings(stringsName);
        var ints = node.GetInts(intsName);
        if (strings is { Length: > 0 })
        {
            if (ints is { Length: > 0 }) throw InvalidGraph(node, $"it has both {intsName} and {stringsName}.");
            return (Enumerable.Range(0, strings.Length).Select(i => (long)i).ToArray(), strings);
        }
        return (ints ?? new long[0], null);
    }

    /// <summary>MB1110: string data in an operator (a string map, string categories), with the fix.</summary>
    public static BakeException StringRefusal(Node node, string what) =>
        new(ErrorCodes.StringData,
            $"Node {node.Describe()}: {what}. Generated code computes with numbers only. Encode the strings as integer ids " +
            "before the model (a dictionary in the calling code) and re-export the model with integer keys or categories.");

    /// <summary>
    /// String class labels are kept only where the label is a graph output: it then holds each row's class as an int64
    /// index into the generated class's static &lt;Output&gt;Classes array.
    /// </summary>
    public static void RequireLabelIsOutput(Node node, LoweringContext context, string[]? strings)
    {
        if (strings == null || node.Outputs.Count == 0 || node.Outputs[0].Length == 0 || !context.IsUsed(node.Outputs[0])) return;
        if (!context.Graph.Outputs.Contains(node.Outputs[0]))
            throw StringRefusal(node, $"its class labels are strings and its label '{node.Outputs[0]}' feeds other nodes, which would compute with strings");
    }

    public static float[] RequiredFloats(Node node, string name) =>
        node.GetFloats(name) is { Length: > 0 } values ? values : throw InvalidGraph(node, $"it has no '{name}' attribute.");
}
