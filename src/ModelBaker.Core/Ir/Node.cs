using System.Collections.Generic;
using ModelBaker.Core.Diagnostics;

namespace ModelBaker.Core.Ir;

/// <summary>One operator application, as imported from an ONNX NodeProto.</summary>
public sealed class Node
{
    public Node(string name, string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs,
        IReadOnlyDictionary<string, Attribute> attributes)
    {
        Name = name;
        OpType = opType;
        Inputs = inputs;
        Outputs = outputs;
        Attributes = attributes;
    }

    /// <summary>The ONNX node name; importers give unnamed nodes a stable "OpType_index" name.</summary>
    public string Name { get; }
    public string OpType { get; }
    /// <summary>Value names; an empty string is an omitted optional input.</summary>
    public IReadOnlyList<string> Inputs { get; }
    public IReadOnlyList<string> Outputs { get; }
    public IReadOnlyDictionary<string, Attribute> Attributes { get; }

    public long GetInt(string name, long fallback) => Get(name, AttributeKind.Int)?.Int ?? fallback;
    public float GetFloat(string name, float fallback) => Get(name, AttributeKind.Float)?.Float ?? fallback;
    public long[]? GetInts(string name) => Get(name, AttributeKind.Ints)?.Ints;
    public float[]? GetFloats(string name) => Get(name, AttributeKind.Floats)?.Floats;
    public string[]? GetStrings(string name) => Get(name, AttributeKind.Strings)?.Strings;
    public string? GetString(string name) => Get(name, AttributeKind.String)?.String;
    public Tensor? GetTensor(string name) => Get(name, AttributeKind.Tensor)?.Tensor;
    public Graph? GetGraph(string name) => Get(name, AttributeKind.Graph)?.Graph;

    /// <summary>
    /// The attribute, or null when the node does not have it; one of another type (a string `transA`) is the model's
    /// error, as it is to ONNX Runtime and onnx.checker — never read as a default.
    /// </summary>
    private Attribute? Get(string name, AttributeKind kind)
    {
        if (!Attributes.TryGetValue(name, out var a)) return null;
        // Unspecified: built in code (tests, passes), where the payload read is the one that was set.
        if (a.Kind != kind && a.Kind != AttributeKind.Unspecified)
            throw new BakeException(ErrorCodes.AttributeTypeMismatch,
                $"Node {Describe()} has attribute '{Text.Printable(name)}' of type {a.Kind}, but {Text.Printable(OpType)} defines it as {kind}. Re-export the model or check it with onnx.checker.");
        return a;
    }

    /// <summary>"'fc1' (Gemm)": how errors and generated comments name a node (model text shown escaped).</summary>
    public string Describe() => $"'{Text.Printable(Name)}' ({Text.Printable(OpType)})";
    public override string ToString() => Describe();
}
