using System.Collections.Generic;

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

    public long GetInt(string name, long fallback) => Attributes.TryGetValue(name, out var a) ? a.Int : fallback;
    public float GetFloat(string name, float fallback) => Attributes.TryGetValue(name, out var a) ? a.Float : fallback;
    public long[]? GetInts(string name) => Attributes.TryGetValue(name, out var a) ? a.Ints : null;

    /// <summary>"'fc1' (Gemm)": how errors and generated comments name a node.</summary>
    public string Describe() => $"'{Name}' ({OpType})";
    public override string ToString() => Describe();
}
