using System.Linq;
using ModelBaker.Core.Ir;
using ModelBaker.Core.Kernels;
using ModelBaker.Core.Lowering;
using static ModelBaker.Core.Operators.OperatorHelpers;

namespace ModelBaker.Core.Operators;

/// <summary>
/// ai.onnx.ml LabelEncoder mapping int64 keys to int64 values (opset 2 keys_int64s / values_int64s / default_int64, or
/// opset 4 keys_tensor / values_tensor / default_tensor of int64): a value not among the keys becomes the default (−1
/// unless given). String maps (opset 1's classes_strings, keys_strings, values_strings) are refused with MB1110, float
/// maps with MB1104.
/// </summary>
public sealed class LabelEncoder : IOperator
{
    public string OpType => ClassicalModel.Domain + "LabelEncoder";

    public OperatorSupport Support { get; } = new(OperatorFamily.ClassicalMachineLearning, 2, "int64 to int64: keys_int64s / values_int64s / default_int64 (opset 2) or int64 keys_tensor / values_tensor / default_tensor (opset 4); a label-encoder step", Int8Form.Integer, "int64 in and out: the same step", Nano: true)
    {
        Refuses = new[] { "string maps (MB1110)", "float keys or values", "a default_tensor other than one int64" },
    };

    private static (long[] Keys, long[] Values, long Default) Read(Node node)
    {
        foreach (string name in new[] { "classes_strings", "keys_strings", "values_strings" })
            if (node.GetStrings(name) is { Length: > 0 }) throw ClassicalModel.StringRefusal(node, $"it maps strings ({name})");
        if (node.Attributes.ContainsKey("default_string")) throw ClassicalModel.StringRefusal(node, "it maps to strings (default_string)");
        var keys = node.GetInts("keys_int64s") ?? Int64Tensor(node, "keys_tensor");
        var values = node.GetInts("values_int64s") ?? Int64Tensor(node, "values_tensor");
        if (keys == null || values == null)
            throw UnsupportedUsage(node, "its keys or values are not int64 (keys_int64s / values_int64s or int64 keys_tensor / values_tensor); ModelBaker implements the int64 to int64 map.",
                "Re-export the encoder with integer keys and values, or map the values in the calling code.");
        if (keys.Length != values.Length) throw InvalidGraph(node, $"it has {keys.Length} keys and {values.Length} values.");
        if (keys.Distinct().Count() != keys.Length) throw InvalidGraph(node, "its keys repeat.");
        long fallback = node.GetTensor("default_tensor") is { } t ? (t.Int64s is { Length: 1 } d ? d[0] : throw UnsupportedUsage(node, "its default_tensor is not one int64.", "Give an int64 default."))
            : node.GetInt("default_int64", -1);
        var order = Enumerable.Range(0, keys.Length).OrderBy(i => keys[i]).ToArray();
        return (order.Select(i => keys[i]).ToArray(), order.Select(i => values[i]).ToArray(), fallback);
    }

    private static long[]? Int64Tensor(Node node, string name) =>
        node.GetTensor(name) is { } t ? (t.Type == ElementType.Int64 ? t.Int64s : null) : null;

    public void InferShapes(Node node, Graph graph)
    {
        RequireInputCount(node, 1, 1);
        var x = Input(node, graph, 0);
        Read(node);
        if (x.Type != ElementType.Int64)
            throw UnsupportedUsage(node, $"its input '{x.Name}' is {x.Type}; ModelBaker implements the int64 to int64 LabelEncoder.", "Cast the input to int64 in the model.");
        SetOutput(node, graph, 0, ElementType.Int64, InputShape(node, graph, 0));
    }

    public Tensor[] Evaluate(Node node, Tensor?[] inputs, long opset)
    {
        var x = Required(node, inputs, 0);
        var (keys, values, fallback) = Read(node);
        var y = new long[x.Length];
        LabelEncoderInteger.EncodeLabels(x.Int64s ?? throw InvalidGraph(node, "its input is not int64."), keys, values, fallback, y);
        return new[] { Tensor.FromInt64s(x.Shape, y) };
    }

    public void Lower(Node node, LoweringContext context)
    {
        var (keys, values, fallback) = Read(node);
        context.Add(new LabelEncoderInteger(node.Describe(), context.Slice(node.Inputs[0]), context.Slice(node.Outputs[0]), keys, values, fallback));
    }
}
